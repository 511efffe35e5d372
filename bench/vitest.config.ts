import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { fakesWorker } from '../test/fakes/worker-config.mjs';
import { readConversations } from './recall/dataset.ts';
import { workerdProcess } from './workerd-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// Real queries for the hot tier's agreement check: a LoCoMo-format file (not
// in this repository), LOCOMO_FILE or ../shared/eval/locomo-dev.json.
const locomo = process.env.LOCOMO_FILE ?? `${root}/../shared/eval/locomo-dev.json`;

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
        // CPU and memory of workerd itself, read from Node (bench/workerd-process.ts).
        serviceBindings: { BENCH_PROCESS: workerdProcess },
      },
    }),
  ],
  test: {
    root,
    include: ['bench/**/*.bench.ts'],
    testTimeout: 1_800_000,
    // Each bench file gets a fresh runner (vitest's default isolation, so no
    // file measures in another's isolate). With vitest's on-disk module cache
    // on (its default), a fresh runner's first request is a snapshot of every
    // module of its file's import graph already transformed, and the pool
    // inlines their code, each alias again: 38.7 MB for hot-tier or
    // bulk-store once an earlier file had loaded the Worker (gpt-tokenizer's
    // o200k table alone is 13.8 MB, twice). workerd refuses a WebSocket
    // message over 32 MiB (close 1009) and the run lost the files after it.
    // Without the cache the runner fetches module by module, each well under
    // the limit (BENCHMARKS.md, "npm run bench runs whole").
    fsModuleCache: false,
    provide: {
      benchEnv: {
        SNAPSHOT_ROWS: process.env.SNAPSHOT_ROWS,
        SNAPSHOT_BENCH: process.env.SNAPSHOT_BENCH,
      },
      conversations: existsSync(locomo) ? readConversations(readFileSync(locomo, 'utf8')) : [],
    },
  },
});
