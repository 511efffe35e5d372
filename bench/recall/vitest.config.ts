import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { readConversations } from './dataset.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const file = process.env.RECALL_FILE;
if (!file) throw new Error('run through `npm run bench:recall -- <file>`');

// The recall benchmark: the Worker of wrangler.toml inside workerd, fed a
// LoCoMo-format file read here in Node and handed over with `provide`.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          KEY_HMAC_SECRET: 'bench-key-hmac-secret',
          ADMIN_JWT_SECRET: 'bench-admin-jwt-secret',
        },
      },
    }),
  ],
  test: {
    root,
    // The benchmarks; RECALL_INCLUDE runs one study instead (expansion.study.ts).
    include: [process.env.RECALL_INCLUDE ?? 'bench/recall/*.recall.ts'],
    testTimeout: 3_600_000,
    provide: {
      conversations: readConversations(readFileSync(file, 'utf8')),
      // protocols.study.ts: which variants (comma-separated; all when empty) and
      // which variant's HYBRID misses to print.
      protocols: process.env.PROTOCOLS ?? '',
      protocolMisses: process.env.PROTOCOL_MISSES ?? '',
    },
  },
});
