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
  run(model: string, input: unknown): Promise<unknown>;
  calls(): Promise<unknown>;
  script(steps: string[]): Promise<void>;
  reset(): Promise<void>;
}

const WRAPPED = Symbol.for('memoryrouter.test.ai-failures');
const bindings = env as unknown as { AI?: FakeAiBinding & { [WRAPPED]?: true } };
const fake = bindings.AI;

// Setup files run once per test file in one isolate: wrap only once.
if (fake !== undefined && !fake[WRAPPED]) {
  bindings.AI = {
    [WRAPPED]: true,
    async run(model, input) {
      const output = (await fake.run(model, input)) as { error?: string } | null;
      if (typeof output?.error === 'string') throw new Error(output.error);
      return output;
    },
    calls: () => fake.calls(),
    script: (steps) => fake.script(steps),
    reset: () => fake.reset(),
  };
}
