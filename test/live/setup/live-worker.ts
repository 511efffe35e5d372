import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOOGLE_PREFIX, startProviderFake } from './provider-fake';
import { startStripeFake } from '../../../scripts/fake-stripe.mjs';

/** Development secrets of the live Worker (test values, passed on its command line). */
export const LIVE_SECRETS = {
  KEY_HMAC_SECRET: 'live-test-key-hmac-secret',
  ADMIN_JWT_SECRET: 'live-test-admin-jwt-secret',
  // Stored provider keys on (the CLI's provider-keys commands): given here,
  // not read from a .dev.vars a fresh clone does not have yet.
  PROVIDER_KEY_SECRET: 'live-test-provider-key-secret',
};

const START_TIMEOUT_MS = 120_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Global setup of the live tests: builds the client package (the tests use
 * what would be published), then runs the real Worker with `wrangler dev`,
 * offline, on free ports (or MEMORYROUTER_TEST_PORT and
 * MEMORYROUTER_TEST_INSPECTOR_PORT), with fresh local storage in a temporary
 * folder, `compatible/…` models answered by the provider fake and Stripe by
 * the Stripe fake (`npm run fake:stripe`, on a free port or
 * MEMORYROUTER_TEST_STRIPE_PORT). Torn down after the last test: the
 * server's process group is stopped and its storage removed.
 */
export default async function setup({
  provide,
}: {
  provide: (
    key: 'liveUrl' | 'adminSecret' | 'fakeUrl' | 'stripeFakeUrl' | 'stripeWebhookSecret',
    value: string,
  ) => void;
}) {
  execFileSync('npx', ['tsc', '-p', 'packages/client/tsconfig.build.json'], { stdio: 'inherit' });
  const fake = await startProviderFake();
  const persist = await mkdtemp(join(tmpdir(), 'memoryrouter-live-'));
  // Free ports unless given: shared machines hand out ports per person (as dev-server.mjs).
  const port = Number(process.env.MEMORYROUTER_TEST_PORT) || (await freePort());
  const inspectorPort = Number(process.env.MEMORYROUTER_TEST_INSPECTOR_PORT) || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const stripe = await startStripeFake({
    port: Number(process.env.MEMORYROUTER_TEST_STRIPE_PORT) || 0,
    webhookUrl: `${url}/stripe/webhook`,
  });
  const vars = {
    ...LIVE_SECRETS,
    COMPATIBLE_BASE_URL: `${fake.url}/v1`,
    GOOGLE_BASE_URL: `${fake.url}${GOOGLE_PREFIX}`,
    // An open stream asks about its key every second instead of every 15 s,
    // so the console's revoked-subscription test need not wait the bound.
    STANDING_CHECK_MS: '1000',
    // Billing against the Stripe fake, usage sealed into meter events a
    // second after it reaches the account instead of a minute.
    STRIPE_API_BASE: stripe.url,
    STRIPE_SECRET_KEY: stripe.key,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    METER_FLUSH_SECONDS: '1',
  };
  const wrangler: ChildProcess = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      '--var',
      ...Object.entries(vars).map(([name, value]) => `${name}:${value}`),
    ],
    // Its own process group, so teardown stops wrangler and workerd together.
    // Without wrangler's local trace collector, as `npm start` runs it.
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true', X_LOCAL_OBSERVABILITY: 'false' },
    },
  );
  let output = '';
  wrangler.stdout?.on('data', (chunk) => (output += chunk));
  wrangler.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => wrangler.once('exit', resolve));

  const stop = async () => {
    if (wrangler.exitCode === null && wrangler.pid !== undefined) {
      try {
        process.kill(-wrangler.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-wrangler.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise((resolve) => fake.server.close(resolve));
    await new Promise((resolve) => stripe.server.close(resolve));
    // workerd may still be closing its SQLite files as the group exits.
    await rm(persist, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };

  try {
    await waitUntilServing(url, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  provide('liveUrl', url);
  provide('adminSecret', LIVE_SECRETS.ADMIN_JWT_SECRET);
  provide('fakeUrl', fake.url);
  provide('stripeFakeUrl', stripe.url);
  provide('stripeWebhookSecret', stripe.webhookSecret);
  return stop;
}

/** Polls /health until the Worker answers, failing early if wrangler exits. */
async function waitUntilServing(
  url: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`wrangler dev exited (${exitCode}) before serving:\n${output()}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer within ${START_TIMEOUT_MS} ms:\n${output()}`);
}
