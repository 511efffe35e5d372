/**
 * The Damerau-Levenshtein distance between two words (optimal string
 * alignment: insertions, deletions, substitutions and transpositions of
 * neighbours, each 1), or null when it exceeds `max`. The row minimum only
 * grows, so a row already past `max` ends the work: comparing a misspelt
 * query word with a vault's whole vocabulary costs a few rows per term.
 * Compared by code point, so "ł" or "œ" count as one letter.
 */
export function editDistanceWithin(a: string, b: string, max: number): number | null {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > max) return null;
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  let current = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        distance = Math.min(distance, before[j - 2]! + 1);
      current[j] = distance;
      if (distance < rowMin) rowMin = distance;
    }
    if (rowMin > max) return null;
    [before, previous, current] = [previous, current, before];
  }
  const distance = previous[y.length]!;
  return distance <= max ? distance : null;
}

/**
 * How far a query term may be from a vault term to count as its misspelling:
 * none below 5 letters (short words have too many neighbours: "cat", "car",
 * "can"), 1 up to 7, 2 from 8.
 */
export function typoAllowance(term: string): number {
  const letters = Array.from(term).length;
  if (letters < 5) return 0;
  return letters <= 7 ? 1 : 2;
}
