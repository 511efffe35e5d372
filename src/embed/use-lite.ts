import type { Embedder } from './embedder';
import type { StaticTableModel } from './static-table';

/** The table's model id; the build script writes the same id into the table. */
export const USE_LITE_MODEL = 'use-lite-static-384@1';
const USE_LITE_DIMENSIONS = 384;

let table: Promise<StaticTableModel> | undefined;

/**
 * The table is 3 MB: it loads on the first embedding, not when the Worker
 * starts, and then serves every request of the isolate.
 */
function loadTable(): Promise<StaticTableModel> {
  table ??= Promise.all([
    import('./static-table'),
    import('./use-lite/use-lite-static-384.bin'),
  ]).then(([{ StaticTableModel }, { default: bytes }]) => {
    const model = new StaticTableModel(bytes);
    if (model.model !== USE_LITE_MODEL || model.dimensions !== USE_LITE_DIMENSIONS) {
      throw new Error(
        `embedding table holds ${model.model} (${model.dimensions}-d), expected ${USE_LITE_MODEL}`,
      );
    }
    return model;
  });
  return table;
}

/**
 * The offline default embedder: a static token table distilled from Universal
 * Sentence Encoder lite (scripts/build-embedding-table.mjs). It runs inside
 * the Worker with no network and no WebAssembly, gives identical vectors
 * everywhere, and relates texts that share meaning but no words. Queries and
 * passages are embedded alike.
 */
export class UseLiteEmbedder implements Embedder {
  readonly model = USE_LITE_MODEL;
  readonly dimensions = USE_LITE_DIMENSIONS;

  async embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts);
  }

  async embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts);
  }

  private async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const model = await loadTable();
    return texts.map((text) => model.embed(text));
  }
}
