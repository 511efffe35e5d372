/**
 * Hands the isolate's event loop back before going on: a timer, not a
 * resolved promise, since only a macrotask lets requests that arrived
 * meanwhile (and a streamed response's pending chunks) run first. Long
 * work (an import's batches, a snapshot's pages) calls it between slices so
 * it never holds the isolate for more than one slice (review266, review269).
 */
export const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
