/**
 * In-object cost of ranking one window, before and after issue 10, measured
 * on the same vault and questions in the same run (this machine is shared, so
 * only ratios within one run mean much).
 *
 * "Before" is the ranking this project shipped until then, kept here as the
 * reference: an FTS5 query OR-ing the query's non-stopword terms, ranked by
 * the built-in bm25() (k1 1.2, b 0.75), top 10, then hydrated. "After" is the
 * vault's own window search in TEXT and HYBRID mode, hydration included.
 */
import { runInDurableObject } from 'cloudflare:test';
import { eng } from 'stopword';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import type { Sql } from '../../src/durable/sqlite/sql';
import type { TextTimeline } from '../../src/durable/full-text/text-timeline';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import type { VaultQueries } from '../../src/durable/queries/vault-queries';
import type { SearchRequest, WindowSearch } from '../../src/durable/rpc/vault-types';
import type { VectorIndex } from '../../src/durable/hot-tier/vector-index';

interface Internals {
  sql: Sql;
  queries: VaultQueries & { text: { reset(): void } };
  index: VectorIndex | null;
  timeline: TextTimeline | null;
  loadIndex(): void;
  reads: { searchWindow(request: SearchRequest, window: WindowSearch): unknown };
}

const STOPWORDS = new Set(eng);
function legacyFtsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((word) => !STOPWORDS.has(word));
  const terms = (content.length > 0 ? content : words).slice(0, 32);
  return terms.length === 0 ? null : terms.map((word) => `"${word}"`).join(' OR ');
}

export interface RankingCost {
  /** Mean ms per window search, median over rounds. */
  legacyText: number;
  text: number;
  hybrid: number;
  /** TEXT with the postings cache emptied before every search. */
  textUncached: number;
}

const ROUNDS = 7;

export async function rankingCost(
  stub: DurableObjectStub<VaultObject>,
  questions: { text: string; vector: Float32Array }[],
  model: string,
  until: number,
): Promise<RankingCost> {
  return runInDurableObject(stub, (instance: VaultObject) => {
    const vault = instance as unknown as Internals;
    const window: WindowSearch = { window: 'ARCHIVE', after: null, until, limit: 10 };
    const request = (text: string, vector: Float32Array, mode: 'TEXT' | 'HYBRID') => ({
      text,
      vector,
      model,
      mode,
      windows: [window],
      metadata: null,
      vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
    });
    const legacy = (text: string) => {
      const match = legacyFtsQuery(text);
      if (match === null) return;
      const rows = vault.sql.all<{ id: string; rank: number }>(
        `SELECT m.id AS id, bm25(memories_fts) AS rank
         FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
         WHERE memories_fts MATCH ? AND m.created_at <= ?
         ORDER BY rank, m.created_at DESC LIMIT ?`,
        match,
        until,
        10,
      );
      vault.queries.hydrate(rows.map((row) => row.id));
    };
    const time = (run: (question: { text: string; vector: Float32Array }) => void) => {
      const rounds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        for (const question of questions) run(question);
        rounds.push((performance.now() - started) / questions.length);
      }
      return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
    };
    // Warm: the index, the timeline and SQLite's page cache.
    for (const question of questions.slice(0, 20)) {
      legacy(question.text);
      vault.reads.searchWindow(request(question.text, question.vector, 'HYBRID'), window);
    }
    return {
      legacyText: time((question) => legacy(question.text)),
      text: time((question) =>
        vault.reads.searchWindow(request(question.text, question.vector, 'TEXT'), window),
      ),
      hybrid: time((question) =>
        vault.reads.searchWindow(request(question.text, question.vector, 'HYBRID'), window),
      ),
      textUncached: time((question) => {
        vault.queries.text.reset();
        vault.reads.searchWindow(request(question.text, question.vector, 'TEXT'), window);
      }),
    };
  });
}
