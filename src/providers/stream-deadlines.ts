/** A read waiting on the provider: since when, and how the idle deadline fails it. */
interface WaitingRead {
  since: number;
  fail: (error: unknown) => void;
}

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
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private dueAt: number;
  private stopped = false;
  /**
   * The reads now waiting, failed by the idle deadline: the oldest, and any
   * that started while it waited (in the order they started; a stream read
   * one chunk at a time never has any, so the set is made only for them).
   * Each read leaves only its own place when it settles, so reads that
   * overlap keep each other's deadline armed.
   */
  private oldest: WaitingRead | null = null;
  private younger: Set<WaitingRead> | null = null;
  /** Once the idle deadline fired, every read fails with its error. */
  private expired: { error: unknown } | null = null;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => unknown,
    dueInMs: number | null,
    private readonly onDue: () => void,
  ) {
    this.dueAt = dueInMs === null ? Infinity : Date.now() + dueInMs;
    this.arm(Date.now());
  }

  /** Whether the due deadline has passed (and `onDue` ran). */
  get overdue(): boolean {
    return this.dueAt === Infinity;
  }

  /**
   * `read`, failing instead once it has waited `idleMs`. Settled by whichever
   * comes first without racing a promise shared by every read: each race
   * would leave a reaction on it until the stream ends, one per chunk.
   */
  read<T>(read: Promise<T>): Promise<T> {
    if (this.expired !== null) {
      read.catch(() => undefined);
      return Promise.reject(this.expired.error);
    }
    const now = Date.now();
    return new Promise<T>((resolve, reject) => {
      const slot: WaitingRead = { since: now, fail: reject };
      if (this.oldest === null) this.oldest = slot;
      else (this.younger ??= new Set()).add(slot);
      if (now + this.idleMs < this.armedFor) this.arm(now);
      read.then(
        (value) => {
          this.settled(slot);
          resolve(value);
        },
        (error: unknown) => {
          this.settled(slot);
          reject(error);
        },
      );
    });
  }

  /** The stream ended: no deadline applies any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(now: number): void {
    if (this.stopped) return;
    const idleAt = this.oldest === null ? Infinity : this.oldest.since + this.idleMs;
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
    if (this.oldest !== null && now - this.oldest.since >= this.idleMs) {
      const expired = { error: this.onIdle() };
      this.expired = expired;
      this.oldest.fail(expired.error);
      for (const slot of this.younger ?? []) slot.fail(expired.error);
      this.oldest = null;
      this.younger = null;
      this.stop();
      return;
    }
    this.arm(now);
  }

  /** A read settled: it leaves its own place; the next oldest takes the first. */
  private settled(slot: WaitingRead): void {
    if (this.oldest !== slot) {
      this.younger?.delete(slot);
      return;
    }
    this.oldest = null;
    if (this.younger === null) return;
    for (const next of this.younger) {
      this.oldest = next;
      this.younger.delete(next);
      break;
    }
  }
}
