/** The id every character no vocabulary piece covers is encoded as. */
export const UNKNOWN_PIECE = 0;

/** SentencePiece's word-boundary marker: a piece starting with it starts a word. */
const WORD_BOUNDARY = '\u2581';
const WORD_BOUNDARY_CODE = 0x2581;

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
   * Scratch arrays for `encode`, grown to the longest text seen: a bulk store
   * embeds hundreds of texts per request, and allocating four typed arrays
   * for each was a measurable share of its time. One isolate runs one
   * `encode` at a time (it never awaits), so sharing them is safe.
   */
  private symbols = new Int32Array(256);
  private best = new Float64Array(257);
  private start = new Int32Array(257);
  private piece = new Int32Array(257);

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
    const length = this.readSymbols(normalized);
    const { symbols, best, start, piece, scores, unknownScore } = this;

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

  /**
   * Writes the word-boundary marker and then the code points of `normalized`
   * into `symbols` (growing the scratch arrays as needed); returns how many.
   */
  private readSymbols(normalized: string): number {
    if (this.symbols.length < normalized.length + 1) {
      const size = normalized.length + 1;
      this.symbols = new Int32Array(size);
      this.best = new Float64Array(size + 1);
      this.start = new Int32Array(size + 1);
      this.piece = new Int32Array(size + 1);
    }
    const symbols = this.symbols;
    symbols[0] = WORD_BOUNDARY_CODE;
    let length = 1;
    for (let at = 0; at < normalized.length; at++) {
      const code = normalized.codePointAt(at)!;
      symbols[length++] = code;
      if (code > 0xffff) at++; // the low surrogate of a pair is in `code` already
    }
    return length;
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
