import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/text/tokens';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { SearchDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';

type Key = Awaited<ReturnType<typeof newKey>>;

const MEMORIES = [
  '猫が好きです',
  '東京に住んでいます',
  '我在北京工作',
  '서울에 살아요',
  'I live in Paris',
  'iPhone用の充電器をZoëが買った',
];

/**
 * Stores the memories two hours apart: each its own conversation, so TEXT's
 * context (the turns said just before and after a match) lifts no other.
 */
async function storeApart(key: Key, contents: readonly string[]) {
  const now = Date.now();
  await key.api.request(StoreMemoriesDocument, {
    inputs: contents.map((content, index) => ({
      content,
      createdAt: new Date(now - (index + 1) * 2 * 3_600_000).toISOString(),
    })),
  });
}

async function textSearch(key: Key, query: string) {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode: 'TEXT',
      windows: [
        { window: 'HOT', limit: 10 },
        { window: 'WORKING', limit: 10 },
      ],
    },
  });
  return search.hits.map((hit) => hit.memory.content);
}

const vaultOf = (key: Key) => {
  const address: VaultAddress = { kind: 'CORE', keyId: key.keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
};

describe('TEXT search in Chinese, Japanese and Korean', () => {
  it('finds words inside runs without spaces, and only where they occur as written', async () => {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    expect(await textSearch(key, '猫')).toEqual(['猫が好きです']);
    expect(await textSearch(key, '東京')).toEqual(['東京に住んでいます']);
    expect(await textSearch(key, '東京に住んでいるのは誰?')).toEqual(['東京に住んでいます']);
    expect(await textSearch(key, '北京')).toEqual(['我在北京工作']);
    expect(await textSearch(key, '서울')).toEqual(['서울에 살아요']);
    expect(await textSearch(key, '充電器')).toEqual(['iPhone用の充電器をZoëが買った']);
    // Kyoto shares a character with Tokyo and Beijing, not a word.
    expect(await textSearch(key, '京都')).toEqual([]);
    // Latin words inside and beside them read as before.
    expect(await textSearch(key, 'iphone')).toEqual(['iPhone用の充電器をZoëが買った']);
    expect(await textSearch(key, 'zoe')).toEqual(['iPhone用の充電器をZoëが買った']);
    expect(await textSearch(key, 'Paris')).toEqual(['I live in Paris']);
  });

  it("splits text exactly as the vault's full-text index does, term for term and in order", async () => {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    const indexed = await runInDurableObject(vaultOf(key), (_, state) =>
      state.storage.sql
        .exec<{ content: string; terms: string }>(
          `SELECT m.content, (SELECT json_group_array(term) FROM
             (SELECT term FROM memories_vocab v WHERE v.doc = m.seq ORDER BY v.offset)) AS terms
           FROM memories m ORDER BY m.seq`,
        )
        .toArray(),
    );
    expect(indexed).toHaveLength(MEMORIES.length);
    for (const { content, terms } of indexed) {
      expect(JSON.parse(terms), content).toEqual(tokenize(content).map((token) => token.term));
    }
    expect(tokenize('東京に').map((token) => token.term)).toEqual([
      '東',
      '東京',
      '京',
      '京に',
      'に',
    ]);
  });

  it('re-indexes the memories a vault stored before, when it first wakes up on this version', async () => {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    expect(await textSearch(key, '東京')).toEqual(['東京に住んでいます']);
    // The vault as the previous version left it: no split text, triggers
    // indexing `content`, whole runs in the index, schema version 10.
    await runInDurableObject(vaultOf(key), (object, state) => {
      const exec = (query: string) => state.storage.sql.exec(query);
      for (const trigger of ['insert', 'delete', 'update'])
        exec(`DROP TRIGGER memories_fts_${trigger}`);
      exec('ALTER TABLE memories DROP COLUMN fts_text');
      exec(`CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`);
      exec(`CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content); END`);
      exec(`CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`);
      exec("INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')");
      // Nor the later versions' listing index and idempotency keys.
      exec('DROP INDEX memories_by_time_seq');
      exec('CREATE INDEX memories_by_time ON memories (created_at, id)');
      exec('DROP TABLE store_key_records');
      exec('DROP TABLE store_keys');
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
      exec("UPDATE meta SET value = '10' WHERE key = 'schema_version'");
      const wholeRuns = state.storage.sql
        .exec("SELECT COUNT(*) AS n FROM memories_vocab WHERE term = '東京に住んでいます'")
        .one().n;
      expect(wholeRuns).toBe(1);
      (object as unknown as { life: { wake(): void } }).life.wake();
    });
    expect(await textSearch(key, '東京')).toEqual(['東京に住んでいます']);
    expect(await textSearch(key, '猫')).toEqual(['猫が好きです']);
    expect(await textSearch(key, 'Paris')).toEqual(['I live in Paris']);
    // New memories are split as they are stored, and deleting re-indexes cleanly.
    await key.api.request(StoreMemoriesDocument, { inputs: [{ content: '京都に行きたい' }] });
    // (stored now, two hours after the newest of the others)
    expect(await textSearch(key, '京都')).toEqual(['京都に行きたい']);
  });
});
