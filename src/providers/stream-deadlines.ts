/**
 * The deadlines of one streamed answer on one timer, re-armed only when it
 * fires, instead of a timer set and cleared around every read: on Workers a
 * timer costs CPU on the request's thread, and a chat's first token waits on
 * that thread.
 *
 *   idle  a read of the provider's stream that waits `idleMs` fails with the
 *         error `onIdle` returns (it also aborts the call). Only time spent
 *         waiting on the provider counts: a client that reads slowly does not
 *         time the provider out.
 *   due   `onDue` runs once, `dueInMs` after the start, unless `stop` came first.
 */
export class StreamDeadlines {
  private waitingSince: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private dueAt: number;
  private stopped = false;
  private expire!: (error: unknown) => void;
  private readonly idle: Promise<never>;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => unknown,
    dueInMs: number | null,
    private readonly onDue: () => void,
  ) {
    this.idle = new Promise<never>((_, reject) => (this.expire = reject));
    this.idle.catch(() => undefined); // raced by reads; never unhandled
    this.dueAt = dueInMs === null ? Infinity : Date.now() + dueInMs;
    this.arm(Date.now());
  }

  /** Whether the due deadline has passed (and `onDue` ran). */
  get overdue(): boolean {
    return this.dueAt === Infinity;
  }

  /** `read`, failing instead once it has waited `idleMs`. */
  async read<T>(read: Promise<T>): Promise<T> {
    const now = Date.now();
    this.waitingSince = now;
    if (now + this.idleMs < this.armedFor) this.arm(now);
    try {
      return await Promise.race([read, this.idle]);
    } finally {
      this.waitingSince = null;
    }
  }

  /** The stream ended: no deadline applies any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(now: number): void {
    if (this.stopped) return;
    const idleAt = this.waitingSince === null ? Infinity : this.waitingSince + this.idleMs;
    const next = Math.min(idleAt, this.dueAt);
    if (next === this.armedFor && this.timer !== undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = next;
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - now));
  }

  private tick(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    if (this.stopped) return;
    const now = Date.now();
    if (now >= this.dueAt) {
      this.dueAt = Infinity;
      this.onDue();
    }
    if (this.waitingSince !== null && now - this.waitingSince >= this.idleMs) {
      this.expire(this.onIdle());
      this.stop();
      return;
    }
    this.arm(now);
  }
}
