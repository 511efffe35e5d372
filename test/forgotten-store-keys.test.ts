import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { VAULT_MIGRATIONS } from '../src/durable/warm-tier/vault-schema';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { runAlarm } from './helpers/alarms';
import { newKey, post } from './helpers/graphql';
import { snapshotKeys, writeMetaBeneath } from './helpers/vaults';

/**
 * "Deletes for good" holds for idempotency keys too: once a memory is
 * deleted (deleteMemory, deleteMemories, clearVault, an EPHEMERAL expiry) or
 * its content edited, nothing a key keeps in the vault's SQLite holds its
 * text or metadata, yet a retry of the keyed store still replays the first
 * answer (from its own inputs) and stores and bills nothing. Through GraphQL
 * against real vault objects, reading their SQLite afterwards.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!, $key: String) {
    storeMemories(inputs: $inputs, idempotencyKey: $key) {
      id
      content
      role
      metadata
      createdAt
      tokens
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

type Stored = {
  id: string;
  content: string;
  role: string;
  metadata: unknown;
  createdAt: string;
  tokens: number;
};

/** Words only these inputs contain, so finding one anywhere is finding them. */
const PRIVATE = ['4711', 'pin-number', 'Zanzibar'];
const inputsIn = (vault?: object) => [
  { vault, content: 'my bank card pin is 4711', metadata: { topic: 'pin-number' } },
  { vault, content: 'we honeymoon in Zanzibar', role: 'ASSISTANT' },
];

function vaultObject(address: VaultAddress) {
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
}

/** Every row the vault's idempotency tables hold, as text. */
function keptRows(address: VaultAddress) {
  return runInDurableObject(vaultObject(address), (_, state) => ({
    keys: state.storage.sql.exec('SELECT * FROM store_keys').toArray().length,
    records: JSON.stringify(state.storage.sql.exec('SELECT * FROM store_key_records').toArray()),
    recordCount: state.storage.sql.exec('SELECT * FROM store_key_records').toArray().length,
  }));
}

async function expectNoTrace(address: VaultAddress, records: number) {
  const kept = await keptRows(address);
  // The key and one row per memory are still there, for the replay.
  expect(kept.keys).toBe(1);
  expect(kept.recordCount).toBe(records);
  for (const word of PRIVATE) expect(kept.records).not.toContain(word);
}

async function store(secret: string, inputs: object[], key: string) {
  const result = await post<{ storeMemories: Stored[] }>(STORE, { inputs, key }, secret);
  expect(result.errors).toBeUndefined();
  return result.data!.storeMemories;
}

async function memoryCount(secret: string, selector: object) {
  const result = await post<{ vault: { memoryCount: number } | null }>(COUNT, { selector }, secret);
  return result.data?.vault?.memoryCount ?? 0;
}

/**
 * The retry answers the first call exactly, names `deleted` in
 * `deletedSince`, bills and stores nothing; other inputs under the key are
 * still refused.
 */
async function expectReplay(
  secret: string,
  inputs: object[],
  key: string,
  first: Stored[],
  deleted: string[],
) {
  const replay = await post<{ storeMemories: Stored[] }>(STORE, { inputs, key }, secret);
  expect(replay.errors).toBeUndefined();
  expect(replay.data!.storeMemories).toEqual(first);
  expect(replay.extensions?.memory).toMatchObject({
    memoryTokens: 0,
    replay: { deletedSince: deleted },
  });
  const other = await post(
    STORE,
    { inputs: [{ ...inputs[0], content: 'something else' }], key },
    secret,
  );
  expect(other.errors?.[0]?.extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
}

describe('idempotency keys keep nothing of deleted memories', () => {
  it('after deleteMemory, and no snapshot carries it either', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const inputs = inputsIn();
    const first = await store(secret, inputs, 'forget-one');
    expect(first[0]!.metadata).toEqual({ topic: 'pin-number' });
    expect(first[1]!.role).toBe('ASSISTANT');
    const gone = await post(
      `mutation($id: ID!) { deleteMemory(id: $id) }`,
      { id: first[0]!.id },
      secret,
    );
    expect(gone.data).toEqual({ deleteMemory: true });

    await expectNoTrace(address, 2);
    // A snapshot taken now holds the memory that is left, nothing of the deleted one.
    await runAlarm(vaultObject(address), (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) => {
        sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
        sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
      }),
    );
    const snapshots = await snapshotKeys(address);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const name of snapshots) {
      const text = await (await env.SNAPSHOTS.get(name))!.text();
      expect(text).toContain('Zanzibar');
      expect(text).not.toContain('4711');
      expect(text).not.toContain('pin-number');
    }

    await expectReplay(secret, inputs, 'forget-one', first, [first[0]!.id]);
    expect(await memoryCount(secret, { kind: 'CORE' })).toBe(1);
  });

  it('after deleteMemories', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'SESSION', keyId, externalId: 'forget-many' };
    const inputs = inputsIn({ kind: 'SESSION', id: 'forget-many' });
    const first = await store(secret, inputs, 'forget-many');
    const ids = first.map(({ id }) => id);
    const gone = await post(
      `mutation($ids: [ID!]!) { deleteMemories(ids: $ids) { count } }`,
      { ids },
      secret,
    );
    expect(gone.data).toEqual({ deleteMemories: { count: 2 } });

    await expectNoTrace(address, 2);
    await expectReplay(secret, inputs, 'forget-many', first, ids);
    expect(await memoryCount(secret, { kind: 'SESSION', id: 'forget-many' })).toBe(0);
  });

  it('after clearVault', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const inputs = inputsIn();
    const first = await store(secret, inputs, 'forget-clear');
    const cleared = await post(`mutation { clearVault(selector: { kind: CORE }) }`, {}, secret);
    expect(cleared.data).toEqual({ clearVault: 2 });

    await expectNoTrace(address, 2);
    await expectReplay(
      secret,
      inputs,
      'forget-clear',
      first,
      first.map(({ id }) => id),
    );
    expect(await memoryCount(secret, { kind: 'CORE' })).toBe(0);
  });

  it('after an EPHEMERAL vault expired', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'EPHEMERAL', keyId, externalId: 'forget-expired' };
    const vault = { kind: 'EPHEMERAL', id: 'forget-expired' };
    const inputs = inputsIn(vault);
    const first = await store(secret, inputs, 'forget-expiry');
    await runInDurableObject(vaultObject(address), async (object, state) => {
      writeMetaBeneath(object, state, ({ meta }) => meta.update({ expiresAt: Date.now() - 1 }));
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(vaultObject(address))).toBe(true);
    expect(await memoryCount(secret, vault)).toBe(0);

    await expectNoTrace(address, 2);
    await expectReplay(
      secret,
      inputs,
      'forget-expiry',
      first,
      first.map(({ id }) => id),
    );
    expect(await memoryCount(secret, vault)).toBe(0);
  });

  it('after an edit replaced the content, the old text is not kept', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const inputs = inputsIn();
    const first = await store(secret, inputs, 'forget-edit');
    const edited = await post(
      `mutation($input: UpdateMemoryInput!) { updateMemory(input: $input) { content } }`,
      { input: { id: first[0]!.id, content: 'a card pin is never written down', metadata: null } },
      secret,
    );
    expect(edited.errors).toBeUndefined();

    await expectNoTrace(address, 2);
    // The retry is answered as first stored, from its own inputs; nothing was deleted.
    await expectReplay(secret, inputs, 'forget-edit', first, []);
    expect(await memoryCount(secret, { kind: 'CORE' })).toBe(2);
  });

  it('drops the text a vault of the previous schema kept in its keys', async () => {
    const { secret, keyId } = await newKey();
    const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const inputs = inputsIn();
    const first = await store(secret, inputs, 'forget-migrated');
    const ids = first.map(({ id }) => id);
    const previous = VAULT_MIGRATIONS.find(({ version }) => version === 14)!.version - 1;
    await runInDurableObject(vaultObject(address), (object, state) => {
      const exec = (query: string, ...values: (string | number)[]) =>
        state.storage.sql.exec(query, ...values);
      const localIds = exec('SELECT id FROM store_key_records ORDER BY position')
        .toArray()
        .map(({ id }) => String(id));
      // The table as schema 13 wrote it: each memory's whole record, as JSON.
      exec('DROP TABLE store_key_records');
      exec(`CREATE TABLE store_key_records (
        key TEXT NOT NULL, position INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (key, position)) WITHOUT ROWID`);
      first.forEach((memory, position) =>
        exec(
          'INSERT INTO store_key_records (key, position, record) VALUES (?, ?, ?)',
          'forget-migrated',
          position,
          JSON.stringify({
            id: localIds[position],
            content: memory.content,
            role: memory.role,
            metadata: memory.metadata === null ? null : JSON.stringify(memory.metadata),
            createdAt: Date.parse(memory.createdAt),
            tokens: memory.tokens,
          }),
        ),
      );
      // Nor schema 15's export views.
      for (const trigger of ['delete', 'update']) exec(`DROP TRIGGER memories_export_${trigger}`);
      exec('DROP TABLE export_preimages');
      exec('DROP TABLE open_exports');
      // Nor schema 16's voices on the text pages.
      exec('ALTER TABLE text_pages DROP COLUMN voices');
      // Nor schema 17's text digests.
      exec('DROP INDEX memories_by_content_key');
      exec('ALTER TABLE memories DROP COLUMN content_key');
      // eslint-disable-next-line no-restricted-syntax -- the schema version alone, read by migrate()
      exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", previous);
      (object as unknown as { life: { wake(): void } }).life.wake();
    });
    await post(`mutation($id: ID!) { deleteMemory(id: $id) }`, { id: ids[0] }, secret);

    await expectNoTrace(address, 2);
    await expectReplay(secret, inputs, 'forget-migrated', first, [ids[0]!]);
  });
});
