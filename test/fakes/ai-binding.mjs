// A stand-in for the Workers AI binding (`env.AI`), run by the test pool as an
// auxiliary Worker and bound as a service binding whose RPC method `run` has
// the real binding's signature and answers in Workers AI's embedding shape:
// `{ shape: [n, dims], data: number[][], pooling }`.
//
// Vectors are bags of hashed words, so a search through it ranks by shared
// words and a test can tell which memory came back. Test-only methods:
//   calls()          what reached it, oldest first
//   script(steps)    the next calls fail ("fail": the connection is lost),
//                    meet a 429 ("busy": 3040 out of capacity, "limited":
//                    3036 daily free allocation used up), never answer
//                    ("hang") or answer with the wrong size ("malformed"), in order
// A call that fails answers `{ error }` rather than throwing, which workerd
// would print with a stack: test/setup/ai-failures.ts rejects the caller's
// `run` with it, as the real binding's client does in the calling Worker.
//   reset()          forget calls and scripts
import { WorkerEntrypoint } from 'cloudflare:workers';

const DIMENSIONS = {
  '@cf/baai/bge-small-en-v1.5': 384,
  '@cf/baai/bge-base-en-v1.5': 768,
  '@cf/baai/bge-large-en-v1.5': 1024,
  '@cf/baai/bge-m3': 1024,
};

let calls = [];
let steps = [];

function bagOfWords(text, dimensions) {
  const vector = new Array(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dimensions] += 1;
  }
  vector[dimensions - 1] += 0.01; // never the zero vector
  return vector;
}

export class FakeAi extends WorkerEntrypoint {
  async run(model, input) {
    calls.push({ model, input });
    const dimensions = DIMENSIONS[model];
    if (dimensions === undefined) return { error: `5007: No such model ${model}` };
    if (input.text.length > 100) return { error: '3010: Invalid input: more than 100 texts' };
    const step = steps.shift();
    if (step === 'fail') return { error: 'Network connection lost.' };
    // The real binding's message for an error body: "<internal code>: <description>".
    if (step === 'busy') return { error: '3040: Capacity temporarily exceeded, please try again.' };
    if (step === 'limited')
      return {
        error:
          "3036: You have used up your daily free allocation of 10,000 neurons. Please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage.",
      };
    // Answers long after any embedder timeout of the tests has given up.
    if (step === 'hang') await new Promise((resolve) => setTimeout(resolve, 10_000));
    const size = step === 'malformed' ? dimensions - 1 : dimensions;
    return {
      shape: [input.text.length, size],
      data: input.text.map((text) => bagOfWords(text, size)),
      pooling: input.pooling ?? 'mean',
    };
  }

  calls() {
    return calls;
  }

  script(next) {
    steps = [...next];
  }

  reset() {
    calls = [];
    steps = [];
  }
}

export default {
  fetch() {
    return new Response('the fake AI binding is reached by RPC', { status: 404 });
  },
};
