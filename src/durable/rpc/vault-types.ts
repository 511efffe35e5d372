/**
 * Plain-object shapes crossing the Worker ⇄ VaultObject RPC boundary. No class
 * instances: everything here survives structured clone unchanged.
 */
import type { Failure, Result } from '../../core/errors';
import type { WindowSearch } from '../../kronos/plan';
import type { MemoryWindow } from '../../kronos/windows';
import type { VaultAddress, VaultKind } from '../../vaults/address';
import type { ListCursor } from '../../vaults/list-cursors';
import type { Role } from '../../vaults/roles';
import type { TextRanking } from '../full-text/text-ranking';
import type { CorpusStatistics } from '../full-text/corpus-statistics';

// Defined below the durable layer (kronos/ and vaults/ use them too), named
// here as well for the vault object's modules.
export { ROLES, type Role } from '../../vaults/roles';
export type { WindowSearch } from '../../kronos/plan';

export const SEARCH_MODES = ['VECTOR', 'TEXT', 'HYBRID'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Any JSON value (a precise type, so it survives the RPC type mapping). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = { [key: string]: JsonValue };
/** Metadata filter values: equality on scalars only. */
export type MetadataFilter = Record<string, string | number | boolean | null>;

export interface NewMemory {
  content: string;
  role: Role;
  /** A JSON object as text (JSON crosses RPC as text: no deep generic types). */
  metadata: string | null;
  createdAt: number;
  tokens: number;
  /** Raw components; the vault validates and normalises them. */
  vector: Float32Array | number[];
  /** True when the caller brought this vector (only its dimensions must match). */
  callerVector: boolean;
  /**
   * With `callerVector`: the model that made it, when the request says so (an
   * import of an export names its vault's model in the header); absent: the
   * caller's own (`caller-supplied`).
   */
  vectorModel?: string | null;
  /**
   * One vector per chunk (src/text/chunks.ts `chunkSpans`) of a long memory,
   * when it is indexed in chunks; `vector` is then their normalised mean.
   */
  chunkVectors?: (Float32Array | number[])[] | null;
  /** Keep this id (imports of exported vaults); default: a fresh random id (`batchIds`). */
  id?: string | null;
  /**
   * A chat turn's item: not stored (nor billed) when a live memory of the
   * vault with the same whitespace-normalised text was created within
   * REPEATED_TURN_WINDOW_MS (recent-texts.ts). Checked in the write's own
   * step, so two identical turns racing store one.
   */
  skipIfRepeated?: boolean;
  /**
   * With `skipIfRepeated`, a turn stored with fact extraction: only a turn
   * stored with extraction whose facts still stand counts as held
   * (recent-texts.ts `extractedTurnHeld`), not a plain note or a demoted turn.
   */
  repeatsExtractedOnly?: boolean;
  /**
   * Positions in the request of the memories this one was drawn from (a
   * fact, from its turn): when every one of them is left out as repeated
   * (`skipIfRepeated`), this one is left out too, unbilled. Two identical
   * chat turns with extraction racing past the Worker's check so store
   * their facts once, as they store the turn once.
   */
  skipWith?: number[];
}

export interface StoreRequest {
  memories: NewMemory[];
  /** The deployment's embedder, for vectors it computed. */
  model: string;
  dimensions: number;
  /** Memories this batch supersedes, written in the same transaction. */
  retire?: Retirement[];
  /** Memories of this batch written as superseded already (imports of exported vaults). */
  arriveRetired?: ArrivingRetirement[];
  /** The write's memory tokens, recorded with it for the account (vault-usage.ts). */
  usage?: UsageCharge;
  /**
   * The caller's idempotency key and a digest of its inputs: a store with a
   * key the vault holds answers its records again (same digest) or is
   * refused (another), writing and recording nothing (store-keys.ts).
   * `fingerprint` is what the vault records; `legacyFingerprint` (LEGACY,
   * resolvers/idempotency.ts says when it goes) only matches records written
   * before fingerprints were keyed, and is never stored.
   */
  idempotency?: {
    key: string;
    fingerprint: string;
    legacyFingerprint?: string;
    /** A batch with fact extraction: what its replay answers besides its memories. */
    extraction?: KeyedExtraction;
  };
  /**
   * The import this batch belongs to (`VaultObject.openImport`): refused as
   * NOT_FOUND / VAULT_CLEARED once a clear of the vault ended it, or
   * NOT_FOUND / VAULT_RESTORED once a restore did.
   */
  importId?: string;
}

/**
 * What a keyed store with fact extraction keeps with its key besides its
 * memories' ids, times and tokens (store-keys.ts), no text of any memory:
 * `inputs`, how many of the batch's memories are the caller's inputs (the
 * ones after them are its facts); `receipt`, the Worker's record of the
 * extraction (counts, failure, each fact's planned decision), opaque here.
 * The retirements the write applied are added by the vault.
 */
export interface KeyedExtraction {
  inputs: number;
  receipt: string;
  /**
   * A retry that extracts again for a first call whose extraction failed
   * for a while (the provider's 429 or 5xx, no connection): the batch holds
   * the facts alone, and the key's record is replaced, its inputs' memories
   * kept, only while it still holds `receipt` (the failed record); else the
   * retry is answered as a replay of `inputs` (another retry got there first).
   */
  amends?: { receipt: string; inputs: ReplayInput[] };
}

/**
 * A replayed store's extraction: the first call's receipt record, its facts
 * (local id, and content as the vault holds it now: null when deleted
 * since) and the retirements its write applied.
 */
export interface ReplayedExtraction {
  receipt: string;
  facts: { id: string; content: string | null }[];
  retired: { id: string; supersededBy: string | null }[];
}

/** A keyed retry's own inputs, as a replay answers them (the vault keeps none of their text). */
export type ReplayInput = Pick<NewMemory, 'content' | 'role' | 'metadata'>;

/** Who a read or write bills, under the request's identifier (vault-usage.ts). */
export interface UsageMeter {
  requestId: string;
  accountId: string;
  keyId: string;
}

/**
 * The caller's half of a multi-vault search billed in one of its vaults (an
 * RPC callback): this vault's windows in, the merged hits' memory tokens out;
 * null when the search failed elsewhere and bills nothing.
 */
export type MergedBill = (
  windows: WindowResult[],
  /** The same windows packed into columns, when the search asked for them so (`windows` is then empty). */
  packed?: PackedWindow[],
) => Promise<number | null>;

/** Who a multi-vault search bills, and the caller's half of that bill. */
export interface MergedSettlement {
  meter: UsageMeter;
  merged: MergedBill;
}

/**
 * A search over several vaults that the receiving vault leads (the first of
 * them by object name): it asks the other vaults itself, merges every
 * vault's windows as the Worker will (merge-windows.ts) and records the
 * merged hits' memory tokens under `meter` before it answers, so billing
 * costs no callback to the Worker (vault-fan-out.ts).
 */
export interface FanOut {
  /** Every vault of the search in the caller's order, the leading one included: the merge's order. */
  vaults: VaultAddress[];
  meter: UsageMeter;
}

/** A meter and the memory tokens it bills. */
export interface UsageCharge extends UsageMeter {
  memoryTokens: number;
}

/**
 * A fact kept apart from its turn (facts in another vault): its local id and
 * its metadata `sourceTurns`, the Memory.ids of its turn in other vaults.
 */
export interface ApartFact {
  id: string;
  sourceTurns: string[];
}

export interface MemoryRecord {
  id: string;
  content: string;
  role: Role;
  /** A JSON object as text, or null. */
  metadata: string | null;
  createdAt: number;
  tokens: number;
  /** When a later fact superseded it or declared it no longer true; absent or null while current. */
  validUntil?: number | null;
  /** The local id of the memory that superseded it; null when it was declared no longer true. */
  supersededBy?: string | null;
}

/**
 * A memory the batch retires: superseded by the batch's memory at
 * `byPosition`, or (null) declared no longer true. Only current memories of
 * this vault can be retired.
 */
export interface Retirement {
  id: string;
  byPosition: number | null;
  /**
   * Positions of the memories whose fact decided it: dropped when they all
   * are left out as repeated (as a memory's `skipWith`). A retirement by a
   * dropped memory (`byPosition`) goes with it anyway.
   */
  skipWith?: number[];
}

/**
 * The batch's memory at `position` arrives superseded: it stopped being valid
 * at `validUntil`, replaced by the memory with local id `supersededBy` (null:
 * declared no longer true). An exported vault's history survives an import.
 */
export interface ArrivingRetirement {
  position: number;
  validUntil: number;
  supersededBy: string | null;
}

export interface SearchRequest {
  text: string;
  /** The query embedding; null for TEXT mode. */
  vector: Float32Array | null;
  model: string;
  mode: SearchMode;
  windows: WindowSearch[];
  metadata: MetadataFilter | null;
  /** HYBRID: weight of the vector side in the fusion, 0–1 (text gets the rest). */
  vectorWeight: number;
  /**
   * The search's `now` (ms since the epoch): the day that dates the query
   * says relative to today ("yesterday", "last March") count from. Absent:
   * the vault's clock.
   */
  now?: number;
  /**
   * The offset from UTC (minutes) `now` was written in: the calendar the
   * query's "today", "yesterday" or "on Friday" are days of. Absent: UTC.
   */
  nowOffsetMinutes?: number;
  /** Text ranking settings; absent: the defaults. Only tuning runs set them. */
  textRanking?: TextRanking;
  /**
   * HYBRID's vector side: by standout over the window (absent, the default) or
   * min-max over its pool, as before standout fusion. Only tuning runs set it.
   */
  fusion?: 'STANDOUT' | 'MIN_MAX';
  /** Also rank superseded memories (default: only current ones). */
  includeSuperseded?: boolean;
  /**
   * The search's `now`, when the caller named one (ms): a memory superseded
   * after it was current then and is ranked, and a turn counts as stale only
   * if its fact was retired by then. Absent: current is current now.
   */
  asOf?: number;
  /**
   * HYBRID: also return memories with no evidence for the query (fused
   * score 0, in vector order) after those with some. Fact reconciliation
   * asks for them (a fact's nearest memories, whatever their words); a
   * search does not.
   */
  keepUnmatched?: boolean;
  /**
   * One of several vaults searched together: the result tells how this
   * vault read the query's spelling (`VaultSpelling`), so that a word one
   * vault holds is not forgiven as a typo in another
   * (queries/spelling-across-vaults.ts).
   */
  acrossVaults?: true;
  /**
   * One of several vaults searched together: BM25's word statistics summed
   * over all of them (each vault's `textStatistics`), so that a word is as
   * rare in every vault and the same memory scores the same in any
   * (full-text/corpus-statistics.ts). Absent: the vault's own.
   */
  corpus?: CorpusStatistics;
  /**
   * One of several vaults searched by words: also answer this vault's own
   * part of the query's statistics (`statistics` in the result), counted in
   * the same read as the search, which the Worker keeps for the next
   * searches of these words (resolvers/word-statistics-cache.ts). A vault
   * of the previous release ignores it, and the Worker asks it again.
   */
  reportStatistics?: true;
  /**
   * One of several vaults searched by words, sent without `corpus` because
   * the Worker expects the others to hold nothing (resolvers/search-statistics.ts):
   * rank with this vault's own part of the statistics, counted now, as the
   * corpus (what `corpus` would be were the others empty: the same numbers,
   * so the same scores), and answer that part (`statistics`). The Worker
   * checks every vault's part and searches again with their sum when more
   * than one holds passages. A vault of the previous release ranks with its
   * own statistics instead, which differ only in rounding.
   */
  ownCorpus?: true;
}

/** What a vault needs to count its part of a search's statistics (`VaultObject.textStatistics`). */
export interface TextStatisticsQuery {
  text: string;
  now: number;
  nowOffsetMinutes?: number;
  textRanking?: TextRanking;
}

/** How a vault of a search over several (`SearchRequest.acrossVaults`) read the query's words. */
export interface VaultSpelling {
  /** Query terms (index terms) this vault holds, and in how many memories. */
  held: Record<string, number>;
  /** Query terms it read through near misses (typos), and how many memories hold those. */
  forgiven: Record<string, number>;
  /** When any was forgiven: the windows with every forgiven term read only as written. */
  asWritten?: WindowResult[];
}

/** Where in a memory's content the match is: UTF-16 code units, [start, end). */
export interface MatchSpan {
  start: number;
  end: number;
}

export interface SearchHitRecord {
  memory: MemoryRecord;
  score: number;
  window: MemoryWindow;
  /** The passage that matched: all of the content unless it was indexed in chunks. */
  match: MatchSpan;
  /**
   * Set on a memory a later fact made outdated (queries/outdated-memories.ts):
   * a turn a retired fact was drawn from or that restated it. Absent otherwise.
   */
  outdated?: OutdatedRecord | null;
}

/** What made a memory outdated, as of the search's `now`. */
export interface OutdatedRecord {
  /** When the first of its facts stopped being valid. */
  since: number;
  /** The memories current now that replaced those facts; empty when they were declared no longer true. */
  current: MemoryRecord[];
  /**
   * Facts of other vaults that made it outdated (facts kept apart from their
   * turn), by Memory.id, and the search's `asOf` (null: now): what replaced
   * them is read from their vault (read op `successors`). Absent for nearly every hit.
   */
  elsewhere?: { facts: string[]; asOf: number | null };
}

export interface WindowResult {
  window: MemoryWindow;
  hits: SearchHitRecord[];
  /** Rows in the window's time range (before any filter). */
  rowsInWindow: number;
}

/**
 * A search's windows as they cross the Worker ⇄ vault RPC when the Worker
 * asks for them packed (`VaultReadOp.packed`): one array per field instead of
 * one object per hit and per memory. Structured clone writes every property
 * name of every object it copies and rebuilds the objects one property at a
 * time on the other side; columns cost a few arrays per window, whatever the
 * number of hits. Nothing is rounded: numbers travel as float64, strings and
 * nulls as they are, so unpacking gives back equal windows.
 */
export interface PackedWindow {
  window: MemoryWindow;
  rowsInWindow: number;
  ids: string[];
  contents: string[];
  roles: Role[];
  metadata: (string | null)[];
  supersededBy: (string | null)[];
  /** Per hit: what made it outdated; null for nearly every hit. Absent from a vault of an earlier release. */
  outdated?: (OutdatedRecord | null)[];
  /** Per hit: score, createdAt, tokens, validUntil (NaN for null), match start, match end. */
  numbers: Float64Array;
}

/**
 * One window of a led search as its leader merged it: its hits best first,
 * each by its vault (its place in `FanOut.vaults`) and its place in that
 * vault's handed-on window of the same name. Places survive the leader's cut,
 * which hands on a prefix of each window through its last merged hit.
 */
export interface MergedWindow {
  window: MemoryWindow;
  vaults: number[];
  places: number[];
}

export interface SearchResponse {
  results: WindowResult[][];
  /** Milliseconds spent inside the object on these searches. */
  elapsedMs: number;
}

export type ListOrder = 'NEWEST_FIRST' | 'OLDEST_FIRST';

export interface ListRequest {
  first: number;
  after: ListCursor | null;
  order: ListOrder;
  /** Only the memories that match; absent: all of them. */
  filter?: ListFilter;
}

/** Which memories a listing keeps: every condition given must hold. */
export interface ListFilter {
  role?: Role;
  /** createdAt strictly after this (ms). */
  createdAfter?: number;
  /** createdAt strictly before this (ms). */
  createdBefore?: number;
  /** The search's metadata filter: top-level equality on scalar values (metadata-filter.ts). */
  metadata?: MetadataFilter;
}

export interface ListPage {
  memories: MemoryRecord[];
  /** Each memory's seq, for its cursor (listings break ties of createdAt by it). */
  seqs: number[];
  hasNextPage: boolean;
  totalCount: number;
}

export interface VaultStats {
  kind: VaultKind;
  externalId: string | null;
  /** Whether anything was ever written (and not cleared or expired since). */
  exists: boolean;
  memoryCount: number;
  /**
   * Bytes of the object's SQLite database; absent when the call said it
   * does not need them (`VaultReadOptions.storageBytes`).
   */
  storageBytes?: number;
  /** null until the first write decides it. */
  embeddingModel: string | null;
  dimensions: number | null;
  lastWriteAt: number | null;
  expiresAt: number | null;
  /** Most memories this vault accepts at its dimensions. */
  capacity: number | null;
  /** The latest re-embedding of the vault; null when it never had one. */
  reembed: ReembedProgress | null;
}

/**
 * Why a vault answered a search of its re-embedding's target model by text
 * alone: REEMBEDDING while the run goes on (it ends by itself);
 * REEMBEDDING_FAILED once it gave up after its batches failed in a row, and
 * goes on only when an admin resumes it (reembedVault).
 */
export type TextOnlyReason = 'REEMBEDDING' | 'REEMBEDDING_FAILED';

/**
 * A vault's move to another embedding model (vault-reembed.ts): new vectors
 * are computed in batches beside the old ones, which serve searches until
 * one transaction switches every row over.
 */
export interface ReembedProgress {
  /**
   * RUNNING; DONE once switched; FAILED when it cannot be done: the vault would
   * not fit (failures 0), or REEMBED_MAX_FAILURES batches failed in a row.
   */
  state: 'RUNNING' | 'DONE' | 'FAILED';
  /** The model and dimensions the vault moves to. */
  model: string;
  dimensions: number;
  /** The model it moves from. */
  fromModel: string;
  /** DEPLOYMENT: the deployment's embedder changed; ADMIN: reembedVault asked. */
  trigger: 'DEPLOYMENT' | 'ADMIN';
  /**
   * Whether every row is re-embedded (another model, or an admin's request);
   * false when only rows without vectors of the vault's model need them.
   */
  everyRow: boolean;
  startedAt: number;
  finishedAt: number | null;
  /** Memories given new vectors so far. */
  done: number;
  /** Memories still waiting, as counted after the latest batch. */
  remaining: number;
  /** The latest seq given new vectors: the next batch starts after it. */
  cursor: number;
  /** Failed batches in a row (each backs off longer); 0 after a success. */
  failures: number;
  /** The latest failure, in words safe to show (no input text). */
  lastError: string | null;
  /** When the next batch runs; null unless RUNNING. */
  nextBatchAt: number | null;
  /**
   * Memories the embedder refused on their own, skipped so the run could
   * finish: they have no vector of the new model and are found by TEXT only.
   * Absent in records written before skipping existed (read as 0 / none).
   */
  skipped?: number;
  /** Local ids of the first REEMBED_SKIPPED_IDS_KEPT of them. */
  skippedIds?: string[];
}

/**
 * A store batch as the vault's own checks see it, without contents or
 * vectors: what a multi-vault `storeMemories` asks every vault (`check`)
 * before any of them writes.
 */
export interface StorePlan {
  /** The deployment's embedder, for vectors it computes. */
  model: string;
  /** Its dimensions. */
  dimensions: number;
  memories: {
    id: string | null;
    /** Dimensions of a caller-supplied vector; null when the deployment embeds it. */
    dimensions: number | null;
    /** With `dimensions`: the model that made the vector (`NewMemory.vectorModel`); absent: the caller's own. */
    model?: string | null;
    /** Rows in the hot index: one, or one per chunk of a memory indexed in chunks. */
    rows: number;
  }[];
}

/**
 * A refused store: when one memory is at fault, its position in the batch,
 * the field, and the problem in words without the position, so the caller
 * can name it by its own index (`inputs[7].metadata`).
 */
export type StoreFailure = Failure & { position?: number; field?: string; problem?: string };

/**
 * `created`: the vault held nothing before this write (its first, or the first
 * since a clear). `retired`: the retirements applied (a memory already
 * retired, or not here, is skipped).
 */
export type StoreResult =
  | {
      ok: true;
      memories: MemoryRecord[];
      created: boolean;
      retired?: { id: string; supersededBy: string | null }[];
      /** The answer of an earlier store with the same idempotency key: nothing was written. */
      replayed?: boolean;
      /** A replay: local ids of its memories deleted since the first call (they stay deleted). */
      deletedSince?: string[];
      /** A replay of a store with fact extraction: its facts and what they retired (`memories`: its inputs only). */
      extraction?: ReplayedExtraction;
      /**
       * Positions in the request of `skipIfRepeated` memories the vault
       * held already, and of `skipWith` memories left out with them: not
       * written, not billed, absent from `memories`.
       */
      repeated?: number[];
    }
  | StoreFailure;

/**
 * An edit of one memory in place: its id and createdAt stay. Absent fields
 * are kept; `metadata: null` removes the metadata. With `content`, the new
 * text's vector(s) and tokens come along (embedded by the Worker, or the
 * caller's own), and the memory is re-indexed as a store of that text.
 */
export interface UpdateRequest {
  id: string;
  content?: string;
  role?: Role;
  metadata?: string | null;
  /** With `content` (or alone, for a vault of caller-supplied vectors): as in NewMemory. */
  vector?: NewMemory['vector'];
  callerVector?: boolean;
  chunkVectors?: NewMemory['chunkVectors'];
  /** Tokens of the new content. */
  tokens?: number;
  /** The deployment's embedder, for vectors it computed. */
  model: string;
  dimensions: number;
  /** The new content's memory tokens, recorded with the edit (as a store's). */
  usage?: UsageCharge;
}

/**
 * The memory as the edit left it; NOT_FOUND when the vault holds no such
 * memory. `contentUnchanged`: the content sent was the stored content, so it
 * was neither written nor billed.
 */
export type UpdateResult =
  | {
      ok: true;
      memory: MemoryRecord;
      contentUnchanged?: true;
      /**
       * Set when the edit gave new metadata to a retired memory: its
       * `sourceTurns` before (a fact kept apart from its turn), so the
       * Worker moves the marks on its turns elsewhere to those it names now.
       */
      sourceTurnsBefore?: string[];
      /** With `sourceTurnsBefore`: the vault's change order after the edit (VaultObject.markOutdatedElsewhere). */
      changed?: number;
    }
  | StoreFailure;
export type CheckResult = { ok: true } | StoreFailure;
export type SearchResult = Result<SearchResponse>;

/** One read inside a batched `read` call. */
export type VaultReadOp =
  | {
      type: 'search';
      request: SearchRequest;
      /** Bill the tokens of the hits in the vault (a one-vault search): see vault-usage.ts. */
      meter?: UsageMeter;
      /**
       * A search over several vaults that this vault bills: once its own
       * windows are found it hands them to the caller, which merges them with
       * the other vaults' and answers the memory tokens the merged hits bill;
       * the vault records those under `meter` before it answers. Sent without
       * a top-level `meter`, so a vault of the previous release (which knows
       * no such field) bills nothing and answers without `settled`, and the
       * caller bills once through its usage shard.
       */
      settleMerged?: MergedSettlement;
      /**
       * The previous release's shape of `settleMerged`, sent with `meter` by
       * its Workers while a deploy rolls out; still honoured so that they are
       * not billed twice either. Remove once no such Worker runs.
       */
      settle?: MergedBill;
      /**
       * Lead this search over several vaults (see `FanOut`). A vault of the
       * previous release ignores it, so bills nothing and answers without
       * `fanned`: the caller then reads the other vaults itself and bills
       * once through its usage shard.
       */
      fanOut?: FanOut;
      /**
       * Answer the windows packed into columns (`packed`, see
       * packed-windows.ts), as a leader asks the vaults it leads over, and
       * hand them packed to `settleMerged`. A vault of the previous release
       * ignores it and answers `windows`.
       */
      packed?: true;
    }
  | { type: 'get'; ids: string[] }
  | { type: 'list'; request: ListRequest }
  | { type: 'history'; id: string }
  /**
   * What replaced the memories of `ids` as of `asOf` (null: now): the
   * current version down each one's chain of versions; none for one that
   * is current, declared no longer true, or not here. Read for a turn of
   * another vault one of these facts made outdated (OutdatedRecord.elsewhere).
   */
  | { type: 'successors'; ids: string[]; asOf: number | null }
  /**
   * Whether the vault holds a memory stored within one of `periods`
   * ([start, end) ms) that a search with this `metadata` filter could list:
   * current as of `asOf` (null: now), any version with `includeSuperseded`.
   * An index seek per period; asked when every date a query names lies
   * before the windows searched (search's OLDER_MEMORIES_NOT_SEARCHED).
   */
  | {
      type: 'heldIn';
      periods: { start: number; end: number }[];
      metadata: MetadataFilter | null;
      includeSuperseded: boolean;
      asOf: number | null;
    }
  | { type: 'stats' };

/** The result of one op; an expected failure of one op does not fail the others. */
export type VaultReadOpResult =
  | {
      ok: true;
      type: 'search';
      windows: WindowResult[];
      /**
       * Set when a VECTOR or HYBRID search was answered by text alone, and why
       * (the query's model is the one the vault is moving to): see TextOnlyReason.
       */
      textOnly?: TextOnlyReason;
      /**
       * This vault was never written (no memory stored or imported into it
       * yet: its meta has no address), so it holds nothing: a mistyped
       * session id, say. Absent from a vault of the previous release.
       */
      neverWritten?: true;
      /** A search over several vaults (`SearchRequest.acrossVaults`): how this vault read the query's spelling. */
      spelling?: VaultSpelling;
      /** This vault's own part of the query's word statistics, when asked (`SearchRequest.reportStatistics`). */
      statistics?: CorpusStatistics;
      /**
       * This vault recorded the merged hits' tokens its `settleMerged` (or
       * `settle`) answered; `windows` is then empty, since it was handed them.
       */
      settled?: true;
      /** The windows, packed into columns when the op asked (`windows` is then empty). */
      packed?: PackedWindow[];
      /**
       * A search this vault led (`fanOut`): where each other vault's result
       * is, in `fanOut.vaults` order without this vault: the response's
       * `fanned` call and the result's place in it. `settled` says whether
       * the merged hits were billed: not when a vault failed (the search
       * fails) or this vault was never written.
       */
      fannedFrom?: { call: number; result: number }[];
      /**
       * A search this vault led, merged and billed (`fanOut`): each window's
       * merged list in order, so that the caller need not merge the handed-on
       * windows again (merge-windows.ts `handedOnHits`). Absent from a vault
       * of the previous release, and when a vault of the search failed: the
       * caller then merges the windows itself, as before.
       */
      merged?: MergedWindow[];
      /** The same results, put here by the caller's loader from `fannedFrom` (never sent). */
      fanned?: VaultReadOpResult[];
    }
  | { ok: true; type: 'get'; memories: MemoryRecord[] }
  | { ok: true; type: 'list'; page: ListPage }
  | { ok: true; type: 'history'; memories: MemoryRecord[] }
  | { ok: true; type: 'successors'; memories: MemoryRecord[] }
  | { ok: true; type: 'heldIn'; held: boolean }
  | { ok: true; type: 'stats' }
  | Failure;

/** How a `read` call answers beside its ops. */
export interface VaultReadOptions {
  /**
   * Measure the database's size for the stats (`VaultStats.storageBytes`).
   * Default true: a Worker of the previous release expects it in every
   * answer. Measuring costs a SQLite statement over the database's pages
   * (workerd's `databaseSize`), about a tenth of a millisecond that a
   * search which shows no size need not pay.
   */
  storageBytes?: boolean;
  /**
   * The import this read is made for (its check of the ids the vault holds
   * already): refused as the import's store would be, VAULT_RESTORED or
   * VAULT_CLEARED, once a restore or a clear ended it, in every phase of a
   * restore (vault-imports.ts), so the import hears why it ended.
   */
  importId?: string;
}

export interface VaultReadResponse {
  stats: VaultStats;
  results: VaultReadOpResult[];
  /** Milliseconds spent inside the object. */
  elapsedMs: number;
  /** Of which ranking searches' windows (scan, full text, fusion), without reading their rows. */
  searchMs: number;
  /** Of which reading memory rows from SQLite (search hits, lookups, pages). */
  hydrateMs: number;
  /**
   * The calls this vault made to the other vaults of the searches it led
   * (`fanOut`), one per vault, with their answers: each search's hits
   * there cut to those that made the merged list (merge-windows.ts).
   */
  fanned?: { address: VaultAddress; answer: Result<VaultReadResponse> }[];
}
