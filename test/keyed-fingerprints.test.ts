import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { fingerprintKey } from '../src/auth/fingerprint-key';
import { toHex } from '../src/core/encoding';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { newKey, post } from './helpers/graphql';

/**
 * The fingerprint a vault keeps of a keyed store's inputs is an HMAC under a
 * key only the server holds (derived from KEY_HMAC_SECRET for this job), so
 * whoever reads a vault's SQLite cannot confirm a guessed memory text by
 * hashing it; records written before (a plain SHA-256) still replay for the
 * 24 hours they can live. Through GraphQL against real vault objects,
 * reading and writing their SQLite directly.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!, $key: String) {
    storeMemories(inputs: $inputs, idempotencyKey: $key) {
      id
      content
      createdAt
      tokens
    }
  }
`;
const COUNT = /* GraphQL */ `
  query Count {
    vault(selector: { kind: CORE }) {
      memoryCount
    }
  }
`;

type Stored = { storeMemories: { id: string; content: string; createdAt: string }[] };

/** Only `content`, so the JSON GraphQL coerces them to is exactly this one. */
const inputs = [
  { content: 'the safe opens with 31-4-15' },
  { content: 'the spare key is under the blue pot' },
];
const encoded = new TextEncoder().encode(JSON.stringify(inputs));

/** What anyone can compute from a guess: the fingerprint's form before it was keyed. */
async function plainSha256(): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoded)));
}

async function hmacHex(key: CryptoKey): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoded)));
}

/** HMAC under the server secret itself: the key that key ids are made with, not this job's. */
async function hmacUnderSecret(): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(env.KEY_HMAC_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return hmacHex(key);
}

/** HMAC under HKDF(KEY_HMAC_SECRET, "memoryrouter idempotency fingerprint v1"). */
async function hmacUnderSubkey(): Promise<string> {
  const base = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(env.KEY_HMAC_SECRET),
    'HKDF',
    false,
    ['deriveKey'],
  );
  const key = await crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: new TextEncoder().encode('memoryrouter idempotency fingerprint v1'),
    },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign'],
  );
  return hmacHex(key);
}

function coreVault(keyId: string) {
  const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
}

function storedFingerprint(keyId: string, key: string) {
  return runInDurableObject(coreVault(keyId), (_, state) =>
    state.storage.sql
      .exec<{ fingerprint: string }>('SELECT fingerprint FROM store_keys WHERE key = ?', key)
      .toArray()
      .map(({ fingerprint }) => fingerprint),
  );
}

async function memoryCount(secret: string) {
  const result = await post<{ vault: { memoryCount: number } | null }>(COUNT, {}, secret);
  return result.data?.vault?.memoryCount ?? 0;
}

async function expectRefused(secret: string, key: string) {
  const other = await post<Stored>(
    STORE,
    { inputs: [{ content: 'the safe opens with 00-0-00' }], key },
    secret,
  );
  expect(other.data ?? null).toBeNull();
  expect(other.errors?.[0]?.extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
}

describe('idempotency fingerprints', () => {
  it('are an HMAC under a subkey of the server secret, never the plain SHA-256, and never answered', async () => {
    const { secret, keyId } = await newKey();
    const first = await post<Stored>(STORE, { inputs, key: 'keyed' }, secret);
    expect(first.errors).toBeUndefined();
    const [fingerprint] = await storedFingerprint(keyId, 'keyed');
    // A reader of the vault's storage who guesses the text cannot confirm it.
    expect(fingerprint).not.toContain(await plainSha256());
    // Keyed with a key of its own, not the secret that makes key ids.
    expect(fingerprint).not.toContain(await hmacUnderSecret());
    expect(fingerprint).toBe(`hmac-v1:${await hmacUnderSubkey()}`);
    expect(JSON.stringify(first)).not.toContain(fingerprint!.slice('hmac-v1:'.length));
  });

  it('replay a retry against a keyed record, and refuse other inputs under its key', async () => {
    const { secret, keyId } = await newKey();
    const first = await post<Stored>(STORE, { inputs, key: 'retry' }, secret);
    expect(first.errors).toBeUndefined();
    expect(await storedFingerprint(keyId, 'retry')).toEqual([
      expect.stringMatching(/^hmac-v1:[0-9a-f]{64}$/),
    ]);
    const again = await post<Stored>(STORE, { inputs, key: 'retry' }, secret);
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(again.extensions?.memory).toMatchObject({ memoryTokens: 0, replay: {} });
    expect(JSON.stringify(again)).not.toContain('hmac-v1:');
    await expectRefused(secret, 'retry');
    expect(await memoryCount(secret)).toBe(2);
  });

  it('still replay a record written before they were keyed (a plain SHA-256)', async () => {
    const { secret, keyId } = await newKey();
    // The memories, stored without a key; then the record an older Worker
    // would have written for them under a key, an hour ago, inserted as rows.
    const first = await post<Stored>(STORE, { inputs }, secret);
    expect(first.errors).toBeUndefined();
    const legacy = await plainSha256();
    await runInDurableObject(coreVault(keyId), (_, state) => {
      const { sql } = state.storage;
      sql.exec(
        'INSERT INTO store_keys (key, fingerprint, at) VALUES (?, ?, ?)',
        'legacy',
        legacy,
        Date.now() - 3_600_000,
      );
      sql.exec(
        `INSERT INTO store_key_records (key, position, id, created_at, tokens)
         SELECT 'legacy', row_number() OVER (ORDER BY seq) - 1, id, created_at, tokens
         FROM memories`,
      );
    });
    const retry = await post<Stored>(STORE, { inputs, key: 'legacy' }, secret);
    expect(retry.errors).toBeUndefined();
    expect(retry.data).toEqual(first.data);
    expect(retry.extensions?.memory).toMatchObject({
      memoryTokens: 0,
      replay: { deletedSince: [] },
    });
    await expectRefused(secret, 'legacy');
    expect(await memoryCount(secret)).toBe(2);
    // The record is left as it was: it expires in its own 24 hours.
    expect(await storedFingerprint(keyId, 'legacy')).toEqual([legacy]);
  });
});

describe('the fingerprint key', () => {
  it('is derived once per isolate, and not without the secret', () => {
    expect(fingerprintKey(env.KEY_HMAC_SECRET)).toBe(fingerprintKey(env.KEY_HMAC_SECRET));
    // As key ids: the configuration guard answers CONFIGURATION_ERROR first.
    expect(() => fingerprintKey('')).toThrow('KEY_HMAC_SECRET is not set');
  });
});
