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
 * Phases that overlap (several vaults called in parallel) add up, so their
 * sum can exceed `total`. Workers' clocks advance only across I/O, so a phase
 * spent purely on the CPU of one object may read as 0 in production.
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
  private readonly started = performance.now();
  private readonly spent = new Map<Phase, number>();

  add(phase: Phase, ms: number): void {
    if (!(ms >= 0)) return; // NaN or a clock step back: nothing to add
    this.spent.set(phase, (this.spent.get(phase) ?? 0) + ms);
  }

  /** Adds the time since `start` (a performance.now() reading) to `phase`. */
  since(phase: Phase, start: number): void {
    this.add(phase, performance.now() - start);
  }

  /** Runs `work`, adding its time to `phase`, whether it succeeds or fails. */
  async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.since(phase, start);
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
    const total = Math.round((performance.now() - this.started) * 1000) / 1000;
    return [...entries, `total;dur=${total}`].join(', ');
  }
}
