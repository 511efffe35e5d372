/**
 * Where one request's time went, by phase: sent as the `Server-Timing`
 * header of every GraphQL and REST response and, for requests that touched
 * memory, in the receipt (`extensions.memory.timings`).
 *
 *   auth      verifying the credential (an account-object call unless remembered)
 *   parse     GraphQL parse and validation; a chat route's JSON body and model
 *   key       chat: finding the provider key (a stored one: cache or account object, decryption)
 *   embed     embedding queries and memories
 *   tokenize  counting memory tokens
 *   vault     vault-object calls, wall time as the Worker waits (includes the next two;
 *             a metered multi-vault search makes one call, to the first vault by name,
 *             which reads the others itself and records the merged hits' tokens; a
 *             multi-vault search by words first asks each vault for the counts of words
 *             this isolate has not counted there lately: word-statistics-cache.ts; a
 *             chat whose other vaults were last seen empty does not: search-statistics.ts)
 *   search    inside vault objects: ranking windows (vector scan, full text, fusion)
 *   hydrate   inside vault objects: reading the hit rows from SQLite
 *   meter     recording metered memory tokens in a usage shard (chat, a write over
 *             several vaults; a search only when its billing vault was never written)
 *   prompt    chat: reading the memory controls, injecting the block, serialising the body
 *   provider  chat: from sending the provider call to its response headers (connect)
 *   firstbyte chat, streamed: from the provider's headers to its first whole event
 *   serialize turning the GraphQL result into the response body
 *   total     from the first middleware to the response's headers
 *
 * A phase the Worker waits on (`time`) counts its wall time once however many
 * of its calls are in flight together: a chat's CORE and SESSION reads, sent
 * at once, add the span from the first call's start to the last one's end,
 * not the sum of both waits. `search` and `hydrate` are work the objects
 * report, so they add up over vaults. Different phases may overlap, so the
 * phases' sum can still exceed `total`. Workers' clocks advance only across
 * I/O, so a phase spent purely on the CPU of one object may read as 0 in
 * production.
 */
export const PHASES = [
  'auth',
  'parse',
  'key',
  'embed',
  'tokenize',
  'vault',
  'search',
  'hydrate',
  'meter',
  'prompt',
  'provider',
  'firstbyte',
  'serialize',
] as const;
export type Phase = (typeof PHASES)[number];

export class PhaseTimings {
  private readonly started: number;
  private readonly spent = new Map<Phase, number>();
  /** Per phase timed with `time`: how many of its calls are in flight, since when. */
  private readonly inFlight = new Map<Phase, { calls: number; since: number }>();

  /** `now` is the clock (performance.now(); a test passes its own). */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.started = now();
  }

  add(phase: Phase, ms: number): void {
    if (!(ms >= 0)) return; // NaN or a clock step back: nothing to add
    this.spent.set(phase, (this.spent.get(phase) ?? 0) + ms);
  }

  /** Adds the time since `start` (a reading of this object's clock) to `phase`. */
  since(phase: Phase, start: number): void {
    this.add(phase, this.now() - start);
  }

  /**
   * Runs `work`, whether it succeeds or fails, adding to `phase` the time
   * during which at least one of the phase's `time` calls was in flight.
   */
  async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const open = this.inFlight.get(phase);
    if (open) open.calls += 1;
    else this.inFlight.set(phase, { calls: 1, since: this.now() });
    try {
      return await work();
    } finally {
      const current = this.inFlight.get(phase)!;
      current.calls -= 1;
      if (current.calls === 0) {
        this.inFlight.delete(phase);
        this.since(phase, current.since);
      }
    }
  }

  /** Milliseconds per phase that took place, to three decimals, in PHASES order. */
  toJSON(): Partial<Record<Phase, number>> {
    const figures: Partial<Record<Phase, number>> = {};
    for (const phase of PHASES) {
      const ms = this.spent.get(phase);
      if (ms !== undefined) figures[phase] = Math.round(ms * 1000) / 1000;
    }
    return figures;
  }

  /** The `Server-Timing` value: each phase that took place, then `total`. */
  toHeader(): string {
    const entries = Object.entries(this.toJSON()).map(([phase, ms]) => `${phase};dur=${ms}`);
    const total = Math.round((this.now() - this.started) * 1000) / 1000;
    return [...entries, `total;dur=${total}`].join(', ');
  }
}
