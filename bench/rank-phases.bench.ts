/**
 * Where one HYBRID search's in-object ranking goes, window by window and
 * step by step, on bench:api's corpus (10,000 synthetic memories, its 8–19
 * word queries) over the windows of a search (WORKING, LONG_TERM) and of a
 * chat read (HOT, WORKING, LONG_TERM). Every step is timed in turn with the
 * others, batch by batch, so their ratios hold on a shared machine. A
 * diagnostic: `npm run bench -- rank-phases`.
 */
import { runInDurableObject } from 'cloudflare:test';
import { it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../src/core/config';
import { embeddedApiCorpus } from './corpus-vault';
import { DEFAULT_TEXT_RANKING } from '../src/durable/full-text/text-ranking';
import type { TextTimeline } from '../src/durable/full-text/text-timeline';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultQueries } from '../src/durable/queries/vault-queries';
import type { SearchRequest, WindowSearch } from '../src/durable/rpc/vault-types';
import type { SimilarityStats, VectorIndex } from '../src/durable/hot-tier/vector-index';
import { windowRange } from '../src/kronos/windows';
import { ms, percentile, sampleInTurn } from './measure';
import { fusedRanking } from '../src/durable/queries/fused-ranking';
import { pickBest, pickBestOrdered } from '../src/durable/hot-tier/candidate-selection';
import type { DotKernel } from '../src/durable/hot-tier/dot-kernel';
import { spread } from '../src/durable/hot-tier/similarity-spread';

const MEMORIES = 10_000;
const SAMPLES = 40;
const REPEAT = 8;
const DAY = 86_400_000;

/** The vault's memory reads (private to VaultQueries). */
interface Hydrator {
  hydrateSeqs(seqs: readonly number[]): unknown;
}

interface VaultInternals {
  hot: { vectors(): VectorIndex | null; timeline(): TextTimeline };
  queries: VaultQueries;
}

/** The index's private steps, reached into to time them apart. */
interface IndexSteps {
  scanCodes(
    query: Float32Array,
    start: number,
    count: number,
  ): { scores: Float32Array; offset: number; weight: number };
  rescoreInMemory(query: Float32Array, candidates: Int32Array, k: number): unknown;
  topRowsExactScan(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: unknown,
    stats?: SimilarityStats,
  ): unknown;
  seqs: Int32Array;
  codesKernel: DotKernel;
  codePicks(words: number): number;
}

it(`in-object HYBRID ranking, step by step, bench:api's corpus of ${MEMORIES}`, async () => {
  const { now, questions, vectors, embedder, stub } = await embeddedApiCorpus(
    'rank-phases',
    MEMORIES,
  );
  const searchedAt = now + 60_000;
  const bands = { hot: 4 * 3_600_000, working: 3 * DAY, longTerm: 90 * DAY };
  const plan = (names: readonly ('HOT' | 'WORKING' | 'LONG_TERM')[], limit: number) =>
    names.map((window) => ({ window, ...windowRange(window, searchedAt, bands), limit }));
  const searchWindows: WindowSearch[] = plan(['WORKING', 'LONG_TERM'], 10);
  const chatWindows: WindowSearch[] = plan(['HOT', 'WORKING', 'LONG_TERM'], 4);
  const request = (q: number, windows: WindowSearch[]): SearchRequest => ({
    text: questions[q]!,
    vector: vectors[q]!,
    model: embedder.model,
    mode: 'HYBRID',
    windows,
    metadata: null,
    vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
  });
  const inputs = questions.map((_, q) => q);

  const result = await runInDurableObject(stub, (instance: VaultObject) => {
    const vault = instance as unknown as VaultInternals;
    const index = vault.hot.vectors()!;
    const steps = index as unknown as IndexSteps;
    const timeline = vault.hot.timeline();
    const queries = vault.queries;
    const rows = (window: WindowSearch) => index.range(window.after, window.until);
    const longTerm = rows(searchWindows[1]!);
    const working = rows(searchWindows[0]!);
    const hot = rows(chatWindows[0]!);
    const stats = (): SimilarityStats => ({ rows: 0, mean: 0, deviation: 0 });
    const candidatesOf = inputs.map((q) => {
      const { scores } = steps.scanCodes(
        vectors[q]!,
        longTerm.start,
        longTerm.end - longTerm.start,
      );
      // The best 306 by estimate, as topRows picks them (order does not matter here).
      const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
      return Int32Array.from(order.slice(0, 306), (i) => i + longTerm.start);
    });
    const pooled = inputs.map((q) => {
      queries.text.forgetRanking();
      return searchWindows.map((window) => {
        const spread = stats();
        const vector = index.searchWindow(
          vectors[q]!,
          window.after,
          window.until,
          50,
          undefined,
          spread,
        );
        const text = queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
        const fullMatch = queries.text.fullMatchScore(
          timeline,
          questions[q]!,
          DEFAULT_TEXT_RANKING,
        );
        return { vector, text, stats: { ...spread, fullMatch } };
      });
    });
    const hitSeqs = pooled.map((windows) =>
      windows.flatMap(({ vector, text, stats: spread }) =>
        fusedRanking(vector, text, DEFAULT_HYBRID_VECTOR_WEIGHT, 10, spread).map(
          ({ hit }) => hit.seq,
        ),
      ),
    );
    const codeScoresOf = inputs.map((q) =>
      steps.scanCodes(vectors[q]!, longTerm.start, longTerm.end - longTerm.start).scores.slice(),
    );
    const floatScoresOf = candidatesOf.map((candidates, q) => {
      const query = vectors[q]!;
      return Float32Array.from(candidates, (row) => {
        const stored = index.slice(row, row + 1).vectors!;
        const vector = new Float32Array(stored.buffer, stored.byteOffset, query.length);
        let dot = 0;
        for (let j = 0; j < query.length; j++) dot += query[j]! * vector[j]!;
        return dot;
      });
    });

    const jobs: [string, (q: number) => void][] = [
      [
        'search: HYBRID, WORKING + LONG_TERM × 10',
        (q) => {
          queries.text.forgetRanking();
          queries.searchWindows(index, () => timeline, request(q, searchWindows), searchWindows);
        },
      ],
      [
        'chat: HYBRID, HOT + WORKING + LONG_TERM × 4',
        (q) => {
          queries.text.forgetRanking();
          queries.searchWindows(index, () => timeline, request(q, chatWindows), chatWindows);
        },
      ],
      [
        "search: both windows' pools, as rankWindow takes them (no fusion, no hydration)",
        (q) => {
          queries.text.forgetRanking();
          for (const window of searchWindows) {
            index.searchWindow(vectors[q]!, window.after, window.until, 50, undefined, stats());
            queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
          }
        },
      ],
      [
        "search: fusion of both windows' pools",
        (q) => {
          for (const { vector, text, stats: spread } of pooled[q]!)
            fusedRanking(vector, text, DEFAULT_HYBRID_VECTOR_WEIGHT, 10, spread);
        },
      ],
      [
        'search: hydration of the hits (one statement)',
        (q) => void (queries as unknown as Hydrator).hydrateSeqs(hitSeqs[q]!),
      ],
      [
        'LONG_TERM vector pool of 50 (searchWindow)',
        (q) =>
          void index.searchWindow(
            vectors[q]!,
            searchWindows[1]!.after,
            searchWindows[1]!.until,
            50,
            undefined,
            stats(),
          ),
      ],
      [
        `  code scan of LONG_TERM's ${longTerm.end - longTerm.start} rows`,
        (q) => void steps.scanCodes(vectors[q]!, longTerm.start, longTerm.end - longTerm.start),
      ],
      [
        '  re-score of 306 candidates (float32, then float64 of 66)',
        (q) => void steps.rescoreInMemory(vectors[q]!, candidatesOf[q]!, 50),
      ],
      ['  spread of the LONG_TERM code scores', (q) => void spread(codeScoresOf[q]!, stats())],
      [
        '  pickBest of 306 from the LONG_TERM code scores',
        (q) => void pickBest(codeScoresOf[q]!, longTerm.start, 306, () => true),
      ],
      [
        '  code scan, then pickBest of 306 (JavaScript pass)',
        (q) => {
          const { scores } = steps.scanCodes(
            vectors[q]!,
            longTerm.start,
            longTerm.end - longTerm.start,
          );
          pickBest(scores, longTerm.start, 306, () => true);
        },
      ],
      [
        '  code scan, then pickBestOrdered of 306 (kernel pass, as searches pick)',
        (q) => {
          const picks = steps.codePicks(306 * 4);
          const { scores } = steps.scanCodes(
            vectors[q]!,
            longTerm.start,
            longTerm.end - longTerm.start,
          );
          pickBestOrdered(
            steps.codesKernel,
            scores,
            longTerm.start,
            306,
            () => true,
            picks,
            306 * 4,
          );
        },
      ],
      [
        '  pickBest of 66 of the 306 float32 scores',
        (q) => void pickBest(floatScoresOf[q]!, 0, 66, () => true),
      ],
      [
        'vector pools of 50, WORKING + LONG_TERM (searchWindow)',
        (q) => {
          for (const window of searchWindows)
            index.searchWindow(vectors[q]!, window.after, window.until, 50, undefined, stats());
        },
      ],
      [
        `WORKING vector pool of 50 (exact scan of ${working.end - working.start} rows)`,
        (q) =>
          void steps.topRowsExactScan(
            vectors[q]!,
            working.start,
            working.end - working.start,
            50,
            undefined,
            stats(),
          ),
      ],
      [
        `HOT vector pool of 50 (exact scan of ${hot.end - hot.start} rows)`,
        (q) =>
          void steps.topRowsExactScan(
            vectors[q]!,
            hot.start,
            hot.end - hot.start,
            50,
            undefined,
            stats(),
          ),
      ],
      [
        'text pools of 50, WORKING + LONG_TERM',
        (q) => {
          queries.text.forgetRanking();
          for (const window of searchWindows)
            queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
        },
      ],
      [
        "text pools of 50, WORKING + LONG_TERM, and the query's full-match score (HYBRID's text unit)",
        (q) => {
          queries.text.forgetRanking();
          for (const window of searchWindows)
            queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
          queries.text.fullMatchScore(timeline, questions[q]!, DEFAULT_TEXT_RANKING);
        },
      ],
      [
        'text pools of 50, HOT + WORKING + LONG_TERM',
        (q) => {
          queries.text.forgetRanking();
          for (const window of chatWindows)
            queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
        },
      ],
    ];
    // Each call runs REPEAT queries (workerd's clock steps in whole milliseconds).
    const samples = sampleInTurn(
      jobs.map(([, run]) => (q: number) => {
        for (let r = 0; r < REPEAT; r++) run((q + r * 37) % inputs.length);
      }),
      inputs,
      SAMPLES,
    );
    return jobs.map(([name], j) => ({ name, p50: percentile(samples[j]!, 50) / REPEAT }));
  });
  console.log(
    [
      '',
      `MemoryRouter in-object HYBRID ranking, step by step — bench:api's corpus, ${MEMORIES} memories, 200 queries (p50 of means of batches, in turn)`,
      ...result.map(({ name, p50 }) => `  ${name.padEnd(62)} ${ms(p50)}`),
      '',
    ].join('\n'),
  );
});
