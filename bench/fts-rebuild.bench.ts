/**
 * What a full-text index rebuild (vault migration 26: words keep their
 * combining marks, a new tokenizer, so a new index) costs a vault's
 * start-up, which runs in the constructor's blockConcurrencyWhile (the
 * platform resets an object whose start-up passes 30 s), and what its
 * slices cost the alarm afterwards (full-text-index.ts).
 *
 * A vault of N memories is built as version 25 left it (the `porter
 * unicode61` index over content, `fts_text` only for CJK), then:
 * - "in slices": the migration's statements and step in one transaction,
 *   as migrate() runs them (a vault over REBUILD_AT_ONCE_ROWS starts a
 *   rebuild in slices), then every slice in its own transaction, as the
 *   alarm runs them (the time of the longest and of them all);
 * - "at once": set back to version 25 again, the whole rebuild in one
 *   transaction, as the migration did before (and still does for a small
 *   vault).
 * Two kinds of text: LoCoMo's turns (English chat, as "<speaker>: <text>";
 * a few hold a non-ASCII character) and the same turns each followed by a
 * sentence in Hindi, Greek, Arabic or Vietnamese (every memory re-folded in
 * JavaScript: the most work per row). One run per size and text: the
 * migration runs once in a vault's life.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { Sql } from '../src/durable/sqlite/sql';
import { VAULT_MIGRATIONS } from '../src/durable/warm-tier/vault-schema';
import { rebuildFullTextIndex, rebuildSlice } from '../src/durable/warm-tier/full-text-index';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import type {} from './recall/provided';
import { DROP_FULL_TEXT_INDEX, FULL_TEXT_INDEX_BEFORE_26 } from '../test/helpers/full-text-history';

const SIZES = [100_000];
const FOREIGN = [
  'मुझे दिल्ली में चाय पीना पसंद है',
  'ο Γιάννης πήγε στην αγορά της Κυριακής',
  'كَتَبَ الطَّالِبُ الدَّرْسَ',
  'Tôi thích ăn phở ở Hà Nội',
];

it('migration 26: the full-text index rebuilt at 100,000 memories, in slices and at once', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) {
    console.log('fts rebuild bench skipped: no LoCoMo-format file (LOCOMO_FILE)');
    return;
  }
  const turns = conversations
    .flatMap((conversation) => conversation.turns)
    .map((turn) => `${turn.speaker}: ${turn.text}`);
  const migration = VAULT_MIGRATIONS.find((step) => step.version === 26)!;
  const lines: string[] = [];
  for (const foreign of [false, true]) {
    for (const size of SIZES) {
      const address: VaultAddress = {
        kind: 'SESSION',
        keyId: 'bench',
        externalId: `fts-rebuild-${size}-${foreign}`,
      };
      const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
      const figures = await runInDurableObject(stub, (_, state) => {
        const sql = new Sql(state.storage.sql);
        for (const statement of [...DROP_FULL_TEXT_INDEX, ...FULL_TEXT_INDEX_BEFORE_26])
          sql.run(statement);
        // Rows in pages of 1,000 statements' worth, as version 25 indexed them.
        const base = Date.UTC(2026, 0, 1);
        for (let from = 0; from < size; from += 1000) {
          const rows: string[] = [];
          for (let at = from; at < Math.min(size, from + 1000); at++) {
            const turn = turns[at % turns.length]!;
            rows.push(foreign ? `${turn} ${FOREIGN[at % FOREIGN.length]} ${at}` : turn);
          }
          state.storage.transactionSync(() => {
            rows.forEach((content, index) =>
              sql.run(
                `INSERT INTO memories (id, content, role, created_at, tokens, embedding)
                 VALUES (?, ?, 'user', ?, 20, x'00')`,
                `m${from + index}`,
                content,
                base + (from + index) * 60_000,
              ),
            );
          });
        }
        const nonAscii = sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM memories WHERE length(content) <> length(CAST(content AS BLOB))',
        )!.n;
        const setBack = () => {
          for (const statement of [
            ...DROP_FULL_TEXT_INDEX,
            'UPDATE memories SET fts_text = NULL',
            ...FULL_TEXT_INDEX_BEFORE_26,
            'INSERT INTO memories_fts (rowid, content) SELECT seq, content FROM memories',
          ])
            sql.run(statement);
        };
        // In slices: the start-up's part, then the alarm's slices.
        let started = performance.now();
        state.storage.transactionSync(() => {
          for (const statement of migration.statements) sql.run(statement);
          migration.run!(sql);
        });
        const startup = performance.now() - started;
        let slices = 0;
        let longest = 0;
        const slicesStarted = performance.now();
        for (;;) {
          const sliceStarted = performance.now();
          const { done } = state.storage.transactionSync(() => rebuildSlice(sql));
          longest = Math.max(longest, performance.now() - sliceStarted);
          slices++;
          if (done) break;
        }
        const allSlices = performance.now() - slicesStarted;
        const folded = sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM memories WHERE fts_text IS NOT NULL',
        )!.n;
        // At once, as before: the whole rebuild in the start-up's transaction.
        state.storage.transactionSync(setBack);
        started = performance.now();
        state.storage.transactionSync(() => rebuildFullTextIndex(sql, 1_000_000));
        const atOnce = performance.now() - started;
        return {
          startup,
          slices,
          longest,
          allSlices,
          atOnce,
          nonAscii,
          folded,
          bytes: sql.databaseSize,
        };
      });
      lines.push(
        `${foreign ? 'LoCoMo + foreign sentence' : 'LoCoMo turns'} ${size.toLocaleString('en')}: ` +
          `start-up ${figures.startup.toFixed(0)} ms in slices (then ${figures.slices} slices, ` +
          `longest ${figures.longest.toFixed(0)} ms, all ${figures.allSlices.toFixed(0)} ms) vs ` +
          `${figures.atOnce.toFixed(0)} ms at once (non-ASCII rows ${figures.nonAscii}, fts_text after ${figures.folded}, ` +
          `database ${(figures.bytes / 1e6).toFixed(1)} MB)`,
      );
      console.log(lines.at(-1));
    }
  }
  console.log(`\nmigration 26, one run each:\n${lines.join('\n')}`);
});
