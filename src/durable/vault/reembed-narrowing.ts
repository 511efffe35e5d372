import { EmbeddingRefused } from '../../embed/embedding-errors';
import type { PassageVectors } from '../../embed/memory-vectors';

/** What a batch's rows came to: vectors for most, and the rows the embedder refused on their own. */
export interface NarrowedBatch<Row> {
  embedded: { row: Row; vectors: PassageVectors }[];
  refused: { row: Row; problem: string }[];
}

/**
 * Embeds a re-embedding batch in one call; when the embedder refuses it for
 * what it was sent (EmbeddingRefused: a malformed answer, which a retry would
 * only repeat), halves it and tries each half, down to single rows, so one
 * memory the model cannot embed costs the run that memory, not the run. A
 * failure that may pass (timeout, 5xx, rate limit) is thrown as it is: the
 * whole batch waits and is tried again later.
 *
 * Cost: k refused rows among n take at most 1 + 2·k·⌈log2 n⌉ calls (a batch of
 * 50 with one bad memory: 13 calls, each of fewer texts), paid once per run.
 */
export async function embedNarrowing<Row extends { content: string }>(
  embed: (contents: string[]) => Promise<PassageVectors[]>,
  rows: readonly Row[],
): Promise<NarrowedBatch<Row>> {
  try {
    const vectors = await embed(rows.map((row) => row.content));
    return { embedded: rows.map((row, at) => ({ row, vectors: vectors[at]! })), refused: [] };
  } catch (error) {
    if (!(error instanceof EmbeddingRefused)) throw error;
    if (rows.length === 1)
      return { embedded: [], refused: [{ row: rows[0]!, problem: error.message }] };
    const middle = Math.ceil(rows.length / 2);
    const first = await embedNarrowing(embed, rows.slice(0, middle));
    const second = await embedNarrowing(embed, rows.slice(middle));
    return {
      embedded: [...first.embedded, ...second.embedded],
      refused: [...first.refused, ...second.refused],
    };
  }
}
