// `npm run test:readme`: runs every shell and GraphQL block of README.md and
// the pages of docs/ (DOC_PAGES, in that order) against a live local server (see readme-blocks.mjs for what a block
// can declare). Shell blocks run in bash from the project folder, sharing
// exported variables (so `export MK=…` in one block serves the next), with
// http://localhost:8787 pointed at the test server. A block fails when it
// exits non-zero or prints an error body ("errors": [ or "error": {) it did
// not declare with expect=CODE. GraphQL blocks are POSTed to /graphql, one
// named operation at a time; "mem_…" and "key_…" in them stand for the last
// memory id and the key id the earlier blocks produced. TypeScript blocks
// run with tsx as modules of a project of their own (a temporary folder whose
// node_modules is this one's), so `import … from '@memoryrouter/client'`
// resolves as it does for a reader: to the package's built `dist/`, which
// `npm ci` makes (the package's `prepare` script). They share the shell
// blocks' variables (`process.env.MK`).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { promisify } from 'node:util';
import { devServer } from './dev-server.mjs';
import { DOC_PAGES, readBlocks, reasonNotRun } from './readme-blocks.mjs';

const BLOCK_TIMEOUT_MS = 60_000;
const README_URL = 'http://localhost:8787';

function runShell(code, { cwd, env, stateFile }) {
  const script = [
    'set -euo pipefail',
    `source ${JSON.stringify(stateFile)}`,
    `trap 'export -p > ${JSON.stringify(stateFile)}' EXIT`,
    code,
  ].join('\n');
  return new Promise((resolve) => {
    // A process group of its own, so a block that hangs is stopped with all it started.
    const child = spawn('bash', ['-c', script], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), BLOCK_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: signal ? `killed (${signal}) after ${BLOCK_TIMEOUT_MS} ms` : code,
        stdout,
        stderr,
      });
    });
  });
}

/** The error codes a block's output holds (GraphQL errors and REST error bodies). */
function errorCodes(output) {
  const codes = [];
  for (const match of output.matchAll(/"code"\s*:\s*"([A-Z_]+)"/g)) codes.push(match[1]);
  const hasError = /"errors"\s*:\s*\[|"error"\s*:\s*\{/.test(output);
  return hasError ? (codes.length > 0 ? codes : ['ERROR']) : [];
}

async function adminToken(url) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/memoryrouter.mjs', 'admin-token'],
    {
      env: { ...process.env, MEMORYROUTER_URL: url },
    },
  );
  return stdout.trim();
}

/** Runs the documentation's blocks against `url`; resolves to their counts. */
export async function runReadme(url, paths = DOC_PAGES) {
  const blocks = [];
  for (const path of paths) blocks.push(...readBlocks(await readFile(path, 'utf8'), path));
  const work = await mkdtemp(join(tmpdir(), 'memoryrouter-readme-'));
  const stateFile = join(work, 'env.sh');
  await writeFile(stateFile, '');
  await symlink(join(process.cwd(), 'node_modules'), join(work, 'node_modules'), 'dir');
  const env = { ...process.env, MEMORYROUTER_URL: url };
  const seen = { memoryId: null, keyId: null };
  const remember = (text) => {
    seen.memoryId = [...text.matchAll(/"(mem_[A-Za-z0-9_-]+)"/g)].at(-1)?.[1] ?? seen.memoryId;
    seen.keyId = [...text.matchAll(/"(key_[0-9a-f]{32})"/g)].at(-1)?.[1] ?? seen.keyId;
  };
  // notRun: every block not run (prose blocks too); skipped: runnable blocks not run.
  const counts = { passed: 0, failed: 0, notRun: 0, skipped: 0 };
  const report = (mark, block, note) =>
    console.log(
      `${mark} ${block.file}:${block.line} ${block.language} (${block.section})${note ? `: ${note}` : ''}`,
    );

  try {
    for (const block of blocks) {
      let notRun;
      try {
        notRun = reasonNotRun(block);
      } catch (error) {
        counts.failed++;
        report('✗', block, error.message);
        continue;
      }
      if (notRun !== null) {
        counts.notRun++;
        if (block.runnable) {
          counts.skipped++;
          report('-', block, `not run, ${notRun}`);
        }
        continue;
      }
      let output;
      let failure = null;
      if (block.language === 'graphql') {
        const token =
          block.attributes.as === 'admin'
            ? await adminToken(url)
            : (await readFile(stateFile, 'utf8')).match(/declare -x MK="([^"]*)"/)?.[1];
        if (!token) {
          failure = 'no memory key yet: a block before this one must `export MK=…`';
        } else {
          let query = block.code;
          if (seen.memoryId) query = query.replaceAll('"mem_…"', `"${seen.memoryId}"`);
          if (seen.keyId) query = query.replaceAll('"key_…"', `"${seen.keyId}"`);
          let names = [undefined];
          try {
            const operations = parse(query).definitions.filter(
              (definition) => definition.kind === 'OperationDefinition',
            );
            if (operations.length > 1) names = operations.map((op) => op.name?.value);
          } catch {
            // Not valid GraphQL: sent as it is, the server says what is wrong.
          }
          output = '';
          for (const operationName of names) {
            const response = await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query, ...(operationName ? { operationName } : {}) }),
            });
            output += `${await response.text()}\n`;
          }
        }
      } else {
        let code = block.code.replaceAll(README_URL, url);
        if (block.language === 'ts') {
          // .mts: an ES module (top-level await) whatever package.json is near.
          const module = join(work, `block-${block.line}.mts`);
          await writeFile(module, code);
          code = `${JSON.stringify(join(process.cwd(), 'node_modules/.bin/tsx'))} ${JSON.stringify(module)}`;
        }
        const result = await runShell(code, { cwd: process.cwd(), env, stateFile });
        output = result.stdout;
        if (result.code !== 0) {
          failure = `exit ${result.code}\n${result.stderr.trim()}`;
        }
      }
      if (failure === null) {
        const codes = errorCodes(output);
        const expected = block.attributes.expect;
        if (expected && !codes.includes(expected))
          failure = `expected ${expected}, got ${codes.join(', ') || 'no error'}`;
        if (!expected && codes.length > 0) failure = `answered ${codes.join(', ')}`;
      }
      if (failure === null) {
        counts.passed++;
        remember(output);
        report('✓', block);
      } else {
        counts.failed++;
        report('✗', block, `${failure}\n${(output ?? '').trim().slice(0, 2000)}`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(
    `README blocks: ${counts.passed} passed, ${counts.failed} failed, ${counts.notRun} not run ` +
      `(${counts.skipped} of them runnable, counted as skipped; the rest are examples of output or prose)`,
  );
  return counts;
}

/** Whether a README run passed: something ran and nothing failed. */
export const readmePassed = (counts) => counts.failed === 0 && counts.passed > 0;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await devServer();
  let ok = false;
  try {
    ok = readmePassed(await runReadme(server.url));
  } catch (error) {
    console.error(`README test failed: ${error.message}`);
  } finally {
    await server.stop();
  }
  process.exit(ok ? 0 : 1);
}
