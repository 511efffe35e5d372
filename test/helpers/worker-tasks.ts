/**
 * The work the Worker handed to `ctx.waitUntil` in this test isolate
 * (remembering a chat turn, fact extraction, metering after a stream): a test
 * cannot await it, so work a test left running could otherwise reach the
 * provider fakes after the next test reset them. test/setup/worker-tasks.ts
 * records each task; `settleWorkerTasks` waits for those recorded so far.
 */
const pending = new Set<Promise<unknown>>();

let recorded = 0;

/** Tasks recorded since the runner started, and those not settled yet. */
export function workerTaskCounts(): { recorded: number; pending: number } {
  return { recorded, pending: pending.size };
}

/** Records one task until it settles (called from the setup file's ctx wrapper). */
export function recordWorkerTask(task: Promise<unknown>): void {
  recorded += 1;
  const settled = task.then(
    () => undefined,
    () => undefined,
  );
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
}

/**
 * Resolves once every task recorded so far has settled, or throws after
 * `limitMs` naming how many did not: work that never ends is a bug to see,
 * not a reason to hang the next test.
 */
export async function settleWorkerTasks(limitMs = 15_000): Promise<void> {
  if (pending.size === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), limitMs);
  });
  try {
    const outcome = await Promise.race([Promise.all([...pending]), limit]);
    if (outcome === 'late')
      throw new Error(
        `${pending.size} ctx.waitUntil task(s) of the Worker still running after ${limitMs} ms`,
      );
  } finally {
    clearTimeout(timer);
  }
}
