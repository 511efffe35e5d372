import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { deriveKey } from '../src/auth/memory-key';
import { MAX_ACTIVE_MEMORY_KEYS } from '../src/core/limits';
import { toHex } from '../src/core/encoding';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import {
  ChatStreamDocument,
  CreateMemoryKeyDocument,
  MeDocument,
  MemoryKeysDocument,
  MemoryKeysPageDocument,
  RevokeMemoryKeyDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { adminToken, BASE_URL, codes, newKey, post, workerFetch } from './helpers/graphql';
import { WorkerWebSocket } from './helpers/websocket';

/** Every table of an account object, and its text (JSON) to search. */
async function accountStorage(accountId: string) {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
  const tables = await runInDurableObject(stub, async (_, state) => {
    const names = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((row) => row.name);
    const kv = Object.fromEntries(await state.storage.list());
    const rows: Record<string, unknown> = Object.fromEntries(
      names.map((name) => [name, state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()]),
    );
    return { ...rows, kv } as Record<string, unknown>;
  });
  return { tables, text: JSON.stringify(tables) };
}

describe('memory keys and admin tokens', () => {
  it('creates keys shown once, stores only a verifier, and revokes them at once', async () => {
    const { admin, secret, keyId, accountId } = await newKey('app');
    expect(secret).toMatch(/^mk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const keys = (await admin.request(MemoryKeysDocument)).memoryKeys;
    expect(keys).toEqual([{ id: keyId, name: 'app', revokedAt: null }]);
    expect(JSON.stringify(keys)).not.toContain(secret.slice(-43));
    // What the account object stores, read from its storage: the HMAC
    // verifier of the key, and nothing that holds the key or its secret part.
    const stored = await accountStorage(accountId);
    const random = secret.slice(-43);
    const randomBytes = Uint8Array.from(
      atob(random.replace(/-/g, '+').replace(/_/g, '/') + '='),
      (c) => c.charCodeAt(0),
    );
    for (const form of [
      secret,
      random,
      toHex(randomBytes),
      btoa(String.fromCharCode(...randomBytes)),
    ])
      expect(stored.text).not.toContain(form);
    const { verifier } = await deriveKey(env.KEY_HMAC_SECRET, secret);
    expect((await deriveKey('another deployment secret', secret)).verifier).not.toBe(verifier);
    expect(stored.tables.memory_keys).toEqual([
      expect.objectContaining({ id: keyId, name: 'app', verifier }),
    ]);

    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
    expect((await admin.request(RevokeMemoryKeyDocument, { id: keyId })).revokeMemoryKey).toBe(
      true,
    );
    const revoked = await post(MeDocument, {}, secret);
    expect(codes(revoked)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(revoked)).not.toContain(secret);
    expect(
      codes(
        await post(RevokeMemoryKeyDocument, { id: 'key_unknown' }, await adminToken(accountId)),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('refuses missing, malformed, forged and wrong-kind credentials with coded errors', async () => {
    const { secret, adminToken: admin } = await newKey();
    const store = { input: { content: 'should never be stored' } };
    const forged = secret.slice(0, -4) + (secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cases: [string | undefined, string][] = [
      [undefined, 'UNAUTHENTICATED'],
      ['mk_garbage', 'UNAUTHENTICATED'],
      [forged, 'UNAUTHENTICATED'],
      ['not-a-jwt', 'UNAUTHENTICATED'],
      [await adminToken('someone', '-1m'), 'UNAUTHENTICATED'], // expired
      [admin, 'FORBIDDEN'], // an admin token is not a memory key
    ];
    for (const [token, code] of cases) {
      expect(codes(await post(StoreMemoryDocument, store, token)), String(token)).toEqual([code]);
    }
    // A memory key cannot manage keys.
    expect(codes(await post(CreateMemoryKeyDocument, { name: 'x' }, secret))).toEqual([
      'FORBIDDEN',
    ]);
    // A JWT signed with another secret is refused.
    const { SignJWT } = await import('jose');
    const wrong = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('acct')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('not the server secret'));
    expect(codes(await post(CreateMemoryKeyDocument, { name: 'x' }, wrong))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('memory keys per account', () => {
  it(`holds at most ${MAX_ACTIVE_MEMORY_KEYS} keys that are not revoked: one more is refused TOO_MANY_KEYS until one is revoked`, async () => {
    const { admin, accountId, adminToken: token } = await newKey('first');
    // The account's other keys, written straight into its storage: creating
    // a thousand through GraphQL would only take longer.
    await runInDurableObject(
      env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`)),
      (_, state) => {
        for (let i = 1; i < MAX_ACTIVE_MEMORY_KEYS - 1; i++) {
          state.storage.sql.exec(
            'INSERT INTO memory_keys (id, lookup_id, name, verifier, created_at) VALUES (?, ?, ?, ?, ?)',
            `key_padding${i}`,
            `key_padding${i}`,
            null,
            'not-a-verifier',
            Date.now(),
          );
        }
      },
    );
    const last = await post(CreateMemoryKeyDocument, { name: 'the last' }, token);
    expect(last.errors).toBeUndefined();
    const refused = await post(CreateMemoryKeyDocument, { name: 'one too many' }, token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'TOO_MANY_KEYS',
    });
    expect(refused.errors?.[0]?.message).toMatch(/revoke one/);
    const keys = (await admin.request(MemoryKeysDocument)).memoryKeys;
    expect(keys).toHaveLength(MAX_ACTIVE_MEMORY_KEYS);
    expect(keys.map((key) => key.name)).not.toContain('one too many');

    // A revoked key no longer counts.
    await admin.request(RevokeMemoryKeyDocument, { id: 'key_padding1' });
    const again = await post(CreateMemoryKeyDocument, { name: 'after a revocation' }, token);
    expect(again.errors).toBeUndefined();
  });
});

describe("listing an account's keys", () => {
  it('pages oldest first with first/after, leaves revoked keys out on request, and refuses a foreign cursor', async () => {
    const { admin, keyId: firstId, adminToken: token } = await newKey('k1');
    const ids = [firstId];
    for (const name of ['k2', 'k3', 'k4']) {
      ids.push((await admin.request(CreateMemoryKeyDocument, { name })).createMemoryKey.key.id);
    }
    await admin.request(RevokeMemoryKeyDocument, { id: ids[1]! });
    const names = (keys: { name?: string | null }[]) => keys.map((key) => key.name);

    // Unchanged without arguments: every key, the revoked one included.
    expect(names((await admin.request(MemoryKeysDocument)).memoryKeys)).toEqual([
      'k1',
      'k2',
      'k3',
      'k4',
    ]);
    const page1 = (await admin.request(MemoryKeysPageDocument, { first: 3 })).memoryKeys;
    expect(names(page1)).toEqual(['k1', 'k2', 'k3']);
    const page2 = (
      await admin.request(MemoryKeysPageDocument, { first: 3, after: page1.at(-1)!.id })
    ).memoryKeys;
    expect(names(page2)).toEqual(['k4']);
    const working = (await admin.request(MemoryKeysPageDocument, { includeRevoked: false }))
      .memoryKeys;
    expect(names(working)).toEqual(['k1', 'k3', 'k4']);
    expect(
      names(
        (
          await admin.request(MemoryKeysPageDocument, {
            includeRevoked: false,
            after: ids[0]!,
            first: 1,
          })
        ).memoryKeys,
      ),
    ).toEqual(['k3']);

    // Another account's key is no cursor here; nor is a page of 0.
    const other = await newKey('elsewhere');
    const foreign = await post(MemoryKeysPageDocument, { after: other.keyId }, token);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CURSOR',
    });
    expect(foreign.errors?.[0]?.message).toMatch(/last key of the previous page/);
    expect(codes(await post(MemoryKeysPageDocument, { first: 0 }, token))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('auth messages say what was sent and what is needed', () => {
  const message = (result: Awaited<ReturnType<typeof post>>) => result.errors?.[0]?.message;

  it('tells a memory key that admin operations need an admin token, and the reverse', async () => {
    const { secret, adminToken: admin, keyId } = await newKey();
    const adminOnly: [string, Record<string, unknown>][] = [
      ['{ billing { status } }', {}],
      ['{ memoryKeys { id } }', {}],
      ['mutation { createMemoryKey(name: "x") { secret } }', {}],
      ['query($k: ID!) { vaultSnapshots(keyId: $k, vault: { kind: CORE }) { key } }', { k: keyId }],
    ];
    for (const [query, variables] of adminOnly) {
      // Before: "this operation needs a memory key", although one was sent.
      const result = await post(query, variables, secret);
      expect(codes(result), query).toEqual(['FORBIDDEN']);
      expect(message(result), query).toBe(
        'this operation needs an admin token; the request sent a memory key',
      );
      expect(message(await post(query, variables)), query).toBe(
        'this operation needs an admin token: send "Authorization: Bearer <JWT>"',
      );
    }
    const store = await post(StoreMemoryDocument, { input: { content: 'x' } }, admin);
    expect(message(store)).toBe(
      'this operation needs a memory key; the request sent an admin token',
    );
  });

  it('says a token that is neither kind of credential is neither', async () => {
    // Before: "Bearer hello" answered "invalid admin token".
    const result = await post(MeDocument, {}, 'hello');
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(message(result)).toBe(
      'the bearer token is neither a memory key (mk_…) nor an admin token (a JWT)',
    );
    expect(message(await post(MeDocument, {}, 'mk_garbage'))).toBe('malformed memory key');
  });

  it('accepts the memory key in X-Memory-Key and x-api-key on /graphql too', async () => {
    const { secret, keyId } = await newKey();
    for (const header of ['x-memory-key', 'x-api-key']) {
      const response = await workerFetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: secret },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(await response.json(), header).toEqual({ data: { me: { id: keyId } } });
    }
  });

  it('refuses admin tokens that live longer than a day', async () => {
    const { accountId } = await newKey();
    const { SignJWT } = await import('jose');
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(accountId)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 31_000_000 * 365 * 86_400)
      .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
    const result = await post(MemoryKeysDocument, {}, forever);
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(message(result)).toBe(
      'admin token lives too long: its exp may be at most 24 hours ahead',
    );
    expect(codes(await post(MemoryKeysDocument, {}, await adminToken(accountId, '23h')))).toEqual(
      [],
    );
  });

  it('tells a WebSocket client with a wrong memory key that the key is wrong', async () => {
    const { secret } = await newKey();
    const forged = secret.slice(0, -4) + (secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${forged}`, providerKey: 'sk-test' },
      retryAttempts: 0,
      lazy: true,
    });
    const refused = await client
      .iterate({
        query: print(ChatStreamDocument),
        variables: { input: { model: 'gpt-4o', messages: [{ role: 'USER', content: 'hi' }] } },
      })
      .next();
    await client.dispose();
    // Before: "this operation needs a memory key".
    expect(refused.value!.errors![0]).toMatchObject({
      message: 'invalid or revoked memory key',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
