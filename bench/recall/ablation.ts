/**
 * Recall technique by technique, on the vaults the benchmark just filled: the
 * same questions searched inside the vault object with parts of the text
 * ranking switched off (SearchRequest.textRanking), next to the ranking this
 * project shipped before (FTS5's bm25() over an OR of the query's terms, and
 * reciprocal rank fusion with k = 60 for HYBRID), kept here as the reference.
 */
import { runInDurableObject } from 'cloudflare:test';
import { eng } from 'stopword';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import type { Sql } from '../../src/durable/sqlite/sql';
import { DEFAULT_TEXT_RANKING, type TextRanking } from '../../src/durable/full-text/text-ranking';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import type {
  SearchMode,
  SearchRequest,
  WindowResult,
  WindowSearch,
} from '../../src/durable/rpc/vault-types';
import type { VectorIndex } from '../../src/durable/hot-tier/vector-index';

/** One variant: a name and, per question, the memory ids it ranks (local ids). */
export type Ranked = Map<string, string[][]>;

const NO_CONTEXT = { contextWeight: 0, contextDistance: 0 };
const FTS5_BM25 = { k1: 1.2, b: 0.75 };
/** The ranking of the first contextual release: FTS5's idf, the basic stopwords, no dates. */
const FIRST: TextRanking = {
  ...DEFAULT_TEXT_RANKING,
  idf: 'fts5',
  stopwords: 'basic',
  dayBoost: 0,
  monthBoost: 0,
};

/** The text ranking variants, each adding one technique to the one before. */
export const TEXT_VARIANTS: [string, TextRanking][] = [
  ['BM25 1.2/0.75 (as FTS5)', { ...FIRST, ...FTS5_BM25, ...NO_CONTEXT, nameBoost: 0 }],
  ['+ k1 0.6, b 0.5', { ...FIRST, ...NO_CONTEXT, nameBoost: 0 }],
  ['+ name boost 0.25', { ...FIRST, ...NO_CONTEXT }],
  ['+ context ±4, 0.5/step', { ...FIRST, contextGapMs: Infinity }],
  ['+ context ends at 30 min pauses', FIRST],
  ['+ function words as stopwords', { ...FIRST, stopwords: 'full' }],
  ['+ probabilistic idf', { ...FIRST, stopwords: 'full', idf: 'probabilistic' }],
  ['+ named days 0.5, months 0.25', DEFAULT_TEXT_RANKING],
];

/** Sensitivity of the settings around the defaults, one at a time. */
export const TEXT_SENSITIVITY: [string, Partial<TextRanking>][] = [
  ['k1 0.9', { k1: 0.9 }],
  ['b 0.3', { b: 0.3 }],
  ['b 0.75', { b: 0.75 }],
  ['name boost 0.2', { nameBoost: 0.2 }],
  ['name boost 0.35', { nameBoost: 0.35 }],
  ['context 0.4/step', { contextWeight: 0.4 }],
  ['context 0.6/step', { contextWeight: 0.6 }],
  ['context ±3', { contextDistance: 3 }],
  ['context ±6', { contextDistance: 6 }],
  ['day 0.25, month 0.1', { dayBoost: 0.25, monthBoost: 0.1 }],
  ['day 1, month 0.5', { dayBoost: 1, monthBoost: 0.5 }],
];

interface Internals {
  sql: Sql;
  index: VectorIndex | null;
  loadIndex(): void;
  reads: { searchWindow(request: SearchRequest, window: WindowSearch): WindowResult };
}

const STOPWORDS = new Set(eng);
function legacyFtsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((word) => !STOPWORDS.has(word));
  const terms = (content.length > 0 ? content : words).slice(0, 32);
  return terms.length === 0 ? null : terms.map((word) => `"${word}"`).join(' OR ');
}

export async function ablations(
  stub: DurableObjectStub<VaultObject>,
  questions: { text: string; vector: Float32Array }[],
  model: string,
  until: number,
): Promise<Ranked> {
  return runInDurableObject(stub, (instance: VaultObject) => {
    const vault = instance as unknown as Internals;
    const window: WindowSearch = { window: 'ARCHIVE', after: null, until, limit: 10 };
    const ids = (
      question: { text: string; vector: Float32Array },
      mode: SearchMode,
      textRanking?: TextRanking,
      limit = 10,
      fusion: Partial<Pick<SearchRequest, 'fusion' | 'vectorWeight'>> = {},
    ) =>
      vault.reads
        .searchWindow(
          {
            text: question.text,
            vector: question.vector,
            model,
            mode,
            windows: [{ ...window, limit }],
            metadata: null,
            ...(textRanking ? { textRanking } : {}),
            ...fusion,
            vectorWeight: fusion.vectorWeight ?? DEFAULT_HYBRID_VECTOR_WEIGHT,
          },
          { ...window, limit },
        )
        .hits.map((hit) => hit.memory.id);
    const legacyText = (text: string, limit: number) => {
      const match = legacyFtsQuery(text);
      if (match === null) return [];
      return vault.sql
        .all<{ id: string; rank: number }>(
          `SELECT m.id AS id, bm25(memories_fts) AS rank
           FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
           WHERE memories_fts MATCH ? AND m.created_at <= ?
           ORDER BY rank, m.created_at DESC LIMIT ?`,
          match,
          until,
          limit,
        )
        .map((row) => row.id);
    };
    const rrf = (lists: string[][]) => {
      const scores = new Map<string, number>();
      for (const list of lists)
        list.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + 1 / (60 + rank + 1)));
      return [...scores]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10)
        .map(([id]) => id);
    };

    const ranked: Ranked = new Map();
    const add = (name: string, lists: string[][]) => ranked.set(name, lists);
    add(
      'TEXT before: FTS5 bm25()',
      questions.map((q) => legacyText(q.text, 10)),
    );
    add(
      'HYBRID before: RRF k=60',
      questions.map((q) => rrf([ids(q, 'VECTOR', undefined, 50), legacyText(q.text, 50)])),
    );
    for (const [name, textRanking] of TEXT_VARIANTS) {
      add(
        `TEXT ${name}`,
        questions.map((q) => ids(q, 'TEXT', textRanking)),
      );
    }
    add(
      'HYBRID min-max α 0.3, first text ranking',
      questions.map((q) => ids(q, 'HYBRID', FIRST, 10, { fusion: 'MIN_MAX' })),
    );
    for (const weight of [0.1, 0.2, 0.3]) {
      add(
        `HYBRID min-max α ${weight}, text now`,
        questions.map((q) =>
          ids(q, 'HYBRID', undefined, 10, { fusion: 'MIN_MAX', vectorWeight: weight }),
        ),
      );
    }
    add(
      'HYBRID standout, first text ranking',
      questions.map((q) => ids(q, 'HYBRID', FIRST)),
    );
    for (const [name, change] of TEXT_SENSITIVITY) {
      add(
        `TEXT sensitivity: ${name}`,
        questions.map((q) => ids(q, 'TEXT', { ...DEFAULT_TEXT_RANKING, ...change })),
      );
    }
    return ranked;
  });
}
