/**
 * `npm run bench:recall -- <file> [--modes VECTOR,TEXT,HYBRID]`: replays a
 * LoCoMo-format file through the Worker inside workerd and prints recall.
 * `--protocols` runs protocols.study.ts instead: recall under other ways an app
 * stores and searches (PROTOCOLS=a,b picks variants).
 * The file is read in Node by the vitest config (RECALL_FILE), never bundled.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';

const [file] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!file || !existsSync(file)) {
  console.error('usage: npm run bench:recall -- <file in LoCoMo format>');
  process.exit(2);
}
process.env.RECALL_FILE = resolve(file);
if (process.argv.includes('--protocols')) {
  process.env.RECALL_INCLUDE = 'bench/recall/protocols.study.ts';
}
const config = fileURLToPath(new URL('./vitest.config.ts', import.meta.url));
const vitest = await startVitest('test', [], { config, watch: false });
await vitest?.close();
process.exit(process.exitCode ?? 0);
