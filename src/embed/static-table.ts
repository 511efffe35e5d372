import { KEPT_SCRATCH_SYMBOLS, UNKNOWN_PIECE, UnigramTokenizer } from './sentencepiece';

const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;

/**
 * A static token-embedding model: a SentencePiece vocabulary with one
 * quantised row per piece (layout written by scripts/build-embedding-table.mjs).
 * A text's vector is the scaled sum of its pieces' rows, L2-normalised. Each
 * row's scale already carries the piece's SIF weight, so frequent pieces
 * ("▁the", ".") count for little and rare, meaningful ones for much.
 */
export class StaticTableModel {
  readonly model: string;
  readonly dimensions: number;
  private readonly tokenizer: UnigramTokenizer;
  private readonly scales: Float32Array;
  private readonly rows: Int8Array;
  private pieceScratch = { weights: new Float64Array(256), offsets: new Int32Array(256) };

  constructor(bytes: ArrayBuffer) {
    const view = new DataView(bytes);
    const version = view.getUint32(0, true);
    if (version !== FORMAT_VERSION) {
      throw new Error(`embedding table format ${version}; this build reads ${FORMAT_VERSION}`);
    }
    const [count, dimensions, firstPiece, modelBytes, pieceBytes] = [4, 8, 12, 16, 20].map(
      (offset) => view.getUint32(offset, true),
    ) as [number, number, number, number, number];
    const decoder = new TextDecoder();
    let offset = HEADER_BYTES;
    this.model = decoder.decode(new Uint8Array(bytes, offset, modelBytes));
    offset += modelBytes;
    const pieces = decoder.decode(new Uint8Array(bytes, offset, pieceBytes)).split('\n');
    offset = Math.ceil((offset + pieceBytes) / 4) * 4;
    const scores = new Float32Array(bytes.slice(offset, offset + count * 4));
    offset += count * 4;
    this.scales = new Float32Array(bytes.slice(offset, offset + count * 4));
    offset += count * 4;
    this.rows = new Int8Array(bytes, offset, count * dimensions);
    if (pieces.length !== count || offset + count * dimensions !== bytes.byteLength) {
      throw new Error('embedding table is truncated or malformed');
    }
    this.dimensions = dimensions;
    this.tokenizer = new UnigramTokenizer(pieces, scores, firstPiece);
  }

  embed(text: string): Float32Array {
    const dims = this.dimensions;
    const sum = new Float64Array(dims);
    let pieces = this.tokenizer.encode(text);
    // Text with no piece at all (empty, or only characters the vocabulary
    // lacks and the tokenizer merged away) takes the unknown piece's direction.
    if (pieces.length === 0) pieces = [UNKNOWN_PIECE];
    this.sumRows(sum, pieces);
    let norm = 0;
    for (let k = 0; k < dims; k++) norm += sum[k]! * sum[k]!;
    if (norm === 0) {
      // Only pieces whose rows are all zero: fall back to the unknown piece.
      this.addRow(sum, UNKNOWN_PIECE);
      for (let k = 0; k < dims; k++) norm += sum[k]! * sum[k]!;
    }
    const scale = 1 / Math.sqrt(norm);
    const vector = new Float32Array(dims);
    for (let k = 0; k < dims; k++) vector[k] = sum[k]! * scale;
    return vector;
  }

  /**
   * Sets `sum` (all zeros) to the sum of the pieces' scaled rows, eight
   * columns at a time: each column's total is built in a local over every
   * piece and stored once, instead of `sum` being read and written back for
   * each piece (a bulk store embeds about 16 pieces a memory, 100 memories a
   * batch). Each column still adds the same products in piece order,
   * starting from zero, so the vectors are bit-identical to adding one row
   * after another (`addRow`). Pieces of weight 0 add nothing, as there.
   */
  private sumRows(sum: Float64Array, pieces: readonly number[]): void {
    const dims = this.dimensions;
    const { scales, rows } = this;
    const weighted = this.weightedPieces(pieces.length);
    const { weights, offsets } = weighted;
    let count = 0;
    for (const piece of pieces) {
      const weight = scales[piece]!;
      if (weight === 0) continue;
      weights[count] = weight;
      offsets[count] = piece * dims;
      count++;
    }
    let k = 0;
    for (; k + 8 <= dims; k += 8) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let i = 0; i < count; i++) {
        const weight = weights[i]!;
        const at = offsets[i]! + k;
        s0 += weight * rows[at]!;
        s1 += weight * rows[at + 1]!;
        s2 += weight * rows[at + 2]!;
        s3 += weight * rows[at + 3]!;
        s4 += weight * rows[at + 4]!;
        s5 += weight * rows[at + 5]!;
        s6 += weight * rows[at + 6]!;
        s7 += weight * rows[at + 7]!;
      }
      sum[k] = s0;
      sum[k + 1] = s1;
      sum[k + 2] = s2;
      sum[k + 3] = s3;
      sum[k + 4] = s4;
      sum[k + 5] = s5;
      sum[k + 6] = s6;
      sum[k + 7] = s7;
    }
    for (; k < dims; k++) {
      let total = 0;
      for (let i = 0; i < count; i++) total += weights[i]! * rows[offsets[i]! + k]!;
      sum[k] = total;
    }
  }

  /**
   * Scratch for `sumRows`' pieces (weight and row offset), kept for the next
   * text like the tokenizer's (one isolate embeds one text at a time), up to
   * KEPT_SCRATCH_SYMBOLS pieces (96 KiB); a longer text gets its own.
   */
  private weightedPieces(count: number): { weights: Float64Array; offsets: Int32Array } {
    if (count <= this.pieceScratch.weights.length) return this.pieceScratch;
    const scratch = { weights: new Float64Array(count), offsets: new Int32Array(count) };
    if (count <= KEPT_SCRATCH_SYMBOLS) this.pieceScratch = scratch;
    return scratch;
  }

  /**
   * Adds a piece's scaled row into `sum`. The loop reads locals and a row
   * view, four columns a step: it runs about 35 times per embedded text, and
   * this form is about twice as fast as indexing through `this` (the
   * additions are the same, in the same order, so the vectors are
   * bit-identical).
   */
  private addRow(sum: Float64Array, piece: number): void {
    const dims = this.dimensions;
    const weight = this.scales[piece]!;
    if (weight === 0) return;
    const row = this.rows.subarray(piece * dims, (piece + 1) * dims);
    let k = 0;
    for (; k + 4 <= dims; k += 4) {
      sum[k] = sum[k]! + weight * row[k]!;
      sum[k + 1] = sum[k + 1]! + weight * row[k + 1]!;
      sum[k + 2] = sum[k + 2]! + weight * row[k + 2]!;
      sum[k + 3] = sum[k + 3]! + weight * row[k + 3]!;
    }
    for (; k < dims; k++) sum[k] = sum[k]! + weight * row[k]!;
  }
}
