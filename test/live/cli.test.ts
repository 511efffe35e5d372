import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { verifyAdminJwt } from '../../src/auth/admin-jwt';

const run = promisify(execFile);
let accounts = 0;

/** `npx memoryrouter …` (bin/memoryrouter.mjs) against the live Worker, as a user runs it. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  accounts += 1;
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/memoryrouter.mjs', ...args], {
      env: {
        ...process.env,
        MEMORYROUTER_URL: inject('liveUrl'),
        ADMIN_JWT_SECRET: inject('adminSecret'),
        MEMORYROUTER_ACCOUNT: `cli-${process.pid}-${Date.now().toString(36)}-${accounts}`,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Whether the live server takes `token` as an admin's. */
async function serverAccepts(token: string): Promise<unknown> {
  const response = await fetch(`${inject('liveUrl')}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ memoryKeys { id } }' }),
  });
  return response.json();
}

describe('npx memoryrouter admin-token --expires', () => {
  it('refuses a lifetime the server would refuse, naming the 24h limit, and prints no token', async () => {
    const refused = await cli('admin-token', '--expires', '25h');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('more than 24h (ADMIN_TOKEN_LIFETIME)');

    // The limit is the server's: a token of 24h works.
    const longest = await cli('admin-token', '--expires', '24h');
    expect(longest.code).toBe(0);
    expect(await serverAccepts(longest.stdout.trim())).toEqual({ data: { memoryKeys: [] } });
  });

  it('says what it accepts for a lifetime it cannot read or that is over at once', async () => {
    for (const expires of ['0', 'soon', '--expires=-5m']) {
      const args = expires.startsWith('--') ? [expires] : ['--expires', expires];
      const refused = await cli('admin-token', ...args);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(
        'expected a lifetime with a unit, more than 0 and at most 24h, e.g. 30s, 15m, 2h or 24h',
      );
      expect(refused.stderr).not.toContain('Invalid time period format');
    }
  });
});

describe('npx memoryrouter keys create --name', () => {
  it('names the key as asked (keys list shows it)', async () => {
    const account = `cli-named-${process.pid}-${Date.now().toString(36)}`;
    const env = {
      ...process.env,
      MEMORYROUTER_URL: inject('liveUrl'),
      ADMIN_JWT_SECRET: inject('adminSecret'),
      MEMORYROUTER_ACCOUNT: account,
    };
    const created = await run(
      process.execPath,
      ['bin/memoryrouter.mjs', 'keys', 'create', '--name', 'billing bot'],
      { env },
    );
    expect(created.stdout.trim()).toMatch(/^mk_/);
    const listed = await run(process.execPath, ['bin/memoryrouter.mjs', 'keys', 'list'], { env });
    expect(listed.stdout).toMatch(/^key_[0-9a-f]{32}\tbilling bot\t.*\tactive$/m);
  });
});

describe('npx memoryrouter admin-token on a deployment that pins iss and aud', () => {
  const pinned = {
    ADMIN_JWT_SECRET: 'cli-pinned-claims-secret-0123456789',
    ADMIN_JWT_ISSUER: 'https://ops.example.com',
    ADMIN_JWT_AUDIENCE: 'memoryrouter',
  };

  async function tokenWith(env: Record<string, string>): Promise<string> {
    const { stdout } = await run(process.execPath, ['bin/memoryrouter.mjs', 'admin-token'], {
      env: { ...process.env, ...env, MEMORYROUTER_ACCOUNT: 'cli-pinned' },
    });
    return stdout.trim();
  }

  it('signs the pinned claims, so the server takes its token', async () => {
    const token = await tokenWith(pinned);
    expect(decodeJwt(token)).toMatchObject({ iss: pinned.ADMIN_JWT_ISSUER, aud: 'memoryrouter' });
    await expect(verifyAdminJwt(token, pinned)).resolves.toBe('cli-pinned');
  });

  it('a token without them is refused naming the claim, not the expected value', async () => {
    const token = await tokenWith({ ADMIN_JWT_SECRET: pinned.ADMIN_JWT_SECRET });
    const refused = verifyAdminJwt(token, pinned);
    await expect(refused).rejects.toMatchObject({
      reason: 'ADMIN_TOKEN_INVALID',
      message: 'invalid admin token: its "iss" claim is missing',
    });
    const elsewhere = verifyAdminJwt(
      await tokenWith({ ...pinned, ADMIN_JWT_AUDIENCE: 'other' }),
      pinned,
    );
    await expect(elsewhere).rejects.toMatchObject({
      message: 'invalid admin token: its "aud" claim was not accepted',
    });
  });
});

describe('npx memoryrouter provider-keys', () => {
  const account = `cli-provider-${process.pid}-${Date.now().toString(36)}`;
  const env = () => ({
    ...process.env,
    MEMORYROUTER_URL: inject('liveUrl'),
    ADMIN_JWT_SECRET: inject('adminSecret'),
    MEMORYROUTER_ACCOUNT: account,
  });

  /** The CLI with `input` on its stdin, as `printf %s "$KEY" | npx memoryrouter …` runs it. */
  async function cliWithStdin(input: string, ...args: string[]) {
    const running = run(process.execPath, ['bin/memoryrouter.mjs', ...args], { env: env() });
    running.child.stdin!.end(input);
    try {
      const { stdout, stderr } = await running;
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('sets a key from stdin (never echoing it), lists it by fingerprint, deletes it', async () => {
    const secret = 'sk-cli-provider-key-0123456789abcd';
    const set = await cliWithStdin(`${secret}\n`, 'provider-keys', 'set', 'OpenAI');
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(secret.slice(0, -4));
    expect(set.stderr).toContain(`stored the openai key …abcd`);

    const { createHash } = await import('node:crypto');
    const fingerprint = `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
    const listed = await cliWithStdin('', 'provider-keys', 'list');
    expect(listed.stdout).toMatch(
      new RegExp(`^openai\\taccount\\tabcd\\t${fingerprint}\\t\\S+$`, 'm'),
    );
    expect(listed.stdout).not.toContain(secret.slice(0, -4));

    // --memory-key scopes it to one memory key.
    const created = await cliWithStdin('', 'keys', 'create');
    const keyId = /created (key_\w+)/.exec(created.stderr)![1]!;
    const scoped = await cliWithStdin(
      'sk-ant-scoped-9876',
      'provider-keys',
      'set',
      'anthropic',
      '--memory-key',
      keyId,
    );
    expect(scoped.stderr).toContain(`for ${keyId}`);
    expect((await cliWithStdin('', 'provider-keys', 'list')).stdout).toMatch(
      new RegExp(`^anthropic\t${keyId}\t9876\t`, 'm'),
    );
    expect(
      (await cliWithStdin('', 'provider-keys', 'delete', 'anthropic', '--memory-key', keyId)).code,
    ).toBe(0);

    expect((await cliWithStdin('', 'provider-keys', 'delete', 'openai')).code).toBe(0);
    expect((await cliWithStdin('', 'provider-keys', 'list')).stdout).toBe('');
    const again = await cliWithStdin('', 'provider-keys', 'delete', 'openai');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no openai key stored for account ${account}`);
  });

  it('refuses an unknown provider or an empty key as usage errors, storing nothing', async () => {
    const unknown = await cliWithStdin('sk-whatever-123', 'provider-keys', 'set', 'mistral');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'provider-keys set needs a PROVIDER: openai, anthropic, google, openrouter, compatible',
    );
    const empty = await cliWithStdin('  \n', 'provider-keys', 'set', 'anthropic');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('reads the key from stdin, and it was empty');
    expect((await cliWithStdin('', 'provider-keys', 'list')).stdout).toBe('');
  });
});
