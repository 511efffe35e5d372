import type { Embedder } from './embedder';

/** Output sizes of the bge models Workers AI serves. */
const BGE_DIMENSIONS: Record<string, number> = {
  '@cf/baai/bge-small-en-v1.5': 384,
  '@cf/baai/bge-base-en-v1.5': 768,
  '@cf/baai/bge-large-en-v1.5': 1024,
  '@cf/baai/bge-m3': 1024,
};

/** The subset of the `AI` binding this embedder uses. */
export interface AiBinding {
  run(model: string, input: { text: string[] }): Promise<unknown>;
}

/** Workers AI embeddings (bge family), used when the deployment binds `AI`. */
export class WorkersAiEmbedder implements Embedder {
  readonly dimensions: number;

  constructor(
    private readonly ai: AiBinding,
    readonly model = '@cf/baai/bge-small-en-v1.5',
  ) {
    const dimensions = BGE_DIMENSIONS[model];
    if (dimensions === undefined) {
      throw new Error(
        `configuration: EMBEDDING_MODEL must be one of ${Object.keys(BGE_DIMENSIONS).join(', ')}`,
      );
    }
    this.dimensions = dimensions;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const output = (await this.ai.run(this.model, { text: [...texts] })) as { data?: unknown };
    const rows = output.data;
    if (!Array.isArray(rows) || rows.length !== texts.length) {
      throw new Error(`Workers AI returned ${Array.isArray(rows) ? rows.length : 'no'} embeddings`);
    }
    return rows.map((row: unknown) => {
      if (!Array.isArray(row) || row.length !== this.dimensions) {
        throw new Error('Workers AI returned an embedding of an unexpected size');
      }
      return Float32Array.from(row as number[]);
    });
  }
}
