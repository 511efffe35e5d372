/**
 * A per-isolate map whose entries live a fixed time and whose size is
 * capped, the oldest going first: the shape of the isolate caches that spare
 * a request a round trip to its account object (verified memory keys, sealed
 * provider keys). Expiry is checked on read; a Map's insertion order is its
 * age order, so re-setting a key moves it last.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly cap: number,
  ) {}

  /** The value set less than `ttlMs` before `now`; else undefined (an expired entry is dropped). */
  get(key: K, now: number = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, now: number = Date.now()): void {
    this.entries.delete(key); // re-inserted last: the newest
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.cap) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
