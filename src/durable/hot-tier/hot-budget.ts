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

let holders = new Map<string | symbol, WeakRef<HotHolder>>();
const caches = new Set<ReleasableHolder>();
/** ISOLATE_HOT_BYTES except inside `ownHotBudgetForTest`. */
let isolateLimit = ISOLATE_HOT_BYTES;

/**
 * Test-only seam. A project's test files share one isolate, so indexes that
 * earlier files woke still count here (until the garbage collector frees
 * them) and could refuse a later test's index its float32 block. From this
 * call, new indexes count in a budget of `bytes` of their own, apart from
 * every index registered before; the function returned brings the isolate's
 * budget back, the indexes made meanwhile counted in it from then on.
 * Caches stay counted: they give way to any index that lacks room.
 */
export function ownHotBudgetForTest(bytes: number = ISOLATE_HOT_BYTES): () => void {
  const saved = { holders, limit: isolateLimit };
  const own = new Map<string | symbol, WeakRef<HotHolder>>();
  holders = own;
  isolateLimit = bytes;
  return () => {
    for (const [owner, ref] of own) saved.holders.set(owner, ref);
    holders = saved.holders;
    isolateLimit = saved.limit;
  };
}

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
export function affordable(extraBytes: number, limit: number = isolateLimit): boolean {
  const lacking = isolateHotBytes() + extraBytes - limit;
  if (lacking <= 0) return true;
  for (const cache of caches) cache.release(lacking);
  return isolateHotBytes() + extraBytes <= limit;
}
