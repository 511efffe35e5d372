/**
 * The plain data the vector index takes in and hands out: entries to insert,
 * hits, checkpoint rows, and the storage readers it is given. Apart from the
 * index so that its readers and writers (stored-vectors.ts, score-fusion.ts)
 * need no part of the index itself.
 */

export interface IndexEntry {
  /** The memory's insertion sequence number (its SQLite rowid). */
  seq: number;
  /** Chunk number within the memory; 0 for a memory indexed whole. */
  chunk?: number;
  createdAt: number;
  /** Unit length, `dims` components. */
  vector: Float32Array;
}

export interface IndexHit {
  seq: number;
  /** The chunk that scored best. */
  chunk: number;
  createdAt: number;
  score: number;
}

/**
 * How similar the query is to every row of a scanned range, for telling a
 * row that stands out from the noise (score-fusion.ts).
 */
export interface SimilarityStats {
  rows: number;
  mean: number;
  /** Standard deviation; 0 when every row scores alike. */
  deviation: number;
}

/** The exact vectors of memories, by seq: every chunk's vector back to back. */
export type ExactVectors = (seqs: readonly number[]) => Map<number, Float32Array>;

export interface VectorIndexOptions {
  /**
   * Reads exact vectors for re-scoring once the float32 block is dropped;
   * without it the index always keeps the block (tests, tools).
   */
  exact?: ExactVectors;
  /** Most bytes of float32 vectors kept in memory (with `exact` only). */
  floatBlockBytes?: number;
  /**
   * The rows of (after, through] from storage, for the part of a window the
   * index no longer holds once it is over the isolate's budget.
   */
  coldRows?: ColdRows;
  /** The isolate's hot budget (tests make it small). */
  isolateBudget?: number;
  /** Who holds the index (the vault object's id): a newer index of the same owner replaces it in the isolate's budget. */
  owner?: string;
}

/** A memory read from storage: its seq, time and every chunk's vector back to back. */
export interface StoredVectors {
  seq: number;
  createdAt: number;
  vectors: Float32Array;
}

export type ColdRows = (after: number | null, through: number) => Iterable<StoredVectors>;

/** Rows in key order, as checkpoint pages hold them. */
export interface IndexRows {
  seqs: ArrayLike<number>;
  chunks: ArrayLike<number>;
  times: ArrayLike<number>;
  codes: Uint8Array;
  scales: ArrayLike<number>;
  residuals: ArrayLike<number>;
  /** The float32 vectors, when the page carries them. */
  vectors?: Uint8Array | null;
}

/** Rows in key order with their float32 vectors (a memory's rows, or an old page). */
export interface FloatRows {
  seqs: ArrayLike<number>;
  chunks: ArrayLike<number>;
  times: ArrayLike<number>;
  vectors: ArrayBuffer | Uint8Array;
}
