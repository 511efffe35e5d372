/**
 * The work the Worker handed to `ctx.waitUntil` in this test isolate
 * (remembering a chat turn, fact extraction, metering after a stream): a test
 * cannot await it, so work a test left running could otherwise reach the
 * provider fakes after the next test reset them. test/setup/worker-tasks.ts
 * records each task; `settleWorkerTasks` waits for those recorded so far.
 *
 * A task is a promise of the Worker's request, not of the test: workerd ties
 * promises to the request they were made in, and test code that awaited one
 * directly could resume inside that request as it ends, where its next fetch
 * and timers are dropped and never settle (the 60 s hooks of full runs,
 * TESTING.md). So the tests only ever see a number per task, cleared when it
 * settles, and wait by polling it on timers of their own.
 */
const pending = new Set<number>();

let recorded = 0;

/** Tasks recorded since the runner started, and those not settled yet. */
export function workerTaskCounts(): { recorded: number; pending: number } {
  return { recorded, pending: pending.size };
}

/** Records one task until it settles (called from the setup file's ctx wrapper). */
export function recordWorkerTask(task: Promise<unknown>): void {
  recorded += 1;
  const id = recorded;
  pending.add(id);
  const settled = () => void pending.delete(id);
  task.then(settled, settled);
}

/** How often a waiting test looks again. */
const POLL_MS = 5;

/**
 * Resolves once every task recorded so far has settled, or throws after
 * `limitMs` naming how many did not: work that never ends is a bug to see,
 * not a reason to hang the next test.
 */
export async function settleWorkerTasks(limitMs = 15_000): Promise<void> {
  const waitingFor = [...pending];
  const unsettled = () => waitingFor.filter((id) => pending.has(id)).length;
  const started = Date.now();
  while (unsettled() > 0) {
    if (Date.now() - started > limitMs)
      throw new Error(
        `${unsettled()} ctx.waitUntil task(s) of the Worker still running after ${limitMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
