import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sealProviderKey, providerKeyAad } from '../../src/providers/key-encryption';
import {
  CreateMemoryKeyDocument,
  DeleteProviderKeyDocument,
  ProviderKeysDocument,
  RotateProviderKeysDocument,
  SetProviderKeyDocument,
} from '../generated/graphql';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { codes, post } from '../helpers/graphql';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

const accountOf = (accountId: string) =>
  env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));

async function sha256Prefix(text: string) {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 16)}`;
}

/** A chat as a drop-in client sends it: the memory key only, no X-Provider-Key. */
const ask = (secret: string, headers: Record<string, string> = {}) =>
  postJson(
    '/v1/chat/completions',
    { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
    {
      authorization: `Bearer ${secret}`,
      ...headers,
    },
  );

describe('stored provider keys', () => {
  beforeEach(resetFakes);

  it('are write-only, sealed at rest, and used per memory key before the account’s', async () => {
    const { secret, keyId, admin, accountId } = await keyWithMemory();
    const other = (await admin.request(CreateMemoryKeyDocument, { name: 'second' }))
      .createMemoryKey;
    const accountKey = 'sk-account-wide-key-1111';
    const ownKey = 'sk-only-for-first-key-2222';
    const saved = await admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: accountKey },
    });
    await admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: ownKey, memoryKeyId: keyId },
    });
    expect(saved.setProviderKey).toEqual({
      provider: 'OPENAI',
      memoryKeyId: null,
      fingerprint: await sha256Prefix(accountKey),
      last4: '1111',
      sealedWithPreviousSecret: false,
    });
    const listed = await admin.request(ProviderKeysDocument);
    expect(listed.providerKeys.map((key) => [key.memoryKeyId, key.last4])).toEqual([
      [null, '1111'],
      [keyId, '2222'],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/account-wide|only-for-first/);

    // At rest: ciphertext only.
    const rows = await runInDurableObject(accountOf(accountId), (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM provider_keys').toArray(),
    );
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toMatch(/account-wide|only-for-first/);
    expect(String(rows[0]!.sealed)).toMatch(/^v1\.[0-9a-f]{16}\.[\w-]+\.[\w-]+$/);

    await ask(secret);
    await ask(other.secret);
    await ask(secret, { 'x-provider-key': 'sk-from-the-header' });
    expect(
      (await upstreamCalls('api.openai.com')).map((call) => call.headers.authorization),
    ).toEqual([`Bearer ${ownKey}`, `Bearer ${accountKey}`, 'Bearer sk-from-the-header']);

    expect(
      (await admin.request(DeleteProviderKeyDocument, { provider: 'OPENAI' })).deleteProviderKey,
    ).toBe(true);
    const missing = await ask(other.secret);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { reason: string } }).error.reason).toBe(
      'PROVIDER_KEY_MISSING',
    );
  });

  it('only admins of the account set or list them', async () => {
    const { secret, adminToken } = await keyWithMemory();
    const foreign = await keyWithMemory();
    expect(codes(await post(ProviderKeysDocument, {}, secret))).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await post(
          SetProviderKeyDocument,
          { input: { provider: 'OPENAI', key: 'sk-12345678' } },
          secret,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    // Another account's memory key is no key of this account.
    expect(
      codes(
        await post(
          SetProviderKeyDocument,
          { input: { provider: 'OPENAI', key: 'sk-12345678', memoryKeyId: foreign.keyId } },
          adminToken,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      codes(
        await post(
          SetProviderKeyDocument,
          // A memory key pasted by mistake.
          { input: { provider: 'OPENAI', key: secret } },
          adminToken,
        ),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('open under the previous secret during a rotation, and are sealed again under the new one', async () => {
    const { secret, admin, accountId } = await keyWithMemory();
    const previous = { current: env.PROVIDER_KEY_SECRET_PREVIOUS, previous: null };
    const account = accountOf(accountId);
    for (const [provider, key] of [
      ['openai', 'sk-sealed-long-ago-3333'],
      ['anthropic', 'sk-ant-sealed-long-ago-4444'],
    ] as const) {
      const result = await account.setProviderKey(accountId, {
        scope: '',
        provider,
        sealed: await sealProviderKey(previous, key, providerKeyAad(accountId, '', provider)),
        fingerprint: await sha256Prefix(key),
        last4: key.slice(-4),
      });
      expect(result.ok).toBe(true);
    }
    const before = await admin.request(ProviderKeysDocument);
    expect(before.providerKeys.map((key) => key.sealedWithPreviousSecret)).toEqual([true, true]);

    // Used once: works, and is sealed again under the current secret after the response.
    expect((await ask(secret)).status).toBe(200);
    expect((await upstreamCalls('api.openai.com'))[0]!.headers.authorization).toBe(
      'Bearer sk-sealed-long-ago-3333',
    );
    await eventually(async () => {
      const keys = (await admin.request(ProviderKeysDocument)).providerKeys;
      expect(keys.find((key) => key.provider === 'OPENAI')!.sealedWithPreviousSecret).toBe(false);
    });
    // The rest by the admin mutation, once.
    expect((await admin.request(RotateProviderKeysDocument)).rotateProviderKeys).toBe(1);
    expect((await admin.request(RotateProviderKeysDocument)).rotateProviderKeys).toBe(0);
    expect(
      (await admin.request(ProviderKeysDocument)).providerKeys.every(
        (key) => !key.sealedWithPreviousSecret,
      ),
    ).toBe(true);
  });

  it('refuse a value that no configured secret opens, or copied from another account', async () => {
    const { secret, accountId } = await keyWithMemory();
    const stranger = await keyWithMemory();
    const account = accountOf(accountId);
    const lost = { current: 'a-secret-nobody-has-anymore', previous: null };
    await account.setProviderKey(accountId, {
      scope: '',
      provider: 'openai',
      sealed: await sealProviderKey(
        lost,
        'sk-lost-key-5555',
        providerKeyAad(accountId, '', 'openai'),
      ),
      fingerprint: 'sha256:0',
      last4: '5555',
    });
    const unreadable = await ask(secret);
    expect(unreadable.status).toBe(401);
    expect(await unreadable.json()).toMatchObject({ error: { reason: 'PROVIDER_KEY_UNREADABLE' } });

    // A sealed value is bound to its account: copied elsewhere it does not open.
    const copied = await sealProviderKey(
      { current: env.PROVIDER_KEY_SECRET, previous: null },
      'sk-copied-key-6666',
      providerKeyAad(accountId, '', 'openai'),
    );
    await accountOf(stranger.accountId).setProviderKey(stranger.accountId, {
      scope: '',
      provider: 'openai',
      sealed: copied,
      fingerprint: 'sha256:0',
      last4: '6666',
    });
    expect(await (await ask(stranger.secret)).json()).toMatchObject({
      error: { reason: 'PROVIDER_KEY_UNREADABLE' },
    });
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('never appear in logs or errors', async () => {
    const { secret, admin } = await keyWithMemory();
    const stored = 'sk-never-shown-key-7777';
    await admin.request(SetProviderKeyDocument, { input: { provider: 'OPENAI', key: stored } });
    const logged = [
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'log'),
    ];
    try {
      await scriptFake({
        host: 'api.openai.com',
        status: 400,
        body: {
          error: {
            message: `you sent ${stored}, and sk-never-shown is not allowed`,
            type: 'invalid_request_error',
          },
        },
      });
      const refused = await ask(secret);
      await scriptFake({ host: 'api.openai.com', mode: 'unreachable' });
      const unreachable = await ask(secret);
      const texts = [await refused.text(), await unreachable.text()];
      expect(texts.join(' ')).not.toMatch(/never-shown|7777/);
      const output = logged
        .flatMap((spy) => spy.mock.calls.flat())
        .map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : String(arg)))
        .join(' ');
      expect(output).not.toMatch(/never-shown/);
    } finally {
      logged.forEach((spy) => spy.mockRestore());
    }
  });
});
