/** Turns text into unit-length vectors. One interface, several implementations. */
export interface Embedder {
  /**
   * Recorded by every vault built with it; vectors of another model are
   * refused. Carries a version: whatever changes the vectors changes the id.
   */
  readonly model: string;
  readonly dimensions: number;
  /** Vectors for search queries (some models want queries marked as such). */
  embedQueries(texts: readonly string[]): Promise<Float32Array[]>;
  /** Vectors for memories being stored. */
  embedPassages(texts: readonly string[]): Promise<Float32Array[]>;
}

/** The model name a vault records when its vectors come from the caller. */
export const CALLER_SUPPLIED_MODEL = 'caller-supplied';

/**
 * What a caller can do once a vault holds its own vectors and plain text is
 * refused (a first write with `embedding`, or an import of lines with vectors
 * and no header, fixed it): said in every such refusal, since the kind never
 * changes on its own.
 */
export const CALLER_SUPPLIED_WAY_OUT =
  'send `embedding` with every memory, or clearVault to empty the vault so that its next write chooses again';
