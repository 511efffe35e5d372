/** Turns text into unit-length vectors. One interface, several implementations. */
export interface Embedder {
  /** Recorded by every vault built with it; vectors of another model are refused. */
  readonly model: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** The model name a vault records when its vectors come from the caller. */
export const CALLER_SUPPLIED_MODEL = 'caller-supplied';
