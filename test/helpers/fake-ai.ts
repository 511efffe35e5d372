import { env } from 'cloudflare:workers';

/** The fake `AI` binding of test/fakes/ai-binding.mjs, with its test-only methods. */
export interface FakeAi {
  calls(): Promise<{ model: string; input: { text: string[]; pooling?: string } }[]>;
  script(steps: ('fail' | 'busy' | 'limited' | 'hang' | 'malformed')[]): Promise<void>;
  /** Calls the embedder aborted (timed out, or another batch failed for good), as the binding saw them. */
  aborted(): number;
  reset(): Promise<void>;
}

/** The `workers-ai` project's `AI` binding (wrapped by test/setup/ai-failures.ts). */
export function fakeAi(): FakeAi {
  return (env as unknown as { AI: FakeAi }).AI;
}
