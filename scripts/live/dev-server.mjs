// A local server for the live checks (README blocks, GraphiQL in Chromium):
// the one at MEMORYROUTER_URL when set, else a fresh `wrangler dev` with its
// own empty storage on a free port (or MEMORYROUTER_TEST_PORT and
// MEMORYROUTER_TEST_INSPECTOR_PORT), stopped again by `stop()`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, log, timeoutMs) {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${log.join('')}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** @returns {Promise<{ url: string, stop: () => Promise<void>, log: string[] }>} */
export async function devServer({
  timeoutMs = 90_000,
  vars = {},
  port: givenPort,
  inspectorPort: givenInspectorPort,
  args = [],
  env = {},
} = {}) {
  if (process.env.MEMORYROUTER_URL) {
    return { url: process.env.MEMORYROUTER_URL.replace(/\/+$/, ''), stop: async () => {}, log: [] };
  }
  await import('../ensure-dev-vars.mjs');
  // Free ports unless given (shared machines hand out ports per person).
  const port = givenPort ?? (Number(process.env.MEMORYROUTER_TEST_PORT) || (await freePort()));
  const inspectorPort =
    givenInspectorPort ??
    (Number(process.env.MEMORYROUTER_TEST_INSPECTOR_PORT) || (await freePort()));
  const state = await mkdtemp(join(tmpdir(), 'memoryrouter-live-'));
  const log = [];
  const child = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--local',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      state,
      // Extra vars (the API bench points COMPATIBLE_BASE_URL at its provider fake).
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
      // Other wrangler options (bench/api/bundle-ab.ts: `-c` another config).
      ...args,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        // As `npm start` (see package.json and BENCHMARKS.md, i13-docall): no
        // local trace collector, which costs every invocation, each Durable
        // Object call included, ~1–1.5 ms of workerd's one thread. Set it to
        // 'true' to measure or use wrangler's local traces.
        X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? 'false',
        ...env,
      },
    },
  );
  child.stdout.on('data', (chunk) => log.push(String(chunk)));
  child.stderr.on('data', (chunk) => log.push(String(chunk)));
  const url = `http://localhost:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    await rm(state, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, log, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop, log };
}
