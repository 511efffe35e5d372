// The fakes Worker as miniflare options, for vitest.config.ts and the bench.
// Its modules are listed one by one, the entry first (miniflare did not
// follow the entry's imports here).

const MODULES = [
  'providers-worker.mjs',
  'state.mjs',
  'network-failure.mjs',
  'sse.mjs',
  'answers.mjs',
  'openai.mjs',
  'openai-checks.mjs',
  'openai-responses.mjs',
  'anthropic.mjs',
  'google.mjs',
  'beside-chat.mjs',
  'stripe.mjs',
];

/** @param {string} root the project's root, ending in a slash or empty for the working directory */
export function fakesWorker(root = './') {
  return {
    name: 'fakes',
    modules: MODULES.map((file) => ({ type: 'ESModule', path: `${root}test/fakes/${file}` })),
    compatibilityDate: '2026-11-01',
    // request.signal fires when the router aborts a call the fake has not
    // answered yet (the 'stall' mode records it as cancelled).
    compatibilityFlags: ['enable_request_signal'],
  };
}
