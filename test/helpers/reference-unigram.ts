/**
 * An oracle for `UnigramTokenizer` (src/embed/sentencepiece.ts): the same
 * Viterbi split written the plain way, with no trie: from every place, every
 * run of symbols up to the longest piece is looked up whole in a map. Slow,
 * and obviously right, so tests can check the tokenizer's trie against it.
 */
export function referenceEncoder(
  pieces: readonly string[],
  scores: Float32Array,
  firstPiece: number,
): (text: string) => number[] {
  const ids = new Map<string, number>();
  let longest = 0;
  let lowest = 0;
  for (let id = firstPiece; id < pieces.length; id++) {
    ids.set(pieces[id]!, id);
    longest = Math.max(longest, [...pieces[id]!].length);
    lowest = Math.min(lowest, scores[id]!);
  }
  const unknownScore = lowest - 10;
  return (text) => {
    const normalized = text.normalize('NFKC').trim().replace(/\s+/gu, '\u2581');
    if (normalized.length === 0) return [];
    const symbols = ['\u2581', ...normalized];
    const best: number[] = [0, ...symbols.map(() => -Infinity)];
    const last: { from: number; id: number }[] = [];
    for (let from = 0; from < symbols.length; from++) {
      if (best[from] === -Infinity) continue;
      let coveredOne = false;
      for (let end = from; end < Math.min(symbols.length, from + longest); end++) {
        const id = ids.get(symbols.slice(from, end + 1).join(''));
        if (id === undefined) continue;
        if (end === from) coveredOne = true;
        const score = best[from]! + scores[id]!;
        if (score > best[end + 1]!) {
          best[end + 1] = score;
          last[end + 1] = { from, id };
        }
      }
      if (!coveredOne && best[from]! + unknownScore > best[from + 1]!) {
        best[from + 1] = best[from]! + unknownScore;
        last[from + 1] = { from, id: 0 };
      }
    }
    const out: number[] = [];
    for (let end = symbols.length; end > 0; end = last[end]!.from) {
      const { id } = last[end]!;
      if (id === 0 && out[out.length - 1] === 0) continue;
      out.push(id);
    }
    return out.reverse();
  };
}
