import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Sql } from '../src/durable/sqlite/sql';
import { rebuildFullTextIndex } from '../src/durable/warm-tier/full-text-index';
import type { VaultObject } from '../src/durable/vault/vault-object';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { DeleteMemoryDocument, SearchDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';
import { writeMetaBeneath } from './helpers/vaults';
import { DROP_FULL_TEXT_INDEX, FULL_TEXT_INDEX_BEFORE_26 } from './helpers/full-text-history';

/**
 * A full-text index rebuilt in slices (full-text-index.ts): the vault
 * answers from the old index, unchanged, until the last slice swaps in the
 * new one, and then as a vault rebuilt at once; writes and deletes made
 * meanwhile are in both; an eviction mid-way resumes at the cursor.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

const HINDI = 'मुझे दिल्ली में चाय पीना पसंद है';
const GREEK = 'ο Γιάννης πήγε στην αγορά της Κυριακής';
const VIETNAMESE = 'Tôi thích ăn phở ở Hà Nội';
const ARABIC = 'كَتَبَ الطَّالِبُ الدَّرْسَ';
const MEMORIES = [
  HINDI,
  'I live in Paris and drink green tea',
  GREEK,
  'My sister Anna moved to Berlin last spring',
  VIETNAMESE,
  'We adopted a cat called Miso from the shelter',
  ARABIC,
  'Anna and I drink tea in Paris every spring',
  'The quarterly report for Berlin is due on Friday',
  'मुझे दिल्ली की सर्दी पसंद है and the tea in Paris',
];
/** Words of ASCII memories: the old index and the new hold the same terms for them. */
const ASCII_QUERIES = ['Paris', 'tea spring', 'Anna Berlin', 'Miso'];
/** Words the new index finds and the old one did not (or ranked otherwise). */
const OTHER_QUERIES = ['दिल्ली', 'पसंद', 'αγορά', 'phở', 'كتب'];
const WRITTEN_MEANWHILE = ['हम कल चेन्नई जाएंगे', 'Anna flies to Paris on Friday'];
const LATER_QUERIES = ['चेन्नई', 'flies'];

async function storeApart(key: Key, contents: readonly string[], from: number) {
  const { storeMemories } = await key.api.request(StoreMemoriesDocument, {
    inputs: contents.map((content, index) => ({
      content,
      createdAt: new Date(from - (index + 1) * 2 * 3_600_000).toISOString(),
    })),
  });
  return storeMemories.map((memory) => memory.id);
}

/** The contents a search finds, best first (the order is the answer; times differ by ms between vaults). */
async function answers(key: Key, query: string, mode: 'TEXT' | 'HYBRID') {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode,
      windows: [
        { window: 'HOT', limit: 10 },
        { window: 'WORKING', limit: 10 },
      ],
    },
  });
  return search.hits
    .map((hit) => ({ content: hit.memory.content, score: hit.score }))
    .sort((a, b) => b.score - a.score)
    .map((hit) => hit.content);
}

async function allAnswers(key: Key, queries: readonly string[]) {
  const out: Record<string, string[]> = {};
  for (const query of queries)
    for (const mode of ['TEXT', 'HYBRID'] as const)
      out[`${mode} ${query}`] = await answers(key, query, mode);
  return out;
}

const vaultOf = (key: Key) => {
  const address: VaultAddress = { kind: 'CORE', keyId: key.keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
};

/** Sets the vault's index back to the one before version 26 (old tokenizer, `fts_text` for CJK only). */
async function setBackToOldIndex(key: Key) {
  await runInDurableObject(vaultOf(key), (object: VaultObject, state) => {
    const exec = (query: string) => state.storage.sql.exec(query);
    for (const statement of DROP_FULL_TEXT_INDEX) exec(statement);
    exec('UPDATE memories SET fts_text = NULL');
    for (const statement of FULL_TEXT_INDEX_BEFORE_26) exec(statement);
    exec(`INSERT INTO memories_fts (rowid, content) SELECT seq, content FROM memories`);
    (object as unknown as { life: { wake(): void } }).life.wake();
  });
}

/** When the test lets the alarm run slices: not during the test. */
const LATER = Date.now() + 86_400_000;

type Upkeep = {
  upkeep: { rebuildText(slices: number, rows: number): boolean };
  meta: {
    current(): { ftsRebuildDueAt: number | null };
    set(field: 'ftsRebuildDueAt', value: number): void;
  };
};

describe('a full-text index rebuilt in slices', () => {
  it('answers as before until the swap, then as a vault rebuilt at once, through writes, deletes and an eviction', async () => {
    const now = Date.now();
    const [atOnce, sliced, before] = [await newKey(), await newKey(), await newKey()];
    const ids = new Map<Key, string[]>();
    for (const key of [atOnce, sliced, before]) {
      ids.set(key, await storeApart(key, MEMORIES, now));
      await setBackToOldIndex(key);
    }
    // The vault rebuilt at once (a small vault's migration) and the one in slices.
    await runInDurableObject(vaultOf(atOnce), (object: VaultObject, state) => {
      state.storage.transactionSync(() => rebuildFullTextIndex(new Sql(state.storage.sql)));
      (object as unknown as { life: { wake(): void } }).life.wake();
    });
    const startedAlarm = await runInDurableObject(
      vaultOf(sliced),
      async (object: VaultObject, state) => {
        state.storage.transactionSync(() => rebuildFullTextIndex(new Sql(state.storage.sql), 0));
        // The test runs the slices itself, one at a time: the alarm is kept for later.
        return writeMetaBeneath(object, state, ({ meta }) => {
          const due = meta.get('ftsRebuildDueAt');
          meta.set('ftsRebuildDueAt', LATER);
          return due;
        });
      },
    );
    expect(startedAlarm).toBeGreaterThanOrEqual(now);
    const queries = [...ASCII_QUERIES, ...OTHER_QUERIES, ...LATER_QUERIES];
    const migrated = await allAnswers(atOnce, queries);
    // The new index finds what the old missed (the rebuild is not a no-op).
    expect(migrated['TEXT दिल्ली']).toEqual(expect.arrayContaining([HINDI]));
    const unmigrated = await allAnswers(before, queries);
    expect(unmigrated['TEXT दिल्ली']).toEqual([]);

    const slice = (rows: number) =>
      runInDurableObject(vaultOf(sliced), async (object: VaultObject, state) => {
        const { upkeep, meta } = object as unknown as Upkeep;
        const done = upkeep.rebuildText(1, rows);
        const due = meta.current().ftsRebuildDueAt;
        if (!done) meta.set('ftsRebuildDueAt', LATER);
        const cursor = done
          ? null
          : state.storage.sql.exec<{ cursor: number }>('SELECT cursor FROM fts_rebuild').one()
              .cursor;
        return { done, cursor, due };
      });
    const steps: { done: boolean; cursor: number | null; due: number | null }[] = [];
    let [expected, old] = [migrated, unmigrated];
    for (let step = 0; ; step++) {
      if (step === 1) {
        // Writes and a delete mid-way, in every vault alike.
        for (const key of [atOnce, sliced, before]) {
          await storeApart(key, WRITTEN_MEANWHILE, now + 60_000);
          await key.api.request(DeleteMemoryDocument, { id: ids.get(key)![2]! });
          await key.api.request(DeleteMemoryDocument, { id: ids.get(key)![7]! });
        }
        [expected, old] = [await allAnswers(atOnce, queries), await allAnswers(before, queries)];
      }
      if (step === 2) {
        // Nothing else planned and no alarm set: only the rebuild can arm it on waking.
        await runInDurableObject(vaultOf(sliced), async (object, state) => {
          writeMetaBeneath(object, state, ({ meta }) =>
            meta.update({ snapshotDueAt: null, checkpointDueAt: null, usageDueAt: null }),
          );
          await state.storage.deleteAlarm();
        });
        await evictDurableObject(vaultOf(sliced));
        // Woken again, the vault plans the rebuild's next slices on its alarm.
        const alarm = await runInDurableObject(vaultOf(sliced), (_, state) =>
          state.storage.getAlarm(),
        );
        expect(alarm).toBe(LATER);
      }
      const { done, ...at } = await slice(4);
      steps.push({ done, ...at });
      const found = await allAnswers(sliced, queries);
      if (!done) {
        // Every answer is the old index's, and ASCII words answer as migrated.
        expect(found).toEqual(old);
        for (const query of ASCII_QUERIES)
          for (const mode of ['TEXT', 'HYBRID'])
            expect(found[`${mode} ${query}`], `${mode} ${query}`).toEqual(
              expected[`${mode} ${query}`],
            );
      } else {
        expect(found).toEqual(expected);
        break;
      }
    }
    // Four rows a slice: the first stops at the fourth memory; the second, after the third
    // and eighth went, at the ninth; the third swaps.
    // Each slice but the last asks the alarm for the next one at once.
    expect(steps.map((step) => [step.done, step.cursor, step.due !== null])).toEqual([
      [false, 4, true],
      [false, 9, true],
      [true, null, false],
    ]);
    // Once swapped, later writes are indexed and found by the one index.
    await storeApart(sliced, ['हम परसों मुंबई जाएंगे'], now + 120_000);
    expect(await answers(sliced, 'मुंबई', 'TEXT')).toEqual(['हम परसों मुंबई जाएंगे']);
    const left = await runInDurableObject(vaultOf(sliced), (_, state) =>
      state.storage.sql
        .exec<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE name LIKE 'fts_%' OR name LIKE 'memories_fts_next%'
           UNION SELECT key FROM meta WHERE key = 'fts_rebuild_due_at'`,
        )
        .toArray()
        .map((row) => row.name),
    );
    expect(left).toEqual([]);
  }, 180_000);
});
