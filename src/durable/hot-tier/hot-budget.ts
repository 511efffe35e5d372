/**
 * The hot memory of every vector index in this isolate, counted together.
 *
 * Several vault objects can share one isolate (128 MB), so a vault's own
 * limit is not enough: each index asks here before it grows, and the answer
 * counts every index still alive in the isolate. Indexes are held weakly and
 * by owner (the vault object's id): a vault woken again in this isolate
 * replaces its former index at once; an index whose object was evicted for
 * good keeps counting until the garbage collector frees it, on the safe side.
 *
 * What an index does when refused (hot-rows.ts): it first gives up its
 * float32 copy (re-scoring from SQLite instead), then keeps codes for its
 * newest rows only and serves older rows from SQLite.
 *
 * Caches that only speed up answers (the text ranking's kept shares,
 * term-impacts.ts) count here too, but give way: before an index is
 * refused, every cache is asked to let go of what the index lacks.
 */

/** Hot bytes all indexes of one isolate may hold together. */
export const ISOLATE_HOT_BYTES = 72 * 1024 * 1024;

export interface HotHolder {
  /** Bytes it holds now. */
  readonly memoryBytes: number;
}

/** A holder whose bytes may be let go at any time (a cache). */
export interface ReleasableHolder extends HotHolder {
  /** Lets go of at least `bytes` if it holds them (all it holds otherwise). */
  release(bytes: number): void;
}

const holders = new Map<string | symbol, WeakRef<HotHolder>>();
const caches = new Set<ReleasableHolder>();

/** Counts a cache against the budget; it lives as long as the isolate (module state). */
export function registerCache(cache: ReleasableHolder): void {
  caches.add(cache);
}

export function registerHolder(holder: HotHolder, owner?: string): void {
  holders.set(owner ?? Symbol('index'), new WeakRef(holder));
}

/** Bytes held by every live index of the isolate. */
export function isolateHotBytes(): number {
  let total = 0;
  for (const cache of caches) total += cache.memoryBytes;
  for (const [owner, ref] of holders) {
    const holder = ref.deref();
    if (holder === undefined) holders.delete(owner);
    else total += holder.memoryBytes;
  }
  return total;
}

/**
 * Whether `extraBytes` more fit within the isolate's budget, `limit` by
 * default, once caches let go of what is lacking.
 */
export function affordable(extraBytes: number, limit: number = ISOLATE_HOT_BYTES): boolean {
  const lacking = isolateHotBytes() + extraBytes - limit;
  if (lacking <= 0) return true;
  for (const cache of caches) cache.release(lacking);
  return isolateHotBytes() + extraBytes <= limit;
}
