import { settleWorkerTasks } from './worker-tasks';

/** Talks to the provider fakes (test/fakes/providers-worker.mjs). */
export interface FakeCall {
  host: string;
  path: string;
  headers: Record<string, string>;
  /** The request body exactly as it arrived. */
  rawBody: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each provider's own body shape
  body: Record<string, any>;
  cancelled: boolean;
}

/** Ways a scripted provider call fails (test/fakes/sse.mjs and providers-worker.mjs). */
export type FakeMode =
  | 'cut'
  | 'hang'
  | 'trickle'
  | 'reset'
  | 'malformed'
  | 'midstream-error'
  /** A stream that ends half-way through an event (no blank line after it). */
  | 'cut-mid-event'
  /** A whole JSON body where a stream's events were due. */
  | 'json-body'
  | 'unreachable'
  /** A Responses API stream that ends in the provider's own response.failed. */
  | 'failed'
  /** Nothing, headers included, until the client aborts the call (a slow model's first byte). */
  | 'stall'
  /** The scripted answer, once the test calls releaseHeld (a model still working meanwhile). */
  | 'held';

export async function fakeCalls(): Promise<FakeCall[]> {
  return (await (await fetch('http://fakes.test/_calls')).json()) as FakeCall[];
}

/**
 * Forgets the fakes' calls and scripts, once the Worker's ctx.waitUntil work
 * that earlier tests left running has settled (it may still call a fake).
 */
export async function resetFakes(): Promise<void> {
  await settleWorkerTasks();
  await fetch('http://fakes.test/_reset', { method: 'POST' });
}

export async function scriptFake(script: {
  host: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  mode?: FakeMode;
  reply?: string;
  /** The provider's own finish word for the answer (`refusal`, `content_filter`, `SAFETY`, `pause_turn`, …) in place of the usual one. */
  finish?: string;
  /** The arguments text of the tool call the model makes (fact extraction's answers). */
  toolArguments?: string;
  /** OpenAI format: the error event of `midstream-error`, then `[DONE]` (default: OpenAI's `{"error": …}`, then the end). */
  errorEvent?: Record<string, unknown>;
}): Promise<void> {
  await fetch('http://fakes.test/_script', { method: 'POST', body: JSON.stringify(script) });
}

/** Lets every call of mode `held` answer. */
export async function releaseHeld(): Promise<void> {
  await fetch('http://fakes.test/_release', { method: 'POST' });
}

/** Polls until `check` passes (for work done in waitUntil after a response). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
