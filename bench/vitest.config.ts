import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { fakesWorker } from '../test/fakes/worker-config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// Benchmarks run inside workerd, the runtime production uses, against a real
// vault Durable Object. They print figures; they never assert on time.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          // At least 16 characters each, or the configuration check refuses every route.
          KEY_HMAC_SECRET: 'bench-key-hmac-secret',
          ADMIN_JWT_SECRET: 'bench-admin-jwt-secret',
        },
        // Provider calls go to the same fakes as the tests (drop-in bench).
        outboundService: 'fakes',
        workers: [fakesWorker(root)],
      },
    }),
  ],
  test: {
    root,
    include: ['bench/**/*.bench.ts'],
    testTimeout: 300_000,
  },
});
