/**
 * Where exact top-k rows sit among a scan's code estimates: how many
 * candidates a re-score must take to hold them (bench/hot-tier.bench.ts).
 */
import { pct, percentile } from './measure';

/**
 * The place (1 = best) of each row in `rows` among `scores`, ties to the
 * later row, as candidates are picked. One sort of the estimates per call.
 */
export function ranksAmong(scores: Float32Array, rows: readonly number[]): number[] {
  const sorted = Float32Array.from(scores).sort();
  const above = (value: number) => {
    // Rows whose estimate is greater than `value`: binary search in ascending order.
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! <= value) low = middle + 1;
      else high = middle;
    }
    return sorted.length - low;
  };
  return rows.map((row) => {
    const mine = scores[row]!;
    let rank = above(mine) + 1;
    for (let i = row + 1; i < scores.length; i++) if (scores[i] === mine) rank++;
    return rank;
  });
}

/**
 * Ranks of the exact top ids of many queries, kept with each id's exact
 * place (0 = best), so that one deep measurement answers for every k up to
 * its depth.
 */
export class DeepRanks {
  private readonly places: number[] = [];
  private readonly ranks: number[] = [];

  /** `ranks[i]` is the estimate rank of the query's exact i-th best row. */
  add(ranks: readonly number[]): void {
    ranks.forEach((rank, place) => {
      this.places.push(place);
      this.ranks.push(rank);
    });
  }

  /** Estimate ranks of the exact top-k ids. */
  ranksWithin(k: number): number[] {
    return this.ranks.filter((_, i) => this.places[i]! < k);
  }

  /** Share of the exact top-k held within k + margin candidates. */
  held(k: number, margin: number): number {
    const ranks = this.ranksWithin(k);
    return ranks.filter((rank) => rank <= k + margin).length / ranks.length;
  }

  /** One line per k: the share held within k + N for each N, and the N that 99.5% and 99.9% need. */
  lines(ks: readonly number[], margins: readonly number[]): string[] {
    return ks.map((k) => {
      const ranks = this.ranksWithin(k);
      const beyond = ranks.map((rank) => Math.max(0, rank - k));
      const shares = margins.map((n) => pct(this.held(k, n))).join(' / ');
      return `top-${k} (${ranks.length} ids): within k + ${margins.join('/')}: ${shares}; k + ${percentile(beyond, 99.5)} holds 99.5%, k + ${percentile(beyond, 99.9)} 99.9%, max k + ${Math.max(...beyond)}`;
    });
  }
}
