// A run whose only test spins in workerd, for scripts/ci/watchdog-check.mjs.
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { WatchdogReporter } from '../vitest-watchdog.ts';

export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate: '2026-11-01' } })],
  test: {
    root: import.meta.dirname,
    include: ['spin.fixture.ts'],
    testTimeout: 1_000,
    // As the workerd projects run in CI (vitest.config.ts, SHARED_RUNNER).
    isolate: false,
    reporters: [
      'default',
      new WatchdogReporter({ summaryFile: process.env.VITEST_SUMMARY, graceSeconds: 2 }),
    ],
  },
});
