import { keepsTextOrder, minMax, standoutLevel } from './score-fusion';
import type { SimilarityStats } from '../hot-tier/vector-index';

/** A pool's hit: the memory (seq) and its side's score, best first in its pool. */
export interface PoolHit {
  seq: number;
  score: number;
}

/** One candidate of a window's fused ranking while it is ordered. */
interface Candidate<H> {
  hit: H;
  seq: number;
  fused: number;
  /** Text's rank of a word match while fusion keeps text's order, else the same for all. */
  textRank: number;
  /** The vector side's similarity, -Infinity for a memory only text found. */
  closeness: number;
}

/**
 * A window's HYBRID ranking from its two pools: each memory's fused score
 * (score-fusion.ts's `fuseScores`, computed with the same arithmetic so the
 * scores are equal to the bit) and its order, best `limit` first. Ties: text's
 * order first (fusion may bring a word match level with the one above it,
 * never past it), then, among memories without evidence, the more similar,
 * then the later-stored. A memory in both pools comes back as its text hit
 * (text's passage wins). Why not `fuseScores`: its Maps and sets per side
 * were a measurable part of a small search's cost; this walks the two pools
 * once each with one lookup table. Each pool names a memory at most once
 * (the vector pool keeps a memory's best row, the text pool its best
 * passage), which `fuseScores`'s Maps ensured by themselves.
 */
export function fusedRanking<V extends PoolHit, T extends PoolHit>(
  vector: readonly V[],
  text: readonly T[],
  vectorWeight: number,
  limit: number,
  window?: SimilarityStats,
): { hit: V | T; score: number }[] {
  const keepsOrder = keepsTextOrder(vectorWeight, window);
  const textScale = textScaling(text, window);
  const vectorScale = vectorScaling(vector, window, text.length === 0);
  const candidates: Candidate<V | T>[] = [];
  const bySeq = new Map<number, Candidate<V | T>>();
  for (let rank = 0; rank < text.length; rank++) {
    const hit = text[rank]!;
    const candidate: Candidate<V | T> = {
      hit,
      seq: hit.seq,
      fused: textScale(hit.score),
      textRank: keepsOrder ? rank : 0,
      closeness: -Infinity,
    };
    candidates.push(candidate);
    bySeq.set(hit.seq, candidate);
  }
  const textOnly = vector.length === 0;
  const vectorOnly = text.length === 0;
  if (!vectorOnly && !textOnly) {
    // Convex sum; a memory absent from a side gets 0 from it.
    for (const candidate of candidates)
      candidate.fused = vectorWeight * 0 + (1 - vectorWeight) * candidate.fused;
  }
  for (const hit of vector) {
    const evidence = vectorScale(hit.score);
    const known = bySeq.get(hit.seq);
    if (known !== undefined) {
      known.closeness = hit.score;
      // Recomputed from the text side's share, as fuseScores adds them.
      known.fused =
        vectorWeight * (evidence ?? 0) + (1 - vectorWeight) * textScale(known.hit.score);
      continue;
    }
    const fused = vectorOnly ? evidence! : vectorWeight * (evidence ?? 0) + (1 - vectorWeight) * 0;
    candidates.push({
      hit,
      seq: hit.seq,
      fused,
      textRank: keepsOrder ? text.length : 0,
      closeness: hit.score,
    });
  }
  if (keepsOrder && !textOnly && !vectorOnly) {
    // Each word match's fused score capped at the one text ranked above it.
    let ceiling = Infinity;
    for (let rank = 0; rank < text.length; rank++) {
      const candidate = candidates[rank]!;
      candidate.fused = Math.min(candidate.fused, ceiling);
      ceiling = candidate.fused;
    }
  }
  candidates.sort(
    (a, b) =>
      b.fused - a.fused || a.textRank - b.textRank || b.closeness - a.closeness || b.seq - a.seq,
  );
  const ranked: { hit: V | T; score: number }[] = [];
  for (let i = 0; i < candidates.length && i < limit; i++)
    ranked.push({ hit: candidates[i]!.hit, score: candidates[i]!.fused });
  return ranked;
}

/** The text side's share of a score: relative to the pool's best (standout), or min-max. */
function textScaling(
  text: readonly PoolHit[],
  window: SimilarityStats | undefined,
): (score: number) => number {
  if (window === undefined) return minMax(text);
  let best = 0;
  for (const { score } of text) best = Math.max(best, score);
  return (score) => (best > 0 ? Math.max(0, score) / best : 1);
}

/**
 * The vector side's evidence of a score, undefined for none: min-max when
 * the text side is empty or without a window, else standout over the window.
 */
function vectorScaling(
  vector: readonly PoolHit[],
  window: SimilarityStats | undefined,
  textEmpty: boolean,
): (score: number) => number | undefined {
  if (textEmpty || window === undefined) return minMax(vector);
  if (vector.length === 0 || window.deviation < FLAT) return () => undefined;
  const level = standoutLevel(window.rows);
  const z = (score: number) => (score - window.mean) / window.deviation;
  let best = -Infinity;
  for (const { score } of vector) best = Math.max(best, z(score));
  if (best <= level) return () => undefined;
  return (score) => {
    const standout = z(score);
    return standout > level ? (standout - level) / (best - level) : undefined;
  };
}

/** Below this spread the rows of a window are taken as scoring alike (as score-fusion.ts). */
const FLAT = 1e-6;
