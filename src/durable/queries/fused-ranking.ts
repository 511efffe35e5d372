import {
  keepsTextOrder,
  minMax,
  standoutEvidence,
  textEvidence,
  type FusionScale,
} from './score-fusion';

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
  scale?: FusionScale,
): { hit: V | T; score: number }[] {
  const keepsOrder = keepsTextOrder(vectorWeight, scale);
  const candidates: Candidate<V | T>[] = [];
  const bySeq = new Map<number, Candidate<V | T>>();
  if (scale === undefined) {
    rankMinMax(vector, text, vectorWeight, candidates, bySeq);
  } else {
    const textShare = textEvidence(scale.fullMatch);
    const standout = standoutEvidence(scale);
    for (let rank = 0; rank < text.length; rank++) {
      const hit = text[rank]!;
      const candidate: Candidate<V | T> = {
        hit,
        seq: hit.seq,
        fused: (1 - vectorWeight) * textShare(hit.score),
        textRank: keepsOrder ? rank : 0,
        closeness: -Infinity,
      };
      candidates.push(candidate);
      bySeq.set(hit.seq, candidate);
    }
    for (const hit of vector) {
      const evidence = standout(hit.score) ?? 0;
      const known = bySeq.get(hit.seq);
      if (known !== undefined) {
        known.closeness = hit.score;
        known.fused = vectorWeight * evidence + known.fused;
        continue;
      }
      candidates.push({
        hit,
        seq: hit.seq,
        fused: vectorWeight * evidence + (1 - vectorWeight) * 0,
        textRank: keepsOrder ? text.length : 0,
        closeness: hit.score,
      });
    }
  }
  if (keepsOrder) {
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

/**
 * The candidates of the fusion before standout (MIN_MAX, the ablation's):
 * both sides min-max over their pools, an empty side leaving the other as it is.
 */
function rankMinMax<V extends PoolHit, T extends PoolHit>(
  vector: readonly V[],
  text: readonly T[],
  vectorWeight: number,
  candidates: Candidate<V | T>[],
  bySeq: Map<number, Candidate<V | T>>,
): void {
  const textScale = minMax(text);
  const vectorScale = minMax(vector);
  const both = text.length > 0 && vector.length > 0;
  for (const hit of text) {
    const share = textScale(hit.score);
    const candidate: Candidate<V | T> = {
      hit,
      seq: hit.seq,
      // Convex sum; a memory absent from a side gets 0 from it.
      fused: both ? vectorWeight * 0 + (1 - vectorWeight) * share : share,
      textRank: 0,
      closeness: -Infinity,
    };
    candidates.push(candidate);
    bySeq.set(hit.seq, candidate);
  }
  for (const hit of vector) {
    const evidence = vectorScale(hit.score);
    const known = bySeq.get(hit.seq);
    if (known !== undefined) {
      known.closeness = hit.score;
      known.fused = vectorWeight * evidence + (1 - vectorWeight) * textScale(known.hit.score);
      continue;
    }
    candidates.push({
      hit,
      seq: hit.seq,
      fused: both ? vectorWeight * evidence + (1 - vectorWeight) * 0 : evidence,
      textRank: 0,
      closeness: hit.score,
    });
  }
}
