import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { createClient, type MemoryRouterClient } from '@memoryrouter/client';

const run = promisify(execFile);
let accounts = 0;

/**
 * A new memory key of a new account, made the way a user makes one:
 * `npx memoryrouter keys create` (bin/memoryrouter.mjs), which signs an
 * admin JWT with the deployment's secret and calls createMemoryKey.
 */
export async function newMemoryKey(name = 'live test'): Promise<string> {
  accounts += 1;
  const { stdout } = await run(
    process.execPath,
    ['bin/memoryrouter.mjs', 'keys', 'create', '--name', name],
    {
      env: {
        ...process.env,
        MEMORYROUTER_URL: inject('liveUrl'),
        ADMIN_JWT_SECRET: inject('adminSecret'),
        MEMORYROUTER_ACCOUNT: `live-${process.pid}-${Date.now().toString(36)}-${accounts}`,
      },
    },
  );
  const key = stdout.trim();
  if (!key.startsWith('mk_')) throw new Error(`key:create printed no key: ${stdout}`);
  return key;
}

/** A client of the live Worker with a fresh key. */
export async function newClient(
  name?: string,
): Promise<{ client: MemoryRouterClient; key: string }> {
  const key = await newMemoryKey(name);
  return { client: createClient({ url: inject('liveUrl'), key }), key };
}
