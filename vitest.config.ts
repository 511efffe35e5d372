import { cloudflareTest } from '@cloudflare/vitest-plugin';
import type { Plugin } from 'vite';
import { defineConfig, defineProject } from 'vitest/config';
import { WatchdogReporter } from './scripts/ci/vitest-watchdog.ts';
import { fakesWorker } from './test/fakes/worker-config.mjs';

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
function worker(vars: Record<string, string>, options: { fakeAi?: boolean } = {}) {
  return cloudflareTest({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      bindings: {
        KEY_HMAC_SECRET: 'test-key-hmac-secret',
        // A rotation in progress: keys made under the previous secret still
        // work, keeping their ids and memories (test/key-hmac-rotation.test.ts).
        KEY_HMAC_SECRET_PREVIOUS: 'test-previous-key-hmac-secret',
        ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
        PROVIDER_KEY_SECRET: 'test-provider-key-secret',
        // A rotation in progress: keys sealed under the previous secret still open.
        PROVIDER_KEY_SECRET_PREVIOUS: 'test-previous-provider-key-secret',
        // Small enough that the capacity test can fill a vault quickly.
        VAULT_MAX_MEMORIES: '300',
        // A quarter MiB of hot rows (2-bit codes, src/core/limits.ts hotRowBytes):
        // 2,114 rows of 384 dimensions (the count binds), 249 of 4,096 (the
        // hot budget binds), so both limits can be tested.
        VAULT_MAX_HOT_MIB: '0.25',
        // Small, so the body-limit test need not push megabytes through the test pool.
        MAX_REQUEST_BYTES: '262144',
        // The drop-in routes' larger limit, small too: 1 MiB.
        MAX_DROP_IN_REQUEST_BYTES: '1048576',
        COMPATIBLE_BASE_URL: 'http://llm.local.test/v1',
        // Longer than any wait in the disconnect test, so only a real disconnect passes it.
        UPSTREAM_TIMEOUT_MS: '3000',
        // Fact extraction's own bound, all its calls together (60 s in production):
        // far above what a scripted extraction takes on a loaded machine (at 5 s
        // a file's first extraction, paying the isolate's cold start at load
        // 7-10, timed out and its facts were missing); the timeout test sets
        // its own 1 s bound per request (test/extraction-timeout.test.ts).
        EXTRACTION_TIMEOUT_MS: '30000',
        // An open stream asks about its key every second instead of every 15 s
        // (the production bound, VERIFIED_KEY_TTL_MS), so the end-to-end
        // revocation and suspension tests wait a second, not the bound.
        STANDING_CHECK_MS: '1000',
        // Stripe test-mode credentials for the Stripe fake.
        STRIPE_SECRET_KEY: 'sk_test_fake',
        STRIPE_WEBHOOK_SECRET: 'whsec_test_secret',
        STRIPE_TIMEOUT_MS: '1000',
        // Tests store through RPC with a hashed test embedder, "another model" to
        // the deployment's: automatic re-embedding (REEMBED=auto) would move
        // their vaults away under them. test/workers-ai turns it on.
        REEMBED: 'admin',
        ...vars,
      },
      // The KV-era namespace the migration reads (unbound in production unless configured).
      kvNamespaces: ['LEGACY_KV'],
      // Every outbound fetch goes to the provider and Stripe fakes: no network in tests.
      outboundService: 'fakes',
      // `AI` as a service binding to a fake with the binding's `run` method.
      serviceBindings: options.fakeAi ? { AI: { name: 'fake-ai', entrypoint: 'FakeAi' } } : {},
      workers: [
        fakesWorker(),
        ...(options.fakeAi
          ? [
              {
                name: 'fake-ai',
                modules: true,
                scriptPath: './test/fakes/ai-binding.mjs',
                compatibilityDate: '2026-11-01',
              },
            ]
          : []),
      ],
    },
  });
}

/**
 * Every workerd project: alarms run only when a test runs them, the
 * fakes' scripted network failures become real fetch failures, and the
 * Worker's waitUntil work is recorded so resetFakes can wait for it (see the files).
 */
const SETUP_FILES = [
  './test/setup/held-alarms.ts',
  './test/setup/network-failures.ts',
  './test/setup/worker-tasks.ts',
];

/**
 * Every workerd project runs its files one after another in a runner (two at
 * once, maxWorkers below: one per core): one workerd, one isolate, one set of
 * local storage, the Worker's modules loaded once per runner. With vitest's
 * default (a runner per file) each file started workerd and loaded every
 * module again through the pool, about two thirds of the run's time
 * (ARCHITECTURE.md, "Test pool"). Tests make their own accounts
 * and vaults, so the files do not see each other's data; vitest still
 * restores spies and mocks after each file.
 */
const SHARED_RUNNER = { isolate: false } as const;

/**
 * Test folders that run in a vitest project (and so a workerd runner) of
 * their own: each configures the Worker differently (its bindings), so it
 * cannot share the `development` runners. Every other folder, the
 * storage-heavy suites included, runs in `development`: a project costs two
 * workerd start-ups and its modules evaluated twice, 10-25 s of wall time
 * between one project's last file and the next one's first (ARCHITECTURE.md,
 * "Test pool").
 */
const SEPARATE_SUITES = ['misconfigured', 'workers-ai', 'live'];

export default defineConfig({
  test: {
    // Every workerd project transforms the same modules (the Worker, its
    // dependencies, the helpers): kept on disk (node_modules/.vitest-cache),
    // keyed by each module's content and the transform's configuration, which
    // the projects share, the first project transforms and the others read.
    fsModuleCache: true,
    // Two runners at once, for CI's two cores (vitest's default is one fewer
    // than the cores: one here, the other core idle through every workerd
    // project). Vitest hands each free runner the next file of the queue, so
    // the two stay busy whatever the files' lengths; each project then starts
    // a runner (workerd, the Worker's modules evaluated) on each of the two,
    // its modules transformed once. The `live` project keeps one file at a
    // time and runs last (fileParallelism: false, below).
    maxWorkers: 2,
    // The first test of a runner's first file pays for loading the Worker's
    // modules, its Durable Objects and the embedder; with two runners each
    // project starts two at once, and on the shared 2-core machine at load
    // 15-20 one such first test took 30.7 s (test/billing/vault-metering,
    // branch ci-trim's CI run, 2026-11-28; main's own run at that load lost
    // test/search/chat-now's first test at 32.9 s). A bound for a hung test,
    // not a claim about speed: hookTimeout below is the same.
    testTimeout: 60_000,
    // Hooks that seed a whole world (the hostile suite's two accounts, their
    // vaults, snapshots and Stripe customer) make dozens of requests.
    hookTimeout: 60_000,
    // The watchdog stops a run a busy loop would hang (testTimeout cannot fire
    // inside a spinning workerd); .ci/run reads its summary (VITEST_SUMMARY) to
    // print "N passed, N failed, N skipped". A JSON report on request too.
    reporters: [
      'default',
      new WatchdogReporter({ summaryFile: process.env.VITEST_SUMMARY }),
      ...(process.env.VITEST_JSON_REPORT ? ['json'] : []),
    ],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : {},
    projects: [
      defineProject({
        plugins: [quietDependencySourceMaps, worker({})],
        test: {
          name: 'development',
          include: ['test/**/*.test.ts'],
          setupFiles: SETUP_FILES,
          ...SHARED_RUNNER,
          exclude: SEPARATE_SUITES.map((suite) => `test/${suite}/**`),
        },
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
        test: {
          name: 'misconfigured',
          include: ['test/misconfigured/**/*.test.ts'],
          setupFiles: SETUP_FILES,
          ...SHARED_RUNNER,
        },
      }),
      // Embeddings from Workers AI, through a fake `AI` binding.
      defineProject({
        plugins: [
          quietDependencySourceMaps,
          worker(
            {
              EMBEDDING_PROVIDER: 'workers-ai',
              EMBEDDING_MODEL: '@cf/baai/bge-small-en-v1.5',
              // Short, so the give-up path (3 timed-out attempts) stays quick.
              EMBEDDING_TIMEOUT_MS: '250',
              REEMBED: 'auto',
            },
            { fakeAi: true },
          ),
        ],
        test: {
          name: 'workers-ai',
          include: ['test/workers-ai/**/*.test.ts'],
          setupFiles: [...SETUP_FILES, './test/setup/ai-failures.ts'],
          ...SHARED_RUNNER,
        },
      }),
      // The client package and the web console against a real `wrangler dev`
      // (started by the global setup), in Node and in headless Chromium.
      defineProject({
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          // One server and one browser at a time on a 2-core machine.
          fileParallelism: false,
          globalSetup: ['test/live/setup/chromium.ts', 'test/live/setup/live-worker.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // A page's update (a streamed answer's first words, a list after a
          // write) may take more than expect.poll's default second while the
          // machine is busy (CI beside other work); the claim is the same.
          expect: { poll: { timeout: 15_000 } },
        },
      }),
    ],
  },
});
