/**
 * Study (branch recall-prf, BENCHMARKS.md "Query expansion on the text side"):
 * does expanding a query with more words lift TEXT's recall on conversations
 * it was not tuned on? Not part of `bench:recall`; run with
 *
 *   RECALL_FILE=<LoCoMo file> RECALL_INCLUDE=bench/recall/expansion.study.ts \
 *     npx vitest run --config bench/recall/vitest.config.ts
 *
 * Each conversation is stored as bench:recall stores it. Inside the vault
 * object every question is ranked by the vault's TextSearch as deployed (its
 * top 200, BM25 units, boosts included; its top ten must equal the deployed
 * TEXT search's, which the study checks) and re-ranked with expansion words:
 *
 * - prf: pseudo-relevance feedback (RM3-like): the words of the top k hits
 *   weighted by Σ relative score · tf / length · idf, the query's own words,
 *   stopwords, speakers' names, numbers and date words left out; the best n
 *   of those held by at least d of the k hits;
 * - emb: each query word's m nearest vault words by the offline embedder's
 *   vector of the single word, cosine at least t, weighted by the cosine;
 * - R (prfR, embR): the same, re-ranking only memories the query found.
 *
 * An expansion ranks like a weighted query: Σ weight(t) · BM25_t(passage),
 * each word's contextual BM25 from the vault's own ranker (additive over
 * words, so this is the multi-word ranking with weights); the result is
 * (1 − w) · original / best + w · expansion / best. Settings of the text
 * ranking itself (context, name boost) and queries without their phrasing
 * words ("likely", "probably"…) are compared too; every family both for all
 * questions and for those that ask for several things ("which cities…",
 * "how many…").
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { inject, it } from 'vitest';
import { deriveKey } from '../../src/auth/memory-key';
import { createEmbedder } from '../../src/embed';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { decodeMemoryId } from '../../src/vaults/ids';
import { memoryKey, storeConversation } from './bench-api';
import { DEFAULT_TEXT_RANKING, type TextRanking } from '../../src/durable/full-text/text-ranking';
import { rankPassages } from '../../src/durable/full-text/text-ranker';
import { analyseQuery } from '../../src/durable/full-text/query-analysis';
import type { TermPostings } from '../../src/durable/full-text/term-postings';
import type { TextHit } from '../../src/durable/full-text/text-search';
import type { TextTimeline } from '../../src/durable/full-text/text-timeline';
import type { SearchRequest, WindowResult, WindowSearch } from '../../src/durable/rpc/vault-types';
import type { Sql } from '../../src/durable/sqlite/sql';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import { foldWord } from '../../src/text/folded-words';
import { queryTerms, tokenize, words } from '../../src/text/tokens';
import { readQueryDates } from '../../src/text/query-dates';
import { holdOut, recallOf, type StudyRow } from './held-out';

const DAY = 86_400_000;
const POOL = 200;
const FEEDBACK_HITS = [3, 5, 10];
const FEEDBACK_TERMS = [5, 10, 20];
/** Feedback words must appear in at least this many of the k hits. */
const MIN_HITS = [1, 2];
const EXPANSION_WEIGHTS = [0.03, 0.05, 0.1, 0.2, 0.3, 0.5];
const NEAREST = [1, 2, 3];
const MIN_COSINE = [0.5, 0.6, 0.7, 0.8];
const CONTEXT_WEIGHTS = [0.25, 0.35, 0.5, 0.7];
const CONTEXT_DISTANCES = [1, 2, 4, 8];
const NAME_BOOSTS = [0, 0.1, 0.5];
/**
 * Words of a question's phrasing, not of its answer ("would Tim likely
 * enjoy…"), left out of the query in the `hedges` settings.
 */
const HEDGE_LISTS: [string, RegExp][] = [
  [
    'likely, probably, possibly, potentially, consider(ed)',
    /\b(likely|probably|possibly|potentially|consider(ed)?)\b/gi,
  ],
  [
    '+ enjoy, interested, want, say, think, kind, type',
    /\b(likely|probably|possibly|potentially|consider(ed)?|enjoy|interested|want|say|think|kind|type)\b/gi,
  ],
];
/** Questions asking for several things: they hold most multi-hop questions. */
const ASKS_FOR_SEVERAL =
  /\b(how many|both|in common)\b|^(which|what) \w+s (has|have|did|does|do)\b/i;

/** What the study reads inside the vault object (private members, read only). */
interface Internals {
  reads: {
    sql: Sql;
    hot: { timeline(): TextTimeline };
    queries: {
      text: {
        forgetRanking(): void;
        search(
          timeline: TextTimeline,
          text: string,
          window: { after: number | null; until: number },
          limit: number,
          ranking: TextRanking,
        ): TextHit[];
        termPostings(term: string): TermPostings;
      };
    };
    searchWindow(request: SearchRequest, window: WindowSearch): WindowResult;
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb || 1);
}

/** A word worth adding: not a stopword, number, speaker's name or date word. */
function expansionWord(surface: string, stem: string, speakers: ReadonlySet<string>): boolean {
  return (
    stem.length > 1 &&
    !/^\d+$/.test(stem) &&
    !speakers.has(stem) &&
    queryTerms(surface, 'full', 'drop').length > 0 &&
    readQueryDates(surface, Date.now()).dates.length === 0
  );
}

it('query expansion on the text side, held out by conversation', async () => {
  const conversations = inject('conversations');
  const token = await memoryKey();
  const run = Date.now().toString(36);
  const embedder = createEmbedder(env);
  const { keyId } = await deriveKey(env.KEY_HMAC_SECRET, token);
  const rows: StudyRow[] = [];
  /** Where each evidence turn sits in the deployed ranking's top 200, per category. */
  const evidenceRanks = new Map<number, number[]>();
  let reproduced = 0;

  for (const conversation of conversations) {
    const vault = { kind: 'SESSION', id: `${conversation.id}-${run}`.slice(0, 128) };
    const { turnOf } = await storeConversation(token, vault, conversation.turns);
    const turnOfLocal = new Map(
      [...turnOf].map(([id, turn]) => [decodeMemoryId(id).localId, turn] as const),
    );
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const speakers = new Set(
      conversation.turns.map((turn) => tokenize(turn.speaker)[0]?.term ?? ''),
    );

    // The vault's words (folded, unstemmed → stem) and their single-word vectors.
    const stemOf = new Map<string, string>();
    for (const turn of conversation.turns)
      for (const span of words(turn.text)) {
        const surface = foldWord(turn.text.slice(span.start, span.end));
        if (!stemOf.has(surface)) stemOf.set(surface, tokenize(surface)[0]?.term ?? '');
      }
    const vocabulary = [...stemOf].filter(([surface, stem]) =>
      expansionWord(surface, stem, speakers),
    );
    const vocabularyVectors = await embedder.embedQueries(vocabulary.map(([surface]) => surface));
    // Per question, per (m, t): the nearest vault words of its words, weighted by cosine.
    const nearestWords: Map<string, Map<string, number>>[] = [];
    for (const question of conversation.questions) {
      const own = new Set(analyseQuery(question.question, 'full', Date.now()).terms);
      // Names and other capitalised words have no synonyms: their vectors
      // are their rare pieces', close to unrelated rare words.
      const asked = [
        ...new Set(
          words(question.question)
            .map((span) => question.question.slice(span.start, span.end))
            .filter((word) => !/^\p{Lu}/u.test(word) || word === word.toUpperCase())
            .map(foldWord),
        ),
      ].filter(
        (surface) =>
          queryTerms(surface, 'full', 'drop').length > 0 &&
          expansionWord(surface, tokenize(surface)[0]?.term ?? '', speakers),
      );
      const vectors = await embedder.embedQueries(asked);
      const near = vectors.map((vector) =>
        vocabulary
          .map(([, stem], i) => ({ stem, similarity: cosine(vector, vocabularyVectors[i]!) }))
          .filter(({ stem }) => !own.has(stem))
          .sort((a, b) => b.similarity - a.similarity),
      );
      const settings = new Map<string, Map<string, number>>();
      for (const m of NEAREST)
        for (const t of MIN_COSINE) {
          const weights = new Map<string, number>();
          for (const list of near) {
            const taken = new Set<string>();
            for (const { stem, similarity } of list) {
              if (taken.size >= m || similarity < t) break;
              if (taken.has(stem)) continue;
              taken.add(stem);
              weights.set(stem, Math.max(weights.get(stem) ?? 0, similarity));
            }
          }
          settings.set(`m${m} t${t}`, weights);
        }
      nearestWords.push(settings);
    }

    const address: VaultAddress = { kind: 'SESSION', keyId, externalId: vault.id };
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    await runInDurableObject(stub, (instance: VaultObject) => {
      const { reads } = instance as unknown as Internals;
      const text = reads.queries.text;
      const timeline = reads.hot.timeline();
      const ranking = DEFAULT_TEXT_RANKING;
      const window = { after: null, until: last + DAY };
      const memories = reads.sql.all<{ seq: number; id: string; content: string }>(
        'SELECT seq, id, content FROM memories',
      );
      const turnAt = new Map(memories.map((row) => [row.seq, turnOfLocal.get(row.id)!]));
      const wordsOf = new Map<number, { stem: string; surface: string }[]>();
      const holding = new Map<string, number>();
      for (const row of memories) {
        const list = tokenize(row.content).map((token) => ({
          stem: token.term,
          surface: foldWord(row.content.slice(token.start, token.end)),
        }));
        wordsOf.set(row.seq, list);
        for (const stem of new Set(list.map((word) => word.stem)))
          holding.set(stem, (holding.get(stem) ?? 0) + 1);
      }
      const idf = (stem: string) =>
        Math.log(1 + (memories.length - holding.get(stem)! + 0.5) / (holding.get(stem)! + 0.5));

      // One word's contextual BM25 of every memory (seq → score), kept for the vault.
      const wordScores = new Map<string, Map<number, number>>();
      const scoresOf = (stem: string) => {
        let known = wordScores.get(stem);
        if (known === undefined) {
          const scored = rankPassages(timeline, [text.termPostings(stem)], ranking);
          known = new Map();
          for (let i = 0; i < scored.passages.length; i++)
            known.set(timeline.seqAt(scored.passages[i]!), scored.scores[i]!);
          wordScores.set(stem, known);
        }
        return known;
      };
      const expansionScores = (weights: Map<string, number>) => {
        const out = new Map<number, number>();
        for (const [stem, weight] of weights)
          for (const [seq, score] of scoresOf(stem))
            out.set(seq, (out.get(seq) ?? 0) + weight * score);
        return out;
      };
      const fuse = (
        original: TextHit[],
        expansion: Map<number, number>,
        w: number,
        foundOnly: boolean,
      ) => {
        const best = original[0]?.score ?? 1;
        const bestExpansion = Math.max(0, ...expansion.values());
        const fused = new Map<number, number>();
        for (const hit of original) fused.set(hit.seq, (1 - w) * (hit.score / best));
        if (bestExpansion > 0)
          for (const [seq, score] of expansion)
            if (!foundOnly || fused.has(seq))
              fused.set(seq, (fused.get(seq) ?? 0) + (w * score) / bestExpansion);
        // Ties: the later memory first, as the vault ranks them.
        return [...fused]
          .sort((a, b) => b[1] - a[1] || b[0] - a[0])
          .slice(0, 10)
          .map(([seq]) => turnAt.get(seq)!);
      };
      const ranked = (question: string, changed: Partial<TextRanking>) => {
        text.forgetRanking();
        return text
          .search(timeline, question, window, 10, { ...ranking, ...changed })
          .map((hit) => turnAt.get(hit.seq)!);
      };

      conversation.questions.forEach((question, q) => {
        text.forgetRanking();
        const deployed = reads
          .searchWindow(
            {
              text: question.question,
              vector: null,
              model: embedder.model,
              mode: 'TEXT',
              windows: [{ ...window, window: 'ARCHIVE', limit: 10 }],
              metadata: null,
              vectorWeight: 0,
            },
            { ...window, window: 'ARCHIVE', limit: 10 },
          )
          .hits.map((hit) => turnOfLocal.get(hit.memory.id)!);
        text.forgetRanking();
        const original = text.search(timeline, question.question, window, POOL, ranking);
        const pool = original.map((hit) => turnAt.get(hit.seq)!);
        const settings: Record<string, string[]> = { base: pool.slice(0, 10) };
        if (deployed.join() === settings.base!.join()) reproduced++;
        for (const id of question.evidence) {
          const ranks = evidenceRanks.get(question.category) ?? [];
          ranks.push(pool.indexOf(id));
          evidenceRanks.set(question.category, ranks);
        }

        const own = new Set(analyseQuery(question.question, 'full', Date.now()).terms);
        const best = original[0]?.score ?? 1;
        for (const k of FEEDBACK_HITS) {
          const weights = new Map<string, number>();
          const hitsHolding = new Map<string, number>();
          for (const hit of original.slice(0, k)) {
            const list = wordsOf.get(hit.seq)!;
            const seen = new Set<string>();
            for (const { stem, surface } of list) {
              if (own.has(stem) || !expansionWord(surface, stem, speakers)) continue;
              weights.set(
                stem,
                (weights.get(stem) ?? 0) + ((hit.score / best) * idf(stem)) / list.length,
              );
              if (!seen.has(stem)) hitsHolding.set(stem, (hitsHolding.get(stem) ?? 0) + 1);
              seen.add(stem);
            }
          }
          for (const d of MIN_HITS) {
            const ordered = [...weights]
              .filter(([stem]) => hitsHolding.get(stem)! >= d)
              .sort((a, b) => b[1] - a[1]);
            for (const n of FEEDBACK_TERMS) {
              const chosen = ordered.slice(0, n);
              const sum = chosen.reduce((total, [, weight]) => total + weight, 0) || 1;
              const expansion = expansionScores(
                new Map(chosen.map(([stem, weight]) => [stem, weight / sum])),
              );
              for (const w of EXPANSION_WEIGHTS) {
                settings[`prf k${k} d${d} n${n} w${w}`] = fuse(original, expansion, w, false);
                settings[`prfR k${k} d${d} n${n} w${w}`] = fuse(original, expansion, w, true);
              }
            }
          }
        }
        for (const [name, weights] of nearestWords[q]!) {
          const expansion = expansionScores(weights);
          for (const w of EXPANSION_WEIGHTS) {
            settings[`emb ${name} w${w}`] = fuse(original, expansion, w, false);
            settings[`embR ${name} w${w}`] = fuse(original, expansion, w, true);
          }
        }
        for (const contextWeight of CONTEXT_WEIGHTS)
          for (const contextDistance of CONTEXT_DISTANCES)
            settings[`context ${contextWeight} ±${contextDistance}`] = ranked(question.question, {
              contextWeight,
              contextDistance,
            });
        for (const [name, hedges] of HEDGE_LISTS)
          settings[`hedges ${name}`] = ranked(question.question.replace(hedges, ' '), {});
        for (const nameBoost of NAME_BOOSTS)
          settings[`name boost ${nameBoost}`] = ranked(question.question, { nameBoost });
        rows.push({
          conversation: conversation.id,
          category: question.category,
          question: question.question,
          evidence: question.evidence,
          settings,
        });
      });
    });
  }

  const f = (value: number) => value.toFixed(3);
  const signed = (value: number) => (value >= 0 ? '+' : '') + value.toFixed(3);
  const pair = ([a, b]: [number, number], show = f) => `${show(a)}/${show(b)}`;
  const base = recallOf(rows, (row) => row.settings.base!);
  const lines = [
    '',
    `Expansion study — ${rows.length} questions; the study's base equals deployed TEXT in ${reproduced}; base ${pair(base)}`,
    '  where evidence sits in deployed TEXT (top 200), per category: top 10 | 11–20 | 21–50 | 51–200 | not in it',
  ];
  for (const [category, ranks] of [...evidenceRanks].sort((a, b) => a[0] - b[0])) {
    const share = (test: (rank: number) => boolean) =>
      `${((100 * ranks.filter(test).length) / ranks.length).toFixed(0)}%`;
    lines.push(
      `   category ${category} (${ranks.length} turns): ${[
        share((r) => r >= 0 && r < 10),
        share((r) => r >= 10 && r < 20),
        share((r) => r >= 20 && r < 50),
        share((r) => r >= 50),
        share((r) => r < 0),
      ].join(' | ')}`,
    );
  }
  const families = ['prf ', 'prfR ', 'emb ', 'embR ', 'context ', 'name boost ', 'hedges '];
  for (const [gate, applies] of [
    ['every question', () => true],
    ['questions asking for several things', (row: StudyRow) => ASKS_FOR_SEVERAL.test(row.question)],
  ] as const) {
    lines.push(`  ${gate} (${rows.filter(applies).length}):`);
    for (const family of families) {
      const settings = Object.keys(rows[0]!.settings).filter((name) => name.startsWith(family));
      const inSample = settings
        .map(
          (name) =>
            [name, recallOf(rows, (row) => row.settings[applies(row) ? name : 'base']!)] as const,
        )
        .sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1])[0]!;
      const held = holdOut(rows, settings, applies);
      const worst = Math.min(...[...held.byConversation.values()].flat());
      lines.push(
        `   ${family.trim().padEnd(10)} held out ${pair(held.pooled)} (${pair([held.pooled[0] - held.base[0], held.pooled[1] - held.base[1]], signed)}), worst conversation × k ${signed(worst)}; in-sample best ${inSample[0]} ${pair([...inSample[1]])}`,
        `              by conversation ${[...held.byConversation].map(([c, d]) => `${c} ${pair(d, signed)}`).join(', ')}`,
        `              by category ${[...held.byCategory].map(([c, d]) => `${c} ${pair(d, signed)}`).join(', ')}`,
        `              chosen ${[...new Set(held.chosen.values())].join(', ')}`,
      );
    }
  }
  console.log(lines.join('\n'));
});
