// Workers AI failures the fake binding asks for, raised in the tested
// isolate, where the real binding raises them.
//
// The real `env.AI` is a client running in the calling Worker: a failed
// inference rejects `run` there. The fake (test/fakes/ai-binding.mjs) is
// another Worker reached by RPC, and workerd prints a stack for every
// exception that escapes one, so it answers a scripted failure with
// `{ error }` instead, and this setup file (of the workers-ai project)
// rejects the call with it. The embedder under test runs unchanged. Without
// this file a scripted failure would arrive as an answer with no `data`,
// which the embedder refuses as malformed, and the failure tests would fail.
import { env } from 'cloudflare:workers';

interface FakeAiBinding {
  run(model: string, input: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  aborted?(): number;
  calls(): Promise<unknown>;
  script(steps: string[]): Promise<void>;
  reset(): Promise<void>;
}

const WRAPPED = Symbol.for('memoryrouter.test.ai-failures');
const bindings = env as unknown as { AI?: FakeAiBinding & { [WRAPPED]?: true } };
const fake = bindings.AI;

// Setup files run once per test file in one isolate: wrap only once.
// The real binding takes an AbortSignal and drops an aborted call; an RPC
// call cannot carry one, so the wrapper stops waiting here and counts it
// (`aborted()`), as the embedder's calls cut short.
let aborted = 0;
if (fake !== undefined && !fake[WRAPPED]) {
  bindings.AI = {
    [WRAPPED]: true,
    async run(model, input, options) {
      const signal = options?.signal;
      const answer = fake.run(model, input) as Promise<{ error?: string } | null>;
      const output =
        signal === undefined
          ? await answer
          : await new Promise<{ error?: string } | null>((resolve, reject) => {
              const stop = () => {
                aborted++;
                reject(signal.reason as Error);
              };
              if (signal.aborted) return stop();
              signal.addEventListener('abort', stop, { once: true });
              answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
            });
      if (typeof output?.error === 'string') throw new Error(output.error);
      return output;
    },
    aborted: () => aborted,
    calls: () => fake.calls(),
    script: (steps) => fake.script(steps),
    reset: () => {
      aborted = 0;
      return fake.reset();
    },
  };
}
