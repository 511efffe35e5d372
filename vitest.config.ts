import { cloudflareTest } from '@cloudflare/vitest-plugin';
import type { Plugin } from 'vite';
import { defineConfig, defineProject } from 'vitest/config';

/**
 * Drops one Vite warning: dependencies that ship source maps pointing at
 * sources they do not ship (the Stripe and OpenAI SDKs) made Vite print a
 * line per module, some two hundred per run, none about our code. (Vitest
 * replaces `customLogger`, so the resolved logger is patched instead.)
 */
const quietDependencySourceMaps: Plugin = {
  name: 'quiet-dependency-source-maps',
  configResolved(config) {
    const warnOnce = config.logger.warnOnce.bind(config.logger);
    config.logger.warnOnce = (message, options) => {
      if (/^Sourcemap for ".*\/node_modules\/.*" points to missing source files$/.test(message))
        return;
      warnOnce(message, options);
    };
  },
};

// The pool reads wrangler.toml through wrangler, which announces a local
// .dev.vars once per test file ("Using secrets defined in .dev.vars"); the
// tests set their own secrets below, so only its warnings are worth showing.
process.env.WRANGLER_LOG ??= 'warn';

/** The Worker of wrangler.toml inside workerd, with test secrets and small limits. */
function worker(vars: Record<string, string>) {
  return cloudflareTest({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      bindings: {
        KEY_HMAC_SECRET: 'test-key-hmac-secret',
        ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
        // Small enough that the capacity test can fill a vault quickly.
        VAULT_MAX_MEMORIES: '300',
        // Small, so the body-limit test need not push megabytes through the test pool.
        MAX_REQUEST_BYTES: '262144',
        COMPATIBLE_BASE_URL: 'http://llm.local.test/v1',
        // Longer than any wait in the disconnect test, so only a real disconnect passes it.
        UPSTREAM_TIMEOUT_MS: '3000',
        // Stripe test-mode credentials for the Stripe fake.
        STRIPE_SECRET_KEY: 'sk_test_fake',
        STRIPE_WEBHOOK_SECRET: 'whsec_test_secret',
        STRIPE_TIMEOUT_MS: '1000',
        ...vars,
      },
      // The KV-era namespace the migration reads (unbound in production unless configured).
      kvNamespaces: ['LEGACY_KV'],
      // Every outbound fetch goes to the provider and Stripe fakes: no network in tests.
      outboundService: 'fakes',
      workers: [
        {
          name: 'fakes',
          // Listed one by one: this miniflare does not follow imports by itself.
          modules: [
            { type: 'ESModule', path: './test/fakes/providers-worker.mjs' },
            { type: 'ESModule', path: './test/fakes/stripe.mjs' },
          ],
          compatibilityDate: '2026-11-01',
        },
      ],
    },
  });
}

/** Test folders that run in a vitest project (and so a workerd runner) of their own. */
const SEPARATE_SUITES = [
  'vault',
  'billing',
  'cold',
  'data',
  'hostile',
  'production',
  'misconfigured',
];

export default defineConfig({
  test: {
    // The first test of a file pays for loading the Worker's modules; CI has 2 slow cores.
    testTimeout: 30_000,
    // .ci/run asks for a JSON report to print its "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : {},
    projects: [
      defineProject({
        plugins: [quietDependencySourceMaps, worker({})],
        test: {
          name: 'development',
          include: ['test/**/*.test.ts'],
          exclude: SEPARATE_SUITES.map((suite) => `test/${suite}/**`),
        },
      }),
      // Suites that write a lot of storage run in runners of their own (see
      // ARCHITECTURE.md, "Test pool").
      ...(['vault', 'billing', 'cold', 'data', 'hostile'] as const).map((suite) =>
        defineProject({
          plugins: [quietDependencySourceMaps, worker({})],
          test: { name: suite, include: [`test/${suite}/**/*.test.ts`] },
        }),
      ),
      defineProject({
        plugins: [quietDependencySourceMaps, worker({ ENVIRONMENT: 'production' })],
        test: { name: 'production', include: ['test/production/**/*.test.ts'] },
      }),
      // A deployment whose secrets and variables are wrong: every route must say so.
      defineProject({
        plugins: [
          quietDependencySourceMaps,
          worker({
            KEY_HMAC_SECRET: '',
            ADMIN_JWT_SECRET: 'too-short',
            VAULT_MAX_MEMORIES: 'lots',
          }),
        ],
        test: { name: 'misconfigured', include: ['test/misconfigured/**/*.test.ts'] },
      }),
    ],
  },
});
