/** The id every character no vocabulary piece covers is encoded as. */
export const UNKNOWN_PIECE = 0;

/** SentencePiece's word-boundary marker: a piece starting with it starts a word. */
const WORD_BOUNDARY = '\u2581';
const WORD_BOUNDARY_CODE = 0x2581;

/**
 * The longest text (in symbols) whose scratch arrays are kept between calls:
 * about 20 bytes a symbol, so at most some 160 KiB stay with the tokenizer.
 */
export const KEPT_SCRATCH_SYMBOLS = 8_192;

/** `encode`'s working arrays, for texts of up to `symbols.length` symbols. */
interface Scratch {
  symbols: Int32Array;
  best: Float64Array;
  start: Int32Array;
  piece: Int32Array;
}

function newScratch(size: number): Scratch {
  return {
    symbols: new Int32Array(size),
    best: new Float64Array(size + 1),
    start: new Int32Array(size + 1),
    piece: new Int32Array(size + 1),
  };
}

/**
 * Writes the word-boundary marker and then the code points of `normalized`
 * into `symbols` (long enough for `normalized.length + 1`); returns how many.
 */
function readSymbols(normalized: string, symbols: Int32Array): number {
  symbols[0] = WORD_BOUNDARY_CODE;
  let length = 1;
  for (let at = 0; at < normalized.length; at++) {
    const code = normalized.codePointAt(at)!;
    symbols[length++] = code;
    if (code > 0xffff) at++; // the low surrogate of a pair is in `code` already
  }
  return length;
}

interface TrieNode {
  /** The piece that ends here, or -1. */
  piece: number;
  children: Map<number, TrieNode> | undefined;
}

/**
 * A SentencePiece unigram tokenizer in plain TypeScript: no WebAssembly, no
 * network, the same pieces for the same text everywhere.
 *
 * Text is NFKC-normalised, runs of whitespace become one word-boundary marker
 * (as SentencePiece's default normaliser does), and the Viterbi algorithm picks
 * the split into vocabulary pieces with the highest total log probability.
 * A character no piece covers becomes UNKNOWN_PIECE (a run of them, one).
 */
export class UnigramTokenizer {
  private readonly root: TrieNode = { piece: -1, children: undefined };
  private readonly unknownScore: number;
  /**
   * Scratch arrays for `encode`, kept for the next text: a bulk store embeds
   * hundreds of texts per request, and allocating four typed arrays for each
   * was a measurable share of its time. One isolate runs one `encode` at a
   * time (it never awaits), so sharing them is safe. They grow with the
   * longest text seen up to KEPT_SCRATCH_SYMBOLS only; a longer text gets
   * arrays of its own that go with it.
   */
  private kept: Scratch = newScratch(256);

  /**
   * @param pieces the vocabulary, indexed by piece id
   * @param scores each piece's log probability
   * @param firstPiece ids below it are control symbols, never produced from text
   */
  constructor(
    pieces: readonly string[],
    private readonly scores: Float32Array,
    firstPiece: number,
  ) {
    let lowest = 0;
    for (let id = firstPiece; id < pieces.length; id++) {
      this.insert(pieces[id]!, id);
      lowest = Math.min(lowest, scores[id]!);
    }
    // Worse than any real piece, so an unknown character is the last resort.
    this.unknownScore = lowest - 10;
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC').trim().replace(/\s+/gu, WORD_BOUNDARY);
    if (normalized.length === 0) return [];
    const scratch = this.scratchFor(normalized.length + 1);
    const length = readSymbols(normalized, scratch.symbols);
    const { symbols, best, start, piece } = scratch;
    const { scores, unknownScore } = this;

    // best[end]: the highest score of any split of symbols[0, end);
    // start[end] and piece[end]: the last piece of that split.
    best.fill(-Infinity, 0, length + 1);
    best[0] = 0;
    for (let from = 0; from < length; from++) {
      const base = best[from]!;
      if (base === -Infinity) continue;
      let node: TrieNode | undefined = this.root;
      let coveredOne = false;
      for (let end = from; end < length; end++) {
        node = node.children?.get(symbols[end]!);
        if (node === undefined) break;
        if (node.piece < 0) continue;
        if (end === from) coveredOne = true;
        const score = base + scores[node.piece]!;
        if (score > best[end + 1]!) {
          best[end + 1] = score;
          start[end + 1] = from;
          piece[end + 1] = node.piece;
        }
      }
      if (!coveredOne) {
        const score = base + unknownScore;
        if (score > best[from + 1]!) {
          best[from + 1] = score;
          start[from + 1] = from;
          piece[from + 1] = UNKNOWN_PIECE;
        }
      }
    }

    const ids: number[] = [];
    for (let end = length; end > 0; end = start[end]!) {
      const id = piece[end]!;
      if (id === UNKNOWN_PIECE && ids[ids.length - 1] === UNKNOWN_PIECE) continue;
      ids.push(id);
    }
    return ids.reverse();
  }

  /** Scratch for a text of up to `size` symbols: the kept arrays, grown while under the cap. */
  private scratchFor(size: number): Scratch {
    if (size <= this.kept.symbols.length) return this.kept;
    const scratch = newScratch(size);
    if (size <= KEPT_SCRATCH_SYMBOLS) this.kept = scratch;
    return scratch;
  }

  private insert(text: string, id: number): void {
    let node = this.root;
    for (const char of text) {
      const code = char.codePointAt(0)!;
      node.children ??= new Map();
      let child = node.children.get(code);
      if (child === undefined) {
        child = { piece: -1, children: undefined };
        node.children.set(code, child);
      }
      node = child;
    }
    node.piece = id;
  }
}
