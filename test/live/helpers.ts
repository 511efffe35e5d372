import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { createClient, type MemoryRouterClient } from '@memoryrouter/client';

const run = promisify(execFile);
let accounts = 0;
/** The account each key of newMemoryKey was made for, so the key can be revoked as its admin. */
const accountOfKey = new Map<string, string>();

function cliEnv(account: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MEMORYROUTER_URL: inject('liveUrl'),
    ADMIN_JWT_SECRET: inject('adminSecret'),
    MEMORYROUTER_ACCOUNT: account,
  };
}

/**
 * A new memory key of a new account, made the way a user makes one:
 * `npx memoryrouter keys create` (bin/memoryrouter.mjs), which signs an
 * admin JWT with the deployment's secret and calls createMemoryKey.
 */
export async function newMemoryKey(name = 'live test'): Promise<string> {
  accounts += 1;
  const account = `live-${process.pid}-${Date.now().toString(36)}-${accounts}`;
  const { stdout } = await run(
    process.execPath,
    ['bin/memoryrouter.mjs', 'keys', 'create', '--name', name],
    { env: cliEnv(account) },
  );
  const key = stdout.trim();
  if (!key.startsWith('mk_')) throw new Error(`key:create printed no key: ${stdout}`);
  accountOfKey.set(key, account);
  return key;
}

/** Revokes a key of newMemoryKey the way its admin does: `npx memoryrouter keys revoke ID`. */
export async function revokeMemoryKey(key: string): Promise<void> {
  const account = accountOfKey.get(key);
  if (account === undefined) throw new Error('revokeMemoryKey: not a key of newMemoryKey');
  const { id } = await createClient({ url: inject('liveUrl'), key }).me();
  await run(process.execPath, ['bin/memoryrouter.mjs', 'keys', 'revoke', id], {
    env: cliEnv(account),
  });
}

/** A client of the live Worker with a fresh key. */
export async function newClient(
  name?: string,
): Promise<{ client: MemoryRouterClient; key: string }> {
  const key = await newMemoryKey(name);
  return { client: createClient({ url: inject('liveUrl'), key }), key };
}
