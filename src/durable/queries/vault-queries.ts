import { MAX_PAGE_SIZE } from '../../core/limits';
import type { ListCursor } from '../../vaults/list-cursors';
import { chunkSpans, wordSpan, type WordRange } from '../../text/chunks';
import { BestByContent } from '../../core/best-by-content';
import { metadataConditions } from './metadata-filter';
import { fusedRanking } from './fused-ranking';
import { textEvidence } from './score-fusion';
import { demoteStaleTurns, staleHeadroom } from './stale-turns';
import { OutdatedMemories } from './outdated-memories';
import type { RetiredFact } from '../full-text/retired-facts';
import type { Sql, SqlValue } from '../sqlite/sql';
import { DEFAULT_TEXT_RANKING } from '../full-text/text-ranking';
import { TextSearch } from '../full-text/text-search';
import type { TextTimeline } from '../full-text/text-timeline';
import type { SearchScope, SimilarityStats, VectorIndex } from '../hot-tier/vector-index';
import type {
  ListFilter,
  ListPage,
  ListRequest,
  MatchSpan,
  MemoryRecord,
  SearchHitRecord,
  SearchRequest,
  VaultReadOp,
  WindowResult,
  WindowSearch,
} from '../rpc/vault-types';

/** How far down a fact's versions a search follows to the current one (a vault's chains are short). */
const MAX_VERSION_STEPS = 16;

interface MemoryRow extends Record<string, SqlStorageValue> {
  id: string;
  content: string;
  role: string;
  metadata: string | null;
  created_at: number;
  tokens: number;
  valid_until: number | null;
  superseded_by: string | null;
}

const MEMORY_COLUMN_NAMES = [
  'id',
  'content',
  'role',
  'metadata',
  'created_at',
  'tokens',
  'valid_until',
  'superseded_by',
] as const;
const MEMORY_COLUMNS = MEMORY_COLUMN_NAMES.join(', ');
/** Where each of MEMORY_COLUMNS sits in a row read with `raw()`. */
const AT = Object.fromEntries(MEMORY_COLUMN_NAMES.map((name, at) => [name, at])) as Record<
  (typeof MEMORY_COLUMN_NAMES)[number],
  number
>;
/** `searchWindows` reads seq and chunked after MEMORY_COLUMNS. */
const SEQ_AT = MEMORY_COLUMN_NAMES.length;
const CHUNKED_AT = SEQ_AT + 1;
/** Longest chain of versions `history` follows (a guard, not a limit anyone meets). */
const MAX_HISTORY = 100;
/** Hybrid search ranks this many candidates per side (at least) before fusing. */
const HYBRID_POOL = 50;

/**
 * One search while its windows rank: it names the search to the vector
 * index (SearchScope, so a window ranked again reuses its code scan) and
 * keeps each window's HYBRID pools, which a window ranked again for more
 * candidates takes as they are while its pool size is the same (a chat
 * read's windows of 4 ask 8 or 16 next, from pools of 50 all the same).
 */
interface SearchRun {
  pools: Map<WindowSearch, HybridPools>;
  /** The memories each window may answer (undefined: all). */
  allowed: Map<WindowSearch, { has(seq: number): boolean } | undefined>;
}

/** A window whose metadata filter matches no memory. */
const EMPTY: { has(seq: number): boolean } = { has: () => false };

/** A window's two HYBRID pools of `size`, and the spread of its vector side. */
interface HybridPools {
  size: number;
  vector: Ranked[];
  text: Ranked[];
  stats: SimilarityStats;
}

/** A ranked memory before hydration, and which part of it matched. */
interface Ranked {
  seq: number;
  score: number;
  /** Text: the words of the passage that scored, for a memory indexed in chunks. */
  words?: WordRange;
  /** Vector: the chunk that scored. */
  chunk?: number;
}

/**
 * The read queries of a vault over its SQLite, hot vector index and text
 * timeline: window searches in the three modes, lookups by id and keyset
 * listing pages.
 */
export class VaultQueries {
  /** Text search, with its cache of postings (the vault tells it what changed). */
  readonly text: TextSearch;
  /** Milliseconds spent reading memory rows since the caller last reset it (Server-Timing's hydrate). */
  hydrateMs = 0;

  constructor(private readonly sql: Sql) {
    this.text = new TextSearch(sql);
  }

  /**
   * The windows of one search; `index` is null while the vault has no
   * vectors. `timeline` is asked for only when the search needs text.
   * `retired` (seqs of superseded memories, null when there are none) is
   * skipped unless the request includes superseded memories, and so is the
   * demotion of `stale` turns (seqs of turns a retired fact was drawn from,
   * stale-turns.ts; null when there are none). Each window is
   * ranked on its own; the memories of all of them are then read in one
   * query (one statement instead of one per window). A window returns its
   * limit of distinct contents: duplicates are skipped before the cut, not
   * after it, so a fact stored ten times takes one place, not ten.
   */
  searchWindows(
    index: VectorIndex | null,
    timeline: () => TextTimeline,
    asked: SearchRequest,
    windows: readonly WindowSearch[],
    retired: ReadonlySet<number> | null = null,
    stale: ReadonlySet<number> | null = null,
    facts: readonly RetiredFact[] | null = null,
  ): WindowResult[] {
    try {
      return this.searchEachWindow(index, timeline, asked, windows, retired, stale, facts);
    } finally {
      // The windows' text passes served their fills (window-passes.ts).
      this.text.forgetPasses();
    }
  }

  /** `searchWindows`, its windows' text passes kept until it returns. */
  private searchEachWindow(
    index: VectorIndex | null,
    timeline: () => TextTimeline,
    asked: SearchRequest,
    windows: readonly WindowSearch[],
    retired: ReadonlySet<number> | null,
    stale: ReadonlySet<number> | null,
    facts: readonly RetiredFact[] | null,
  ): WindowResult[] {
    // Every window reads the query's dates as of one day (a caller without a
    // `now` of its own gets the clock's, read once).
    const request = asked.now === undefined ? { ...asked, now: Date.now() } : asked;
    // The text unit (TEXT's scale, HYBRID's text side) depends on the query
    // and the vault, not the window: read once per search, when first needed.
    let fullMatch: number | undefined;
    const fullMatchOnce = () =>
      (fullMatch ??= this.text.fullMatchScore(
        timeline(),
        request.text,
        request.textRanking ?? DEFAULT_TEXT_RANKING,
        request.now,
        request.nowOffsetMinutes,
        request.corpus,
      ));
    // Demoted where the window's memories are chosen, so the memories a
    // demotion lets in were ranked and can take the places.
    const demoted = request.includeSuperseded === true ? null : stale;
    // Turns that restated a retired fact are demoted as its own turns are
    // (outdated-memories.ts): told by their text, so the candidates are read
    // before the cut. Only in a vault where a fact was retired.
    const outdated =
      request.includeSuperseded === true || facts === null ? null : new OutdatedMemories(facts);
    const records = new Map<number, { memory: MemoryRecord; chunked: boolean }>();
    const read = (seqs: readonly number[]) => {
      const unread = seqs.filter((seq) => !records.has(seq));
      for (const [seq, record] of this.hydrateSeqs(unread)) records.set(seq, record);
    };
    // A window ranked again (its fill, below) reuses what it can of its first ranking.
    const run: SearchRun = { pools: new Map(), allowed: new Map() };
    const rank = (window: WindowSearch, asked: number) => {
      const extra = outdated === null ? staleHeadroom(demoted, asked) : asked;
      const ranking = this.rankWindow(
        index,
        timeline,
        request,
        window,
        asked + extra,
        retired,
        fullMatchOnce,
        run,
      );
      if (demoted === null && outdated === null) return ranking;
      let stale = demoted;
      if (outdated !== null) {
        read(ranking.ranked.map((hit) => hit.seq));
        const restating = ranking.ranked.filter((hit) => {
          const found = records.get(hit.seq);
          return found !== undefined && outdated.restates(found.memory);
        });
        if (restating.length > 0)
          stale = new Set([...(demoted ?? []), ...restating.map((hit) => hit.seq)]);
      }
      return { ...ranking, ranked: demoteStaleTurns(ranking.ranked, stale, asked) };
    };
    const rankings = windows.map((window) => rank(window, window.limit));
    read(rankings.flatMap(({ ranked }) => ranked.map((hit) => hit.seq)));
    const results = rankings.map((ranking, at) => {
      const window = windows[at]!;
      let { ranked } = ranking;
      let picked = distinctContents(ranked, records, window.limit);
      // The same content stored several times ranks as often, and the window
      // returns it once: while duplicates left it short of its limit and the
      // ranking may hold more, ask for more candidates (a vault without
      // duplicates never comes here).
      let asked = window.limit;
      while (picked.length < window.limit && ranked.length === asked) {
        asked = moreCandidates(asked, picked.length, window.limit);
        ranked = rank(window, asked).ranked;
        read(ranked.map((hit) => hit.seq));
        picked = distinctContents(ranked, records, window.limit);
      }
      const hits: SearchHitRecord[] = picked.map(({ hit, memory, chunked }) => ({
        memory,
        score: hit.score,
        window: window.window,
        match: matchOf(memory, chunked, hit.words, hit.chunk),
      }));
      return { ...ranking.result, hits };
    });
    if (outdated !== null) this.markOutdated(results, outdated, request.asOf);
    return results;
  }

  /**
   * Marks each hit a retired fact made outdated with when, and with the
   * memories current as of `asOf` (now when absent) that replaced its facts:
   * each fact's successor, or the successor's own, down the chain of
   * versions (Paris → Berlin → Munich gives Munich). A chain that ends in a
   * memory declared no longer true gives nothing.
   */
  private markOutdated(
    results: readonly WindowResult[],
    outdated: OutdatedMemories,
    asOf: number | undefined,
  ): void {
    for (const { hits } of results)
      for (const hit of hits) {
        const facts = outdated.factsOf(hit.memory);
        if (facts.length === 0) continue;
        const current = this.currentSuccessors(
          facts.flatMap((fact) => (fact.supersededBy === null ? [] : [fact.supersededBy])),
          asOf,
        );
        // Facts of another vault (marks: facts kept apart from their turn):
        // their successors live there, so the Worker reads them by these ids.
        const elsewhere = facts.flatMap((fact) => (fact.elsewhere === true ? [fact.id] : []));
        hit.outdated = {
          since: Math.min(...facts.map((fact) => fact.validUntil)),
          current,
          ...(elsewhere.length === 0
            ? {}
            : { elsewhere: { facts: elsewhere, asOf: asOf ?? null } }),
        };
      }
  }

  /**
   * The memories current as of `asOf` (now when absent) down the chains of
   * versions from `successors`: each one that stands, or the one its own
   * successor leads to (Paris → Berlin → Munich gives Munich from Berlin).
   * A chain that ends in a memory declared no longer true gives nothing.
   */
  currentSuccessors(successors: readonly string[], asOf: number | undefined): MemoryRecord[] {
    const current: MemoryRecord[] = [];
    let next = [...successors];
    for (let step = 0; next.length > 0 && step < MAX_VERSION_STEPS; step++) {
      const later: string[] = [];
      for (const memory of this.hydrate([...new Set(next)])) {
        const stands =
          memory.validUntil == null || (asOf !== undefined && memory.validUntil > asOf);
        if (stands) {
          if (!current.some((kept) => kept.id === memory.id)) current.push(memory);
        } else if (memory.supersededBy != null) later.push(memory.supersededBy);
      }
      next = later;
    }
    return current;
  }

  /** One window of one search (`searchWindows` with one window). */
  searchWindow(
    index: VectorIndex | null,
    timeline: () => TextTimeline,
    request: SearchRequest,
    window: WindowSearch,
    retired: ReadonlySet<number> | null = null,
    stale: ReadonlySet<number> | null = null,
    facts: readonly RetiredFact[] | null = null,
  ): WindowResult {
    return this.searchWindows(index, timeline, request, [window], retired, stale, facts)[0]!;
  }

  /** A window's ranked memories before hydration, and its result without hits. */
  private rankWindow(
    index: VectorIndex | null,
    timeline: () => TextTimeline,
    request: SearchRequest,
    window: WindowSearch,
    asked: number,
    retired: ReadonlySet<number> | null,
    fullMatch: () => number,
    run: SearchRun,
  ): { result: WindowResult; ranked: Ranked[] } {
    if (index === null || asked === 0)
      return { result: { window: window.window, hits: [], rowsInWindow: 0 }, ranked: [] };
    const { start, end } = index.range(window.after, window.until);
    const empty: WindowResult = { window: window.window, hits: [], rowsInWindow: end - start };
    const none = { result: empty, ranked: [] };
    if (end <= start && !index.partial) return none;

    // Worked out once per window and search: its fill is given the same
    // memories, the same object (text search keeps the window's pass by it).
    let allowed: { has(seq: number): boolean } | undefined;
    if (run.allowed.has(window)) allowed = run.allowed.get(window);
    else {
      const matching =
        request.metadata === null ? undefined : this.matching(request.metadata, window);
      const skip = request.includeSuperseded === true ? null : retired;
      allowed =
        matching !== undefined && matching.size === 0
          ? EMPTY
          : skip === null
            ? matching
            : {
                has: (seq: number) =>
                  !skip.has(seq) && (matching === undefined || matching.has(seq)),
              };
      run.allowed.set(window, allowed);
    }
    if (allowed === EMPTY) return none;
    const accept = allowed === undefined ? undefined : (seq: number) => allowed.has(seq);
    const ranking = request.textRanking ?? DEFAULT_TEXT_RANKING;
    const byText = (limit: number): Ranked[] =>
      this.text.search(
        timeline(),
        request.text,
        window,
        limit,
        ranking,
        allowed,
        request.now,
        request.nowOffsetMinutes,
        request.corpus,
      );
    const byVector = (limit: number, stats?: SimilarityStats): Ranked[] =>
      index.searchWindow(
        request.vector!,
        window.after,
        window.until,
        limit,
        accept,
        stats,
        run satisfies SearchScope,
      );

    let ranked: Ranked[];
    // HYBRID weighing vectors alone is VECTOR: its standout scale would keep
    // only rows that stand out (few in a small window), which is no ranking a
    // caller who gives words no weight asks for.
    if (request.mode === 'VECTOR' || (request.mode === 'HYBRID' && request.vectorWeight >= 1)) {
      ranked = byVector(asked);
    } else if (request.mode === 'TEXT') {
      // BM25 on HYBRID's text scale, s / (s + F): raw BM25's idf depends on
      // the vault's size and content, so it cannot be merged across vaults;
      // against the query's full match in this vault it can. Monotonic in s,
      // so the vault's own order is unchanged.
      const onScale = textEvidence(fullMatch());
      ranked = byText(asked).map((hit) => ({ ...hit, score: onScale(hit.score) }));
    } else {
      const size = Math.max(HYBRID_POOL, asked * 3);
      let pools = run.pools.get(window);
      if (pools === undefined || pools.size !== size) {
        const stats: SimilarityStats = { rows: 0, mean: 0, deviation: 0 };
        const vector = byVector(size, stats);
        pools = { size, vector, text: byText(size), stats };
        run.pools.set(window, pools);
      }
      const { vector: vectorPool, text: textPool, stats } = pools;
      // Standout fusion needs the window's spread and the query's full-match
      // text score in this vault; min-max (the ablation's) needs neither.
      const standout =
        request.fusion === 'MIN_MAX'
          ? undefined
          : {
              ...stats,
              fullMatch: fullMatch(),
            };
      const fused = fusedRanking<Ranked, Ranked>(
        vectorPool,
        textPool,
        request.vectorWeight,
        asked,
        standout,
      );
      // A fused 0 is a memory neither side has evidence for: no word of the
      // query, no vector standing out. It is not returned (nor billed, nor
      // injected into chat) unless the caller asks for the nearest memories
      // whatever their evidence (`keepUnmatched`). Such memories rank last,
      // so what is left is still the top of the ranking, and a cut list means
      // the pools held nothing more with evidence. MIN_MAX's 0 is only its
      // pool's weakest, not an absence of evidence.
      const evidenced =
        standout === undefined || request.keepUnmatched === true
          ? fused
          : fused.filter(({ score }) => score > 0);
      ranked = evidenced.map(({ hit, score }) => ({
        seq: hit.seq,
        score,
        words: hit.words,
        chunk: hit.chunk,
      }));
    }

    return { result: empty, ranked };
  }

  /** Seqs of the memories in a window that pass a metadata filter. */
  private matching(
    filter: NonNullable<SearchRequest['metadata']>,
    window: WindowSearch,
  ): Set<number> {
    const conditions = metadataConditions(filter);
    const where = ['created_at <= ?', ...conditions.sql];
    const params: SqlValue[] = [window.until, ...conditions.params];
    if (window.after !== null) {
      where.push('created_at > ?');
      params.push(window.after);
    }
    const rows = this.sql.all<{ seq: number }>(
      `SELECT seq FROM memories WHERE ${where.join(' AND ')}`,
      ...params,
    );
    return new Set(rows.map((row) => row.seq));
  }

  /** Memories by seq, and whether each was indexed in chunks. */
  private hydrateSeqs(
    seqs: readonly number[],
  ): Map<number, { memory: MemoryRecord; chunked: boolean }> {
    if (seqs.length === 0) return new Map();
    const started = performance.now();
    // Rows as arrays (`raw`): building an object per row with its column
    // names was about half of reading a search's 20 memories.
    const rows = this.sql
      .cursor<HydratedRow>(
        `SELECT ${MEMORY_COLUMNS}, seq, chunk_embeddings IS NOT NULL AS chunked
         FROM memories WHERE seq IN (SELECT value FROM json_each(?))`,
        JSON.stringify(seqs),
      )
      .raw();
    const hydrated = new Map<number, { memory: MemoryRecord; chunked: boolean }>();
    for (const row of rows) {
      hydrated.set(row[SEQ_AT] as number, {
        memory: recordOfRaw(row),
        chunked: row[CHUNKED_AT] === 1,
      });
    }
    this.hydrateMs += performance.now() - started;
    return hydrated;
  }

  hydrate(ids: readonly string[]): MemoryRecord[] {
    if (ids.length === 0) return [];
    const started = performance.now();
    const records = Array.from(
      this.sql
        .cursor<MemoryRow>(
          `SELECT ${MEMORY_COLUMNS} FROM memories WHERE id IN (SELECT value FROM json_each(?))`,
          JSON.stringify(ids),
        )
        .raw(),
      recordOfRaw,
    );
    this.hydrateMs += performance.now() - started;
    return records;
  }

  /**
   * The versions of a memory, oldest first: the memories it superseded, back
   * to the first, then the ones that superseded it, up to the current one.
   * Empty when there is no such memory.
   */
  history(id: string): MemoryRecord[] {
    const start = this.hydrate([id])[0];
    if (start === undefined) return [];
    const versions = [start];
    const seen = new Set([start.id]);
    for (let first = start; versions.length < MAX_HISTORY;) {
      const before = this.sql.first<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM memories WHERE superseded_by = ?
         ORDER BY valid_until DESC LIMIT 1`,
        first.id,
      );
      if (before === null || seen.has(before.id)) break;
      first = toRecord(before);
      seen.add(first.id);
      versions.unshift(first);
    }
    for (let last = start; versions.length < MAX_HISTORY && last.supersededBy;) {
      const after = this.hydrate([last.supersededBy])[0];
      if (after === undefined || seen.has(after.id)) break;
      last = after;
      seen.add(last.id);
      versions.push(last);
    }
    return versions;
  }

  /**
   * Whether a memory stored within one of `periods` is here, as a search
   * with that filter would list it (read op `heldIn`): one statement per
   * period, a seek on the time index that stops at the first row.
   */
  heldIn(op: Extract<VaultReadOp, { type: 'heldIn' }>): boolean {
    const filter = metadataConditions(op.metadata);
    const conditions = ['created_at >= ?', 'created_at < ?', ...filter.sql];
    const current: SqlValue[] = [];
    if (!op.includeSuperseded) {
      conditions.push('(valid_until IS NULL OR valid_until > ?)');
      current.push(op.asOf ?? Date.now());
    }
    const query = `SELECT 1 AS found FROM memories WHERE ${conditions.join(' AND ')} LIMIT 1`;
    return op.periods.some(
      ({ start, end }) => this.sql.first(query, start, end, ...filter.params, ...current) !== null,
    );
  }

  /**
   * A keyset page: rows strictly after the cursor in (createdAt, seq) order,
   * so memories of the same time list in the order they were stored. A
   * filter only adds conditions, so a cursor stays a position in the same
   * order and pages neither skip nor repeat a memory; `totalCount` is then
   * the number of memories that match (one count over the vault).
   */
  listPage(request: ListRequest, totalCount: number): ListPage {
    const first = Math.max(0, Math.min(request.first, MAX_PAGE_SIZE));
    const newestFirst = request.order === 'NEWEST_FIRST';
    const filter = listConditions(request.filter);
    const conditions = [...filter.sql];
    const params: SqlValue[] = [...filter.params];
    if (request.after !== null) {
      conditions.push(`(created_at, seq) ${newestFirst ? '<' : '>'} (?, ?)`);
      params.push(request.after.createdAt, this.cursorSeq(request.after, newestFirst));
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const direction = newestFirst ? 'DESC' : 'ASC';
    const rows = this.sql.all<MemoryRow & { seq: number }>(
      `SELECT ${MEMORY_COLUMNS}, seq FROM memories ${where}
       ORDER BY created_at ${direction}, seq ${direction} LIMIT ?`,
      ...params,
      first + 1,
    );
    const page = rows.slice(0, first);
    const matching =
      filter.sql.length === 0
        ? totalCount
        : (this.sql.first<{ n: number }>(
            `SELECT COUNT(*) AS n FROM memories WHERE ${filter.sql.join(' AND ')}`,
            ...filter.params,
          )?.n ?? 0);
    return {
      memories: page.map(toRecord),
      seqs: page.map((row) => row.seq),
      hasNextPage: rows.length > first,
      totalCount: matching,
    };
  }

  /**
   * The seq a cursor stands at. A cursor of the earlier form names only the
   * time and id: the memory's seq, found by its id; when that memory is gone,
   * the start of its time, so the page may repeat memories of that time but
   * never skips one.
   */
  private cursorSeq(cursor: ListCursor, newestFirst: boolean): number {
    if (cursor.seq !== null) return cursor.seq;
    const row = this.sql.first<{ seq: number }>(
      'SELECT seq FROM memories WHERE id = ? AND created_at = ?',
      cursor.localId,
      cursor.createdAt,
    );
    return row?.seq ?? (newestFirst ? Number.MAX_SAFE_INTEGER : 0);
  }
}

/** A listing filter as SQL conditions (joined with AND) and their parameters. */
function listConditions(filter: ListFilter | undefined): { sql: string[]; params: SqlValue[] } {
  const { sql, params } = metadataConditions(filter?.metadata ?? null);
  if (filter?.role !== undefined) {
    sql.push('role = ?');
    params.push(filter.role);
  }
  if (filter?.createdAfter !== undefined) {
    sql.push('created_at > ?');
    params.push(filter.createdAfter);
  }
  if (filter?.createdBefore !== undefined) {
    sql.push('created_at < ?');
    params.push(filter.createdBefore);
  }
  return { sql, params };
}

/** A hydrated row as `raw` gives it: MEMORY_COLUMNS in order, then seq and chunked. */
type HydratedRow = MemoryRow & { seq: number; chunked: number };

/** `toRecord` of a row read with `raw()`, its values in MEMORY_COLUMNS's order. */
function recordOfRaw(row: SqlStorageValue[]): MemoryRecord {
  return {
    id: row[AT.id] as string,
    content: row[AT.content] as string,
    role: row[AT.role] as MemoryRecord['role'],
    metadata: row[AT.metadata] as string | null,
    createdAt: row[AT.created_at] as number,
    tokens: row[AT.tokens] as number,
    validUntil: row[AT.valid_until] as number | null,
    supersededBy: row[AT.superseded_by] as string | null,
  };
}

function toRecord(row: MemoryRow): MemoryRecord {
  return {
    id: row.id,
    content: row.content,
    role: row.role as MemoryRecord['role'],
    metadata: row.metadata,
    createdAt: row.created_at,
    tokens: row.tokens,
    validUntil: row.valid_until,
    supersededBy: row.superseded_by,
  };
}

/**
 * Where a hit matched: the text passage's words, else the vector chunk's span,
 * else (a memory indexed whole) all of the content.
 */
function matchOf(
  memory: MemoryRecord,
  chunked: boolean,
  words: WordRange | undefined,
  chunk: number | undefined,
): MatchSpan {
  if (words !== undefined) return wordSpan(memory.content, words);
  if (chunked && chunk !== undefined) {
    const span = chunkSpans(memory.content)[chunk];
    if (span !== undefined) return span;
  }
  return { start: 0, end: memory.content.length };
}

/** A ranked memory that made its window, with its row. */
interface Picked {
  hit: Ranked;
  memory: MemoryRecord;
  chunked: boolean;
}

/**
 * The first `limit` distinct contents of a ranking, best first: a content
 * ranked again (the same fact stored twice, `contentKey`) is left out, so
 * each window returns, and bills, its limit of different memories.
 */
function distinctContents(
  ranked: readonly Ranked[],
  records: ReadonlyMap<number, { memory: MemoryRecord; chunked: boolean }>,
  limit: number,
): Picked[] {
  const seen = new BestByContent<Picked>();
  for (const hit of ranked) {
    if (seen.values().length === limit) break;
    const found = records.get(hit.seq);
    if (found !== undefined) seen.offer(found.memory.content, { hit, ...found }, keepFirst);
  }
  return seen.values();
}

/** The ranking is best first: the first of a content is its best. */
const keepFirst = (): boolean => false;

/**
 * How many candidates to ask for next when `asked` gave only `picked`
 * distinct contents of `limit`: at least twice as many, and as many as the
 * share of distinct ones so far suggests.
 */
function moreCandidates(asked: number, picked: number, limit: number): number {
  return Math.max(asked * 2, Math.ceil((asked * limit) / Math.max(picked, 1)));
}
