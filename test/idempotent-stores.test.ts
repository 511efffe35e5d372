import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { USAGE_SHARDS, usageShardStub } from '../src/durable/rpc/stubs';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { UsageDocument } from './generated/graphql';
import { runAlarm } from './helpers/alarms';
import { newKey, post } from './helpers/graphql';
import { writeMetaBeneath } from './helpers/vaults';
import apiPage from '../docs/api.md?raw';

/**
 * `storeMemories(idempotencyKey:)`: a retry of the same call answers the
 * first result again and stores and bills nothing; the same key with other
 * inputs is refused.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!, $key: String) {
    storeMemories(inputs: $inputs, idempotencyKey: $key) {
      id
      content
      createdAt
    }
  }
`;
const STORE_ONE = /* GraphQL */ `
  mutation StoreOne($input: StoreMemoryInput!, $key: String) {
    storeMemory(input: $input, idempotencyKey: $key) {
      id
    }
  }
`;
const COUNT = /* GraphQL */ `
  query Count($selector: VaultSelector!) {
    vault(selector: $selector) {
      memoryCount
    }
  }
`;

type Stored = { storeMemories: { id: string; content: string; createdAt: string }[] };

const core: VaultAddress['kind'] = 'CORE';

async function memoryCount(secret: string, selector: object = { kind: core }) {
  const result = await post<{ vault: { memoryCount: number } | null }>(COUNT, { selector }, secret);
  return result.data?.vault?.memoryCount ?? 0;
}

/** The usage the account's ledger holds once the vault and shards handed theirs over. */
async function ledgerTokens(accountId: string, keyId: string, secret: string) {
  for (let shard = 0; shard < USAGE_SHARDS; shard++)
    await runDurableObjectAlarm(usageShardStub(env, accountId, shard));
  const address: VaultAddress = { kind: core, keyId, externalId: null };
  await runAlarm(env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))), (state, object) =>
    writeMetaBeneath(object, state, ({ sql }) =>
      sql.exec("UPDATE meta SET value = '0' WHERE key = 'usage_due_at'"),
    ),
  );
  const usage = await post<{ usage: { memoryTokens: number } }>(UsageDocument, {}, secret);
  return usage.data!.usage.memoryTokens;
}

const inputs = [
  { content: 'the ferry leaves at nine' },
  { content: 'bring the blue umbrella', metadata: { topic: 'weather' } },
];

describe('storeMemories with an idempotency key', () => {
  it('answers a retried batch of 100 with the same records in the same order', async () => {
    const { secret } = await newKey();
    const batch = Array.from({ length: 100 }, (_, index) => ({
      content: `batch memory ${index}: the ferry leaves at ${index % 12} o'clock`,
    }));
    const first = await post<Stored>(STORE, { inputs: batch, key: 'batch-100' }, secret);
    expect(first.errors).toBeUndefined();
    const again = await post<Stored>(STORE, { inputs: batch, key: 'batch-100' }, secret);
    expect(again.errors).toBeUndefined();
    expect(again.data!.storeMemories).toEqual(first.data!.storeMemories);
    expect(again.data!.storeMemories.map(({ content }) => content)).toEqual(
      batch.map(({ content }) => content),
    );
    expect(await memoryCount(secret)).toBe(100);
  });

  it('answers a retry with the first result, and stores and bills it once', async () => {
    const { secret, accountId, keyId } = await newKey();
    const first = await post<Stored>(STORE, { inputs, key: 'retry-1' }, secret);
    expect(first.errors).toBeUndefined();
    const firstTokens = (first.extensions?.memory as { memoryTokens: number }).memoryTokens;
    expect(firstTokens).toBeGreaterThan(0);
    const again = await post<Stored>(STORE, { inputs, key: 'retry-1' }, secret);
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect((again.extensions?.memory as { memoryTokens: number }).memoryTokens).toBe(0);
    expect(await memoryCount(secret)).toBe(2);
    expect(await ledgerTokens(accountId, keyId, secret)).toBe(firstTokens);
    // Without a key, the same inputs are new memories.
    await post<Stored>(STORE, { inputs }, secret);
    expect(await memoryCount(secret)).toBe(4);
  });

  it('refuses the same key with other inputs, and stores nothing', async () => {
    const { secret } = await newKey();
    await post<Stored>(STORE, { inputs, key: 'reused' }, secret);
    const other = await post<Stored>(
      STORE,
      { inputs: [{ content: 'something else entirely' }], key: 'reused' },
      secret,
    );
    expect(other.data ?? null).toBeNull();
    expect(other.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await memoryCount(secret)).toBe(2);
  });

  it('keeps keys apart between accounts', async () => {
    const one = await newKey();
    const two = await newKey();
    const a = await post<Stored>(STORE, { inputs, key: 'shared-key' }, one.secret);
    const b = await post<Stored>(STORE, { inputs, key: 'shared-key' }, two.secret);
    expect(b.errors).toBeUndefined();
    expect(b.data!.storeMemories.map((m) => m.id)).not.toEqual(
      a.data!.storeMemories.map((m) => m.id),
    );
    expect(await memoryCount(two.secret)).toBe(2);
  });

  it('stores concurrent duplicates once', async () => {
    const { secret } = await newKey();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => post<Stored>(STORE, { inputs, key: 'race' }, secret)),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    const ids = new Set(results.map((result) => JSON.stringify(result.data)));
    expect(ids.size).toBe(1);
    expect(await memoryCount(secret)).toBe(2);
  });

  it('works for storeMemory, in a session vault', async () => {
    const { secret } = await newKey();
    const input = { content: 'one memory', vault: { kind: 'SESSION', id: 's1' } };
    const first = await post<{ storeMemory: { id: string } }>(
      STORE_ONE,
      { input, key: 'single' },
      secret,
    );
    const again = await post<{ storeMemory: { id: string } }>(
      STORE_ONE,
      { input, key: 'single' },
      secret,
    );
    expect(again.data).toEqual(first.data);
    expect(await memoryCount(secret, { kind: 'SESSION', id: 's1' })).toBe(1);
  });

  it('refuses a key on a batch over several vaults, and a malformed key, storing nothing', async () => {
    const { secret } = await newKey();
    const spread = await post<Stored>(
      STORE,
      {
        inputs: [
          { content: 'in core' },
          { content: 'in a session', vault: { kind: 'SESSION', id: 'elsewhere' } },
        ],
        key: 'spread',
      },
      secret,
    );
    expect(spread.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'IDEMPOTENCY_ONE_VAULT',
    });
    for (const key of ['', 'x'.repeat(256), 'tab\there']) {
      const bad = await post<Stored>(STORE, { inputs, key }, secret);
      expect(bad.errors?.[0]?.extensions, JSON.stringify(key)).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_IDEMPOTENCY_KEY',
      });
    }
    expect(await memoryCount(secret)).toBe(0);
    expect(await memoryCount(secret, { kind: 'SESSION', id: 'elsewhere' })).toBe(0);
  });

  it('forgets a key after 24 hours: the same call then stores again', async () => {
    const { secret, keyId } = await newKey();
    const first = await post<Stored>(STORE, { inputs, key: 'old-key' }, secret);
    const address: VaultAddress = { kind: core, keyId, externalId: null };
    const vault = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    // The key's record as if it were written 24 hours and a second ago.
    await runInDurableObject(vault, (_, state) => {
      state.storage.sql.exec('UPDATE store_keys SET at = at - ?', 24 * 3_600_000 + 1_000);
    });
    const later = await post<Stored>(STORE, { inputs, key: 'old-key' }, secret);
    expect(later.errors).toBeUndefined();
    expect(later.data!.storeMemories[0]!.id).not.toBe(first.data!.storeMemories[0]!.id);
    expect(await memoryCount(secret)).toBe(4);
  });
});

describe("README's idempotent stores", () => {
  it('name every reason the idempotency path answers, IDEMPOTENCY_KEY_EXPIRED included', () => {
    // Every reason the code gives an idempotency refusal: the strings that
    // name it (the vault's, the resolvers' and the key check's).
    const sources = import.meta.glob('../src/**/*.ts', {
      query: '?raw',
      import: 'default',
      eager: true,
    });
    const reasons = new Set(
      Object.values(sources).flatMap((text) =>
        [...text.matchAll(/'([A-Z_]*IDEMPOTEN[A-Z_]*)'/g)].map((match) => match[1]!),
      ),
    );
    expect([...reasons]).toEqual(
      expect.arrayContaining([
        'IDEMPOTENCY_KEY_EXPIRED',
        'IDEMPOTENCY_KEY_REUSED',
        'IDEMPOTENCY_ONE_VAULT',
        'INVALID_IDEMPOTENCY_KEY',
      ]),
    );
    const section = apiPage.slice(apiPage.indexOf('To make a retry safe'));
    const paragraphs = section.slice(0, section.indexOf('\n\n'));
    for (const reason of reasons) expect(paragraphs, reason).toContain(`\`${reason}\``);
    // And the list of reasons under "Errors" points there.
    const errors = apiPage.slice(apiPage.indexOf('\n## Errors\n'));
    const list = errors.slice(0, errors.indexOf('\n## ', 1));
    for (const reason of reasons) expect(list, reason).toContain(`\`${reason}\``);
  });
});
