/**
 * In-object cost of a realistic HYBRID search, inside workerd: 10,000
 * conversational memories ("<speaker>: <text>", the turns of a LoCoMo-format
 * file, repeated with their dates moved on until there are 10,000), embedded
 * with the deployment's embedder, searched with the file's 8–19 word
 * questions over two windows of 10, as the API sends it.
 *
 * Reported: the vault's search RPC (round trip and the object's own
 * `searchMs`), and the phases of one search measured in the same run: the
 * vector pools, the text ranking, fusion and hydration. Each sample is the
 * mean of BATCH consecutive searches with different queries (workerd's clock
 * ticks in whole milliseconds).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../src/core/config';
import { createEmbedder } from '../src/embed';
import { embeddedApiCorpus, storeEmbedded } from './corpus-vault';
import type { TextTimeline } from '../src/durable/full-text/text-timeline';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultQueries } from '../src/durable/queries/vault-queries';
import type { SearchRequest, WindowSearch } from '../src/durable/rpc/vault-types';
import type { VectorIndex } from '../src/durable/hot-tier/vector-index';
import { DEFAULT_TEXT_RANKING } from '../src/durable/full-text/text-ranking';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import type {} from './recall/provided';
import { BATCH, ms, percentile, sampleInTurn } from './measure';
import { rankPassages } from '../src/durable/full-text/text-ranker';
import type { TermPostings } from '../src/durable/full-text/term-postings';
import { prepareQuery } from '../src/durable/full-text/text-pruning';
import { queryNames, queryTerms } from '../src/text/tokens';
import { queryDates } from '../src/text/query-dates';
import { fusedRanking } from '../src/durable/queries/fused-ranking';
import { windowRange } from '../src/kronos/windows';
import { analyseQuery, type AnalysedQuery } from '../src/durable/full-text/query-analysis';
import { reachedMemories } from '../src/durable/full-text/reached-memories';

const MEMORIES = 10_000;
const SAMPLES = 40;
const DAY = 86_400_000;

/** The float32 scan of every row, as in vault-search.bench.ts. */
interface FloatScan {
  topRowsExactScan(query: Float32Array, start: number, count: number, k: number): unknown;
}

/** Internals the benchmark reaches into; not part of the object's RPC surface. */
interface VaultInternals {
  hot: { vectors(): VectorIndex | null; timeline(): TextTimeline };
  queries: VaultQueries;
}

/** The vault's memory reads (private to VaultQueries; read here to time hydration alone). */
interface Hydrator {
  sql: { all<T>(query: string, ...params: unknown[]): T[] };
  hydrateSeqs(seqs: readonly number[]): unknown;
}

/** A query term's postings as a search reads them (private to TextSearch). */
interface QueryPostingsReader {
  queryPostings(term: string, query: AnalysedQuery, timeline: TextTimeline): { full: TermPostings };
}

/** A text search's postings reader (private to TextSearch; read here to time ranking alone). */
interface PostingsReader {
  postings(term: string): TermPostings;
}

/** The object's search request for question `q` in `mode`, over the bench's windows. */
function searchRequests(
  questions: readonly string[],
  vectors: readonly Float32Array[],
  model: string,
  windows: WindowSearch[],
) {
  return (q: number, mode: SearchRequest['mode']): SearchRequest => ({
    text: questions[q]!,
    vector: mode === 'TEXT' ? null : vectors[q]!,
    model,
    mode,
    windows,
    metadata: null,
    vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
  });
}

it(`HYBRID search in the vault object, ${MEMORIES} conversational memories`, async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) {
    console.log('hybrid search bench skipped: no LoCoMo-format file (LOCOMO_FILE)');
    return;
  }
  const turns = conversations.flatMap((conversation) => conversation.turns);
  const questions = conversations
    .flatMap((conversation) => conversation.questions.map((q) => q.question))
    .filter((question) => {
      const words = question.split(/\s+/).length;
      return words >= 8 && words <= 19;
    });
  const embedder = createEmbedder(env);
  const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId: 'hybrid' };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));

  // The file's turns in order, again and again, each round a year later.
  const first = Math.min(...turns.map((turn) => turn.createdAt));
  const span = Math.max(...turns.map((turn) => turn.createdAt)) - first + 365 * DAY;
  const memories = Array.from({ length: MEMORIES }, (_, i) => {
    const turn = turns[i % turns.length]!;
    const round = Math.floor(i / turns.length);
    return {
      content: `${turn.speaker}: ${turn.text}`,
      createdAt: turn.createdAt + round * span,
    };
  }).sort((a, b) => a.createdAt - b.createdAt);
  // Moved as a whole to end on a fixed day in the past (a vault takes nothing
  // from the future), so every run stores and answers the same.
  const shift = Date.UTC(2026, 0, 1) - memories.at(-1)!.createdAt;
  for (const memory of memories) memory.createdAt += shift;
  await storeEmbedded(stub, address, embedder, memories);
  const vectors = await embedder.embedQueries(questions);
  const now = memories.at(-1)!.createdAt + DAY;
  // Two windows of 10, as the API's default search plan sends them: the
  // latest 90 days, and everything before.
  const split = now - 90 * DAY;
  const windows: WindowSearch[] = [
    { window: 'WORKING', after: split, until: now, limit: 10 },
    { window: 'ARCHIVE', after: null, until: split, limit: 10 },
  ];
  const request = searchRequests(questions, vectors, embedder.model, windows);
  const inputs = questions.map((_, q) => q);

  // What the searches answer, so a change meant only for speed shows it changed nothing.
  let fingerprint = 0;
  // The same without scores: which memories, in which order (a change of
  // the score's scale alone leaves it).
  let orderFingerprint = 0;
  for (let q = 0; q < questions.length; q++) {
    const response = await stub.search(address, [request(q, 'HYBRID')]);
    if (!response.ok) throw new Error(response.message);
    const answer = response.results[0]!.flatMap((window) =>
      window.hits.map(
        (hit) => `${hit.memory.createdAt}:${hit.memory.content.length}@${hit.score.toFixed(9)}`,
      ),
    );
    for (const char of answer.join())
      fingerprint = (Math.imul(fingerprint, 31) + char.charCodeAt(0)) | 0;
    const order = response.results[0]!.flatMap((window) =>
      window.hits.map((hit) => `${hit.memory.createdAt}:${hit.memory.content.length}`),
    );
    for (const char of order.join())
      orderFingerprint = (Math.imul(orderFingerprint, 31) + char.charCodeAt(0)) | 0;
  }

  // Through the RPC, as the Worker calls it: round trip and the object's own time.
  for (let q = 0; q < 20; q++) await stub.search(address, [request(q, 'HYBRID')]);
  const roundTrips: number[] = [];
  const inObject: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let objectMs = 0;
    const started = performance.now();
    for (let b = 0; b < BATCH; b++) {
      const q = (s * BATCH + b) % questions.length;
      const response = await stub.read(address, [
        { type: 'search', request: request(q, 'HYBRID') },
      ]);
      if (!response.ok) throw new Error(response.message);
      objectMs += response.searchMs + response.hydrateMs;
    }
    roundTrips.push((performance.now() - started) / BATCH);
    inObject.push(objectMs / BATCH);
  }

  // Phase by phase, in turn, inside the object.
  const phases = await runInDurableObject(stub, (instance: VaultObject) => {
    const vault = instance as unknown as VaultInternals;
    const index = vault.hot.vectors()!;
    const timeline = vault.hot.timeline();
    const queries = vault.queries;
    const search = (mode: SearchRequest['mode']) => (q: number) => {
      queries.text.forgetRanking();
      const full = request(q, mode);
      queries.searchWindows(index, () => timeline, full, windows, null);
    };
    const vectorPools = (q: number) => {
      for (const window of windows)
        index.searchWindow(vectors[q]!, window.after, window.until, 50, undefined, {
          rows: 0,
          mean: 0,
          deviation: 0,
        });
    };
    const textPools = (q: number) => {
      queries.text.forgetRanking();
      for (const window of windows)
        queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
    };
    // The yardstick of the vault benchmark: the float32 scan of every row.
    const floatScan = (q: number) =>
      (index as unknown as FloatScan).topRowsExactScan(vectors[q]!, 0, index.size, 10);
    const [hybrid = [], text = [], vector = [], vectorPool = [], textPool = [], scan = []] =
      sampleInTurn(
        [search('HYBRID'), search('TEXT'), search('VECTOR'), vectorPools, textPools, floatScan],
        inputs,
        SAMPLES,
      );
    // A dated question with content words ("… in May 2023?") asks which
    // memories its content words reach (TextSearch.matchingContent): timed
    // as it is found now (reachedMemories) and as it was before (a full
    // ranking of those words, its positive scores gathered into a set of
    // seqs), in turn, over those questions.
    const reader = queries.text as unknown as QueryPostingsReader;
    const dated = inputs
      .map((q) => ({ q, query: analyseQuery(questions[q]!, 'full', Date.now(), 0) }))
      .filter(
        ({ query }) =>
          query.dates.length > 0 &&
          query.content.size > 0 &&
          !query.terms.every((term) => query.content.has(term)),
      )
      .map(({ q, query }) => ({
        q,
        postings: [...query.content].map(
          (term) => reader.queryPostings(term, query, timeline).full,
        ),
      }));
    const reachByRanking = ({ postings }: (typeof dated)[number]) => {
      const scored = rankPassages(timeline, postings, DEFAULT_TEXT_RANKING);
      const reached = new Set<number>();
      for (let i = 0; i < scored.passages.length; i++)
        if (scored.scores[i]! > 0) reached.add(timeline.seqAt(scored.passages[i]!));
    };
    const reachByMarks = ({ postings }: (typeof dated)[number]) =>
      reachedMemories(timeline, postings, DEFAULT_TEXT_RANKING);
    const datedText = ({ q }: (typeof dated)[number]) => search('TEXT')(q);
    const [contentRanked = [], contentMarked = [], datedTexts = []] =
      dated.length === 0
        ? []
        : sampleInTurn([reachByRanking, reachByMarks, datedText], dated, SAMPLES);
    queries.hydrateMs = 0;
    const hydrating = performance.now();
    let hydrated = 0;
    for (const q of inputs.slice(0, 200)) {
      search('HYBRID')(q);
      hydrated++;
    }
    const hybridTotal = performance.now() - hydrating;
    return {
      hybrid,
      text,
      vector,
      vectorPool,
      textPool,
      scan,
      ratios: hybrid.map((time, i) => time / scan[i]!),
      hydrateShare: queries.hydrateMs / hybridTotal,
      hydrated,
      passages: timeline.size,
      dated: dated.length,
      contentRanked,
      contentMarked,
      datedTexts,
    };
  });

  const p50 = (samples: number[]) => ms(percentile(samples, 50));
  console.log(
    [
      '',
      `MemoryRouter HYBRID search benchmark — ${MEMORIES} memories (${phases.passages} passages), ${questions.length} questions of 8–19 words, 2 windows × 10`,
      `  search RPC round trip                     p50 ${p50(roundTrips)}   p99 ${ms(percentile(roundTrips, 99))}`,
      `  in-object search (searchMs + hydrateMs)    p50 ${p50(inObject)}   p99 ${ms(percentile(inObject, 99))}`,
      `  phases, in turn inside the object:`,
      `    HYBRID, both windows                     p50 ${p50(phases.hybrid)}   (hydration ${(phases.hydrateShare * 100).toFixed(0)}% of it)`,
      `    TEXT, both windows                       p50 ${p50(phases.text)}`,
      `    VECTOR, both windows                     p50 ${p50(phases.vector)}`,
      `    vector pools of 50, both windows         p50 ${p50(phases.vectorPool)}`,
      `    text pools of 50, both windows           p50 ${p50(phases.textPool)}`,
      `    float32 scan of all ${MEMORIES} rows (yardstick) p50 ${p50(phases.scan)}`,
      `    HYBRID ÷ float32 scan, batch by batch    p50 ${percentile(phases.ratios, 50).toFixed(2)}`,
      `  ${phases.dated} dated questions with content words, in turn:`,
      `    TEXT, both windows                       p50 ${p50(phases.datedTexts)}`,
      `    content words' reach, marked (now)       p50 ${p50(phases.contentMarked)}`,
      `    content words' reach, ranked (before)    p50 ${p50(phases.contentRanked)}`,
      `  answers' fingerprint (ids and scores of every question's hits) ${(fingerprint >>> 0).toString(16)}`,
      `  answers' order fingerprint (the same without scores) ${(orderFingerprint >>> 0).toString(16)}`,
      `  (samples are means of ${BATCH} consecutive searches; workerd's clock has 1 ms resolution)`,
      '',
    ].join('\n'),
  );
});

/**
 * The search `npm run bench:api` sends, inside the object: the same 10,000
 * synthetic memories (bench/api/corpus.ts: 8–19 words of an 84-word
 * vocabulary, over 60 days), 8–19 word HYBRID queries over the default
 * WORKING and LONG_TERM windows, 10 each. Such a query holds words of 85–90%
 * of the memories, so text ranking meets thousands of passages: the phases
 * below split where that time goes.
 */
it(`HYBRID search in the vault object, bench:api's corpus of ${MEMORIES} synthetic memories`, async () => {
  const { now, questions, vectors, embedder, address, stub } = await embeddedApiCorpus(
    'bench-api',
    MEMORIES,
  );
  // The API's default bands (4 hours, 3 days, 90 days), a minute after the load.
  const searchedAt = now + 60_000;
  const bands = { hot: 4 * 3_600_000, working: 3 * DAY, longTerm: 90 * DAY };
  const windows: WindowSearch[] = (['WORKING', 'LONG_TERM'] as const).map((window) => ({
    window,
    ...windowRange(window, searchedAt, bands),
    limit: 10,
  }));
  const request = searchRequests(questions, vectors, embedder.model, windows);
  const inputs = questions.map((_, q) => q);

  let fingerprint = 0;
  // The same without scores: which memories, in which order (a change of
  // the score's scale alone leaves it).
  let orderFingerprint = 0;
  for (let q = 0; q < questions.length; q++) {
    const response = await stub.search(address, [request(q, 'HYBRID')]);
    if (!response.ok) throw new Error(response.message);
    const answer = response.results[0]!.flatMap((window) =>
      window.hits.map(
        (hit) => `${hit.memory.createdAt}:${hit.memory.content}@${hit.score.toFixed(9)}`,
      ),
    );
    for (const char of answer.join())
      fingerprint = (Math.imul(fingerprint, 31) + char.charCodeAt(0)) | 0;
    const order = response.results[0]!.flatMap((window) =>
      window.hits.map((hit) => `${hit.memory.createdAt}:${hit.memory.content}`),
    );
    for (const char of order.join())
      orderFingerprint = (Math.imul(orderFingerprint, 31) + char.charCodeAt(0)) | 0;
  }

  const inObject: number[] = [];
  for (let q = 0; q < 20; q++) await stub.search(address, [request(q, 'HYBRID')]);
  for (let s = 0; s < SAMPLES; s++) {
    let objectMs = 0;
    for (let b = 0; b < BATCH; b++) {
      const q = (s * BATCH + b) % questions.length;
      const response = await stub.read(address, [
        { type: 'search', request: request(q, 'HYBRID') },
      ]);
      if (!response.ok) throw new Error(response.message);
      objectMs += response.searchMs + response.hydrateMs;
    }
    inObject.push(objectMs / BATCH);
  }

  const phases = await runInDurableObject(stub, (instance: VaultObject) => {
    const vault = instance as unknown as VaultInternals;
    const index = vault.hot.vectors()!;
    const timeline = vault.hot.timeline();
    const queries = vault.queries;
    const reader = queries.text as unknown as PostingsReader;
    // One postings object per term, as the vault's postings cache hands them
    // out (the ranking keeps a term's shares by timeline and term).
    const read = new Map<string, TermPostings>();
    const postingsOf = (term: string) => {
      const known = read.get(term);
      if (known !== undefined) return known;
      const fresh = reader.postings(term);
      read.set(term, fresh);
      return fresh;
    };
    const termsOf = questions.map((question) =>
      queryTerms(question, DEFAULT_TEXT_RANKING.stopwords),
    );
    const postings = termsOf.map((terms) => terms.map(postingsOf));
    const search = (mode: SearchRequest['mode']) => (q: number) => {
      queries.text.forgetRanking();
      const full = request(q, mode);
      queries.searchWindows(index, () => timeline, full, windows, null);
    };
    const vectorPools = (q: number) => {
      for (const window of windows)
        index.searchWindow(vectors[q]!, window.after, window.until, 50, undefined, {
          rows: 0,
          mean: 0,
          deviation: 0,
        });
    };
    const textPools = (q: number) => {
      queries.text.forgetRanking();
      for (const window of windows)
        queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
    };
    const ranking = (q: number) => void rankPassages(timeline, postings[q]!, DEFAULT_TEXT_RANKING);
    // Pruned ranking (text-pruning.ts): preparing the query (its terms' kept
    // shares, term-impacts.ts) alone, and then each window's pool of 50.
    const ranges = windows.map((window) => timeline.range(window.after, window.until));
    const counting = (q: number) =>
      void prepareQuery(timeline, termsOf[q]!, postings[q]!, DEFAULT_TEXT_RANKING);
    // (Every query of this corpus has more occurrences than passages, so pruning applies.)
    const pruned = (q: number) => {
      const scorer = prepareQuery(timeline, termsOf[q]!, postings[q]!, DEFAULT_TEXT_RANKING);
      if (scorer === null) throw new Error('pruned ranking does not apply to this query');
      for (const { start, end } of ranges) scorer.scoresIn(start, end, 50, 0);
    };
    // The parts of HYBRID beside the pools: each query's pools and hits, taken
    // once, then fusion, hydration and query analysis timed on them.
    const pooled = inputs.map((q) => {
      queries.text.forgetRanking();
      return windows.map((window) => {
        const stats = { rows: 0, mean: 0, deviation: 0 };
        const vector = index.searchWindow(
          vectors[q]!,
          window.after,
          window.until,
          50,
          undefined,
          stats,
        );
        const text = queries.text.search(timeline, questions[q]!, window, 50, DEFAULT_TEXT_RANKING);
        const fullMatch = queries.text.fullMatchScore(
          timeline,
          questions[q]!,
          DEFAULT_TEXT_RANKING,
        );
        return { vector, text, stats: { ...stats, fullMatch } };
      });
    });
    const hydrator = queries as unknown as Hydrator;
    const seqOf = new Map(
      hydrator.sql
        .all<{ seq: number; id: string }>('SELECT seq, id FROM memories')
        .map(({ seq, id }) => [id, seq]),
    );
    const hitSeqs = inputs.map((q) =>
      queries
        .searchWindows(index, () => timeline, request(q, 'HYBRID'), windows, null)
        .flatMap((window) => window.hits.map((hit) => seqOf.get(hit.memory.id)!)),
    );
    const fusion = (q: number) => {
      for (const { vector, text, stats } of pooled[q]!)
        fusedRanking(vector, text, DEFAULT_HYBRID_VECTOR_WEIGHT, 10, stats);
    };
    const hydration = (q: number) => void hydrator.hydrateSeqs(hitSeqs[q]!);
    const analysis = (q: number) => {
      queryTerms(questions[q]!, DEFAULT_TEXT_RANKING.stopwords);
      queryNames(questions[q]!);
      queryDates(questions[q]!, Date.now());
    };
    const [
      hybrid = [],
      text = [],
      vectorPool = [],
      textPool = [],
      rank = [],
      count = [],
      prune = [],
      fuse = [],
      hydrate = [],
      analyse = [],
    ] = sampleInTurn(
      [
        search('HYBRID'),
        search('TEXT'),
        vectorPools,
        textPools,
        ranking,
        counting,
        pruned,
        fusion,
        hydration,
        analysis,
      ],
      inputs,
      SAMPLES,
    );
    return {
      hybrid,
      text,
      vectorPool,
      textPool,
      rank,
      count,
      prune,
      fuse,
      hydrate,
      analyse,
      passages: timeline.size,
      postings: postings.map((terms) => terms.reduce((sum, term) => sum + term.seqs.length, 0)),
    };
  });

  const p50 = (samples: number[]) => ms(percentile(samples, 50));
  const mean = (samples: number[]) => samples.reduce((sum, x) => sum + x, 0) / samples.length;
  console.log(
    [
      '',
      `MemoryRouter HYBRID search benchmark, bench:api's corpus — ${MEMORIES} memories (${phases.passages} passages), ${questions.length} queries of 8–19 words (mean ${mean(phases.postings).toFixed(0)} postings), WORKING + LONG_TERM × 10`,
      `  in-object search (searchMs + hydrateMs)    p50 ${p50(inObject)}   mean ${ms(mean(inObject))}`,
      `  phases, in turn inside the object:`,
      `    HYBRID, both windows                     p50 ${p50(phases.hybrid)}`,
      `    TEXT, both windows                       p50 ${p50(phases.text)}`,
      `    vector pools of 50, both windows         p50 ${p50(phases.vectorPool)}`,
      `    text pools of 50, both windows           p50 ${p50(phases.textPool)}`,
      `    full ranking (rankPassages)              p50 ${p50(phases.rank)}`,
      `    pruned ranking, pools of 50 (text-pruning) p50 ${p50(phases.prune)}   of which preparing ${p50(phases.count)}`,
      `    fusion of both windows' pools (fused-ranking) p50 ${p50(phases.fuse)}`,
      `    hydration of both windows' hits, one statement p50 ${p50(phases.hydrate)}`,
      `    query analysis, uncached (terms, names, dates) p50 ${p50(phases.analyse)}`,
      `  answers' fingerprint (ids and scores of every query's hits) ${(fingerprint >>> 0).toString(16)}`,
      `  answers' order fingerprint (the same without scores) ${(orderFingerprint >>> 0).toString(16)}`,
      `  (samples are means of ${BATCH} consecutive searches; workerd's clock has 1 ms resolution)`,
      '',
    ].join('\n'),
  );
});
