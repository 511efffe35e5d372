import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          KEY_HMAC_SECRET: 'test-key-hmac-secret',
          ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
          // Small enough that the capacity test can fill a vault quickly.
          VAULT_MAX_MEMORIES: '300',
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // The first test of a file pays for loading the Worker's modules; CI has 2 slow cores.
    testTimeout: 30_000,
    // .ci/run asks for a JSON report to print its "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : {},
  },
});
