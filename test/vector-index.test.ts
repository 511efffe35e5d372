import { describe, expect, it } from 'vitest';
import { affordable, isolateHotBytes } from '../src/durable/hot-tier/hot-budget';
import { rerankMargin } from '../src/durable/hot-tier/rerank-margin';
import { VectorIndex, type IndexEntry } from '../src/durable/hot-tier/vector-index';
import { useOwnHotBudget } from './helpers/hot-budget';
import { randomUnitVector as unitVector, seededRandom as random } from './helpers/random';

// Whether an index keeps its float32 block must not depend on what earlier
// files left in the project's shared isolate.
useOwnHotBudget();

/** The float64 brute-force scan the index must agree with. */
function referenceSearch(entries: IndexEntry[], query: Float32Array, k: number) {
  const sorted = [...entries].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  return sorted
    .map((entry, row) => {
      let score = 0;
      for (let j = 0; j < query.length; j++) score += query[j]! * entry.vector[j]!;
      return { seq: entry.seq, score, row };
    })
    .sort((a, b) => b.score - a.score || b.row - a.row)
    .slice(0, k)
    .map(({ seq }) => seq);
}

describe('VectorIndex', () => {
  it.each([384, 7, 1])('matches a float64 reference scan exactly (%i dims)', (dims) => {
    const next = random(dims);
    const entries = Array.from({ length: 600 }, (_, i) => ({
      seq: i + 1,
      createdAt: Math.floor(next() * 1e6),
      vector: unitVector(next, dims),
    }));
    const index = new VectorIndex(dims);
    // Insert in several unsorted batches to exercise the merge.
    for (let i = 0; i < entries.length; i += 97) index.insert(entries.slice(i, i + 97));
    expect(index.size).toBe(600);
    for (let q = 0; q < 20; q++) {
      const query = unitVector(next, dims);
      const k = 1 + (q % 12);
      const got = index.search(query, 0, index.size, k).map((hit) => hit.seq);
      expect(got).toEqual(referenceSearch(entries, query, k));
    }
  });

  // The benchmark's exactness check, kept in npm test: at this size the 2-bit
  // code scan's candidates (k + 256), re-scored exactly in float64, must hold
  // what an exact float64 scan returns, ids and order, for any window and k,
  // exact ties included.
  it('agrees with an exact float64 scan on 300 random queries over random windows', () => {
    const dims = 384;
    const next = random(2_024);
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 3_000; i++) {
      // One row in twenty repeats an earlier vector: an exact tie, broken by row.
      const copy = i > 0 && next() < 0.05 ? entries[Math.floor(next() * i)]!.vector : null;
      entries.push({
        seq: i + 1,
        createdAt: Math.floor(next() * 1e6),
        vector: copy ?? unitVector(next, dims),
      });
    }
    const index = new VectorIndex(dims);
    for (let i = 0; i < entries.length; i += 500) index.insert(entries.slice(i, i + 500));
    let agreed = 0;
    const queries = 300;
    for (let q = 0; q < queries; q++) {
      // Some queries are stored vectors themselves (a score of exactly 1, and its copies).
      const query =
        q % 10 === 0
          ? entries[Math.floor(next() * entries.length)]!.vector
          : unitVector(next, dims);
      const [a, b] = [Math.floor(next() * 1e6), Math.floor(next() * 1e6)].sort((x, y) => x - y);
      const after = q % 7 === 0 ? null : a!;
      const until = b!;
      const k = 1 + (q % 25);
      const { start, end } = index.range(after, until);
      const got = index.search(query, start, end, k).map((hit) => hit.seq);
      const inWindow = entries.filter(
        (entry) => (after === null || entry.createdAt > after) && entry.createdAt <= until,
      );
      const expected = referenceSearch(inWindow, query, k);
      if (got.join() === expected.join()) agreed++;
      else expect({ query: q, got }).toEqual({ query: q, got: expected });
    }
    expect(agreed).toBe(queries);
  });

  it('keeps rows in (time, insertion) order through inserts and removals', () => {
    const next = random(42);
    const index = new VectorIndex(8);
    let entries: IndexEntry[] = [];
    let seq = 0;
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 1 + Math.floor(next() * 20) }, () => ({
        seq: ++seq,
        createdAt: Math.floor(next() * 50), // many equal timestamps
        vector: unitVector(next, 8),
      }));
      index.insert(batch);
      entries.push(...batch);
      const victim = entries[Math.floor(next() * entries.length)]!;
      expect(index.remove(victim.seq, victim.createdAt)).toBe(true);
      entries = entries.filter((entry) => entry !== victim);
    }
    // Equal timestamps keep the order the memories were stored in.
    const expected = [...entries].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    expect(Array.from({ length: index.size }, (_, row) => index.seqAt(row))).toEqual(
      expected.map((entry) => entry.seq),
    );
    // Vectors moved with their keys: each row scores 1 against its own vector.
    for (const entry of expected.slice(0, 25)) {
      expect(index.search(entry.vector, 0, index.size, 1)[0]!.seq).toBe(entry.seq);
    }
  });

  it('scans only the requested time range', () => {
    const next = random(7);
    const index = new VectorIndex(16);
    index.insert(
      Array.from({ length: 100 }, (_, i) => ({
        seq: i + 1,
        createdAt: i * 10,
        vector: unitVector(next, 16),
      })),
    );
    const { start, end } = index.range(200, 500); // (200, 500]
    expect([start, end]).toEqual([21, 51]);
    const hits = index.search(unitVector(next, 16), start, end, 100);
    expect(hits).toHaveLength(30);
    for (const hit of hits) expect(hit.createdAt > 200 && hit.createdAt <= 500).toBe(true);
    expect(index.range(null, -1)).toEqual({ start: 0, end: 0 });
  });

  it('reports the mean and spread of the similarity of every row in the range', () => {
    const next = random(11);
    const entries = Array.from({ length: 50 }, (_, i) => ({
      seq: i + 1,
      createdAt: i,
      vector: unitVector(next, 8),
    }));
    const index = new VectorIndex(8);
    index.insert(entries);
    const query = unitVector(next, 8);
    const { start, end } = index.range(9, 39); // rows 10..39
    const stats = { rows: 0, mean: 0, deviation: 0 };
    // However few hits are asked for and whatever the filter, every row counts.
    index.search(query, start, end, 2, (seq) => seq % 2 === 0, stats);
    const scores = entries
      .slice(10, 40)
      .map(({ vector }) => vector.reduce((sum, x, j) => sum + x * query[j]!, 0));
    const mean = scores.reduce((sum, x) => sum + x, 0) / scores.length;
    const deviation = Math.sqrt(
      scores.reduce((sum, x) => sum + (x - mean) ** 2, 0) / scores.length,
    );
    expect(stats.rows).toBe(30);
    expect(stats.mean).toBeCloseTo(mean, 6);
    expect(stats.deviation).toBeCloseTo(deviation, 6);
    // Rows that all score alike: no spread.
    const same = new VectorIndex(2);
    same.insert(
      [0, 1, 2].map((i) => ({
        seq: i + 1,
        createdAt: i,
        vector: new Float32Array([1, 0]),
      })),
    );
    same.search(new Float32Array([0.6, 0.8]), 0, 3, 1, undefined, stats);
    expect(stats.rows).toBe(3);
    expect(stats.deviation).toBeLessThan(1e-6);
  });

  it('filters before ranking', () => {
    const next = random(9);
    const index = new VectorIndex(16);
    const entries = Array.from({ length: 200 }, (_, i) => ({
      seq: i,
      createdAt: i,
      vector: unitVector(next, 16),
    }));
    index.insert(entries);
    const hits = index.search(unitVector(next, 16), 0, 200, 5, (seq) => seq % 10 === 0);
    expect(hits).toHaveLength(5);
    for (const hit of hits) expect(hit.seq % 10).toBe(0);
  });

  it('returns a memory indexed in chunks once, with its best chunk', () => {
    const next = random(11);
    const index = new VectorIndex(16);
    const target = unitVector(next, 16);
    const chunks = Array.from({ length: 12 }, (_, chunk) => ({
      seq: 1,
      chunk,
      createdAt: 5,
      // Chunk 7 is the query itself; the others lean towards it, so all chunks outrank the rest.
      vector: chunk === 7 ? target : mix(target, unitVector(next, 16)),
    }));
    const others = Array.from({ length: 30 }, (_, i) => ({
      seq: i + 2,
      createdAt: i,
      vector: unitVector(next, 16),
    }));
    index.insert([...others, ...chunks.reverse()]);
    expect(index.size).toBe(42);
    const hits = index.search(target, 0, index.size, 3);
    expect(hits.map((hit) => hit.seq)).toEqual([1, ...hits.slice(1).map((hit) => hit.seq)]);
    expect(new Set(hits.map((hit) => hit.seq)).size).toBe(3);
    expect(hits[0]!.chunk).toBe(7);
    // Removing the memory removes all of its rows.
    expect(index.remove(1, 5)).toBe(true);
    expect(index.size).toBe(30);
    expect(index.search(target, 0, index.size, 3).map((hit) => hit.seq)).not.toContain(1);
  });
});

describe('VectorIndex over 2-bit codes', () => {
  const DIMS = 384;
  const ROWS = 6_000;
  const next = random(384_000);
  const entries: IndexEntry[] = Array.from({ length: ROWS }, (_, i) => ({
    seq: i + 1,
    createdAt: i,
    vector: unitVector(next, DIMS),
  }));
  const bySeq = new Map(entries.map((entry) => [entry.seq, entry.vector]));
  const reads: number[] = [];
  const exact = (seqs: readonly number[]) => {
    reads.push(seqs.length);
    return new Map(seqs.map((seq) => [seq, bySeq.get(seq)!]));
  };
  // Random queries are the hard case; queries near a stored row are what real searches look like.
  const queries = [
    ...Array.from({ length: 40 }, () => unitVector(next, DIMS)),
    ...Array.from({ length: 20 }, (_, i) => mix(entries[i * 97]!.vector, unitVector(next, DIMS))),
  ];

  it.each([
    ['float32 block', 64 * 1024 * 1024],
    ['exact vectors from storage', 0],
  ])(
    'agrees with the exact scan on at least 99 percent of top-10 ids (%s)',
    (_, floatBlockBytes) => {
      const index = new VectorIndex(DIMS, { exact, floatBlockBytes });
      for (let i = 0; i < ROWS; i += 1_000) index.insert(entries.slice(i, i + 1_000));
      expect(index.holdsFloats).toBe(floatBlockBytes > 0);
      reads.length = 0;
      let agreed = 0;
      for (const query of queries) {
        const hits = index.search(query, 0, index.size, 10);
        const expected = new Set(referenceSearch(entries, query, 10));
        agreed += hits.filter((hit) => expected.has(hit.seq)).length;
        // Whatever is returned carries its exact score.
        for (const hit of hits) {
          const vector = bySeq.get(hit.seq)!;
          expect(hit.score).toBeCloseTo(
            vector.reduce((sum, x, j) => sum + x * query[j]!, 0),
            9,
          );
        }
      }
      expect(agreed / (queries.length * 10)).toBeGreaterThanOrEqual(0.99);
      // Only the large vault reads exact vectors, a bounded number per search.
      if (floatBlockBytes > 0) expect(reads).toEqual([]);
      else for (const count of reads) expect(count).toBeLessThanOrEqual(10 + 256);
    },
  );
  // HYBRID asks the index for a pool of max(50, limit × 3), VECTOR for its
  // limit: the deeper exact ranks sit where the scores are dense, so a
  // re-score from storage takes more candidates for a deeper k.
  it('re-scores more candidates from storage for a deeper k, and holds its exact top-k', () => {
    const index = new VectorIndex(DIMS, { exact, floatBlockBytes: 0 });
    for (let i = 0; i < ROWS; i += 1_000) index.insert(entries.slice(i, i + 1_000));
    const readFor = (k: number) => {
      reads.length = 0;
      const agreed = queries.map((query) => {
        const expected = new Set(referenceSearch(entries, query, k));
        return index.search(query, 0, index.size, k).filter((hit) => expected.has(hit.seq)).length;
      });
      expect(reads).toHaveLength(queries.length);
      return {
        rows: Math.max(...reads),
        agreed: agreed.reduce((a, b) => a + b, 0) / (queries.length * k),
      };
    };
    const shallow = readFor(10);
    const deep = readFor(50);
    expect(shallow.rows).toBe(10 + 256);
    // The margin beyond k grows with k, not only k itself.
    expect(deep.rows - 50).toBeGreaterThan(shallow.rows - 10);
    expect(deep.agreed).toBeGreaterThanOrEqual(0.995);
  });

  // A window's fill asks for a deeper pool of the same window in the same
  // search (vault-queries.ts), which reuses the window's code scan.
  it('answers a window asked again in one search as a search of its own, whatever was scanned between', () => {
    for (const floatBlockBytes of [64 * 1024 * 1024, 0]) {
      const index = new VectorIndex(DIMS, { exact, floatBlockBytes });
      for (let i = 0; i < ROWS; i += 1_000) index.insert(entries.slice(i, i + 1_000));
      const stats = () => ({ rows: 0, mean: 0, deviation: 0 });
      for (const query of queries.slice(0, 10)) {
        const fresh = stats();
        const expected = index.searchWindow(query, 500, ROWS, 60, undefined, fresh);
        const scope = {};
        index.searchWindow(query, 500, ROWS, 50, undefined, stats(), scope);
        const again = stats();
        expect(index.searchWindow(query, 500, ROWS, 60, undefined, again, scope)).toEqual(expected);
        expect(again).toEqual(fresh);
        // Another window scanned in between: its scores are not the window's.
        expect(index.searchWindow(query, null, 4_000, 50, undefined, stats(), scope)).toEqual(
          index.searchWindow(query, null, 4_000, 50),
        );
        expect(index.searchWindow(query, 500, ROWS, 60, undefined, stats(), scope)).toEqual(
          expected,
        );
        // Another query of the same search: its own scan.
        const other = queries[queries.indexOf(query) + 20]!;
        const otherExpected = index.searchWindow(other, 500, ROWS, 60);
        index.searchWindow(query, 500, ROWS, 50, undefined, stats(), scope);
        expect(index.searchWindow(other, 500, ROWS, 60, undefined, stats(), scope)).toEqual(
          otherExpected,
        );
      }
    }
  });

  // A small window is scanned exactly over the float32 block. Without the
  // block (the isolate's hot budget full), its spread came from the codes'
  // estimates less their expected noise, which a few rows cannot measure:
  // a noise row then stood out (score-fusion.ts), and a search found a
  // memory it did not find with the block (test/facts.test.ts, Paris→Berlin).
  it('gives a small window the spread and hits the float32 block gives it, the filtered rows counted too', () => {
    const withBlock = new VectorIndex(DIMS, { exact, floatBlockBytes: 64 * 1024 * 1024 });
    const without = new VectorIndex(DIMS, { exact, floatBlockBytes: 0 });
    for (const index of [withBlock, without]) index.insert(entries.slice(0, 300));
    expect([withBlock.holdsFloats, without.holdsFloats]).toEqual([true, false]);
    const odd = (seq: number) => seq % 2 === 1;
    for (const [start, end] of [
      [0, 2],
      [10, 13],
      [40, 48],
      [0, 266],
    ] as const) {
      for (const query of queries.slice(0, 8)) {
        for (const accept of [undefined, odd]) {
          const asScanned = { rows: 0, mean: 0, deviation: 0 };
          const fromStorage = { rows: 0, mean: 0, deviation: 0 };
          const expected = withBlock.search(query, start, end, 10, accept, asScanned);
          const found = without.search(query, start, end, 10, accept, fromStorage);
          expect(found.map((hit) => hit.seq)).toEqual(expected.map((hit) => hit.seq));
          expect(fromStorage.rows).toBe(end - start);
          expect(fromStorage.mean).toBeCloseTo(asScanned.mean, 6);
          expect(fromStorage.deviation).toBeCloseTo(asScanned.deviation, 6);
        }
      }
    }
  });

  it('estimates every row of a window, whatever its length (the kernel scores rows four at a time)', () => {
    const index = new VectorIndex(DIMS, { exact, floatBlockBytes: 0 });
    index.insert(entries.slice(0, 3_001));
    // A window's last row, its first, and one in the middle, for odd and even lengths.
    for (const [start, end] of [
      [0, 3_001],
      [1, 3_001],
      [500, 2_999],
      [7, 2_508],
    ] as const) {
      for (const row of [end - 1, start, (start + end) >> 1]) {
        const [best] = index.search(entries[row]!.vector, start, end, 1);
        expect(best!.seq).toBe(entries[row]!.seq);
      }
    }
  });
});

describe('rerankMargin', () => {
  it('keeps the base for k ≤ 10 and for a float32 block, and grows with k from storage', () => {
    expect(rerankMargin(10_000, 10, true)).toBe(256);
    expect(rerankMargin(250_000, 10, true)).toBe(521);
    expect(rerankMargin(250_000, 5, true)).toBe(521);
    expect(rerankMargin(250_000, 150, false)).toBe(521);
    expect(rerankMargin(10_000, 50, false)).toBe(256);
    const margins = [10, 20, 50, 100, 150].map((k) => rerankMargin(250_000, k, true));
    for (let i = 1; i < margins.length; i++) expect(margins[i]).toBeGreaterThan(margins[i - 1]!);
    // The measured need at 250,000 rows (BENCHMARKS.md, branch i13-deep): 99.5% of the
    // exact top 50 within k + 1,285, of the top 150 within k + 2,559.
    expect(margins[2]).toBeGreaterThanOrEqual(1_285);
    expect(margins[4]).toBeGreaterThanOrEqual(2_559);
  });
});

describe('VectorIndex over its budget', () => {
  it('holds the newest rows and finds older ones in storage, without failing', () => {
    const DIMS = 64;
    const next = random(64);
    const entries: IndexEntry[] = Array.from({ length: 6_000 }, (_, i) => ({
      seq: i + 1,
      createdAt: i,
      vector: unitVector(next, DIMS),
    }));
    const bySeq = new Map(entries.map((entry) => [entry.seq, entry.vector]));
    // Caches give way to an index that lacks room, and a project's test files
    // share one isolate (vitest.config.ts): earlier files' caches are emptied
    // first, so the room below is the index's own.
    affordable(Number.MAX_SAFE_INTEGER);
    const index = new VectorIndex(DIMS, {
      exact: (seqs) => new Map(seqs.map((seq) => [seq, bySeq.get(seq)!])),
      coldRows: (after, through) =>
        entries
          .filter((e) => e.createdAt > (after ?? -Infinity) && e.createdAt <= through)
          .map((e) => ({ seq: e.seq, createdAt: e.createdAt, vectors: e.vector })),
      // Room for what the isolate holds already and about a thousand more rows.
      isolateBudget: isolateHotBytes() + 256 * 1024,
    });
    for (let i = 0; i < entries.length; i += 100) index.insert(entries.slice(i, i + 100));
    expect(index.partial).toBe(true);
    expect(index.holdsFloats).toBe(false);
    expect(index.size).toBeLessThan(entries.length);
    expect(index.seqAt(index.size - 1)).toBe(entries.length); // the newest stay
    // Every row is still found: the oldest through storage, the newest hot.
    for (const entry of [entries[0]!, entries[2_000]!, entries[5_999]!]) {
      const [best] = index.searchWindow(entry.vector, null, Infinity, 1);
      expect(best).toMatchObject({ seq: entry.seq, createdAt: entry.createdAt });
      expect(best!.score).toBeCloseTo(1, 5);
    }
    // And whole windows agree with the exact scan.
    let agreed = 0;
    const queries = Array.from({ length: 20 }, () => unitVector(next, DIMS));
    for (const query of queries) {
      const expected = new Set(referenceSearch(entries, query, 10));
      agreed += index
        .searchWindow(query, null, Infinity, 10)
        .filter((hit) => expected.has(hit.seq)).length;
    }
    expect(agreed / (queries.length * 10)).toBeGreaterThanOrEqual(0.99);
    // A window entirely inside the hot rows does not touch storage.
    const newest = index.range(5_900, Infinity);
    expect(newest.end - newest.start).toBe(99);
  });
});

describe('VectorIndex woken on its codes', () => {
  it('fills its float32 block page by page while rows come and go, re-scoring from storage until then', () => {
    const DIMS = 64;
    const next = random(6_401);
    let seq = 0;
    const entry = (): IndexEntry => ({
      seq: ++seq,
      createdAt: Math.floor(next() * 1e6),
      vector: unitVector(next, DIMS),
    });
    let entries = Array.from({ length: 2_500 }, entry);
    const bySeq = new Map(entries.map((e) => [e.seq, e.vector]));
    const reads: number[] = [];
    const exact = (seqs: readonly number[]) => {
      reads.push(seqs.length);
      return new Map(seqs.map((s) => [s, bySeq.get(s)!]));
    };
    // What a checkpoint holds: the rows in key order, a page of 300 at a time.
    const saved = new VectorIndex(DIMS);
    saved.insert(entries);
    const pages = Array.from({ length: Math.ceil(saved.size / 300) }, (_, i) =>
      saved.slice(i * 300, (i + 1) * 300),
    );

    const woken = new VectorIndex(DIMS, { exact });
    woken.reset(saved.size);
    woken.useCalibration(saved.calibration!);
    woken.beginFloatFill();
    for (const page of pages) woken.appendSorted({ ...page, vectors: null });
    const queries = Array.from({ length: 20 }, () => unitVector(next, DIMS));
    const agreed = () => {
      let shared = 0;
      for (const query of queries) {
        const expected = new Set(referenceSearch(entries, query, 10));
        shared += woken
          .search(query, 0, woken.size, 10)
          .filter((hit) => expected.has(hit.seq)).length;
      }
      return shared / (queries.length * 10);
    };
    const fill = (page: (typeof pages)[number]) =>
      woken.fillFloats({ ...page, vectors: page.vectors! });

    expect(woken.floatsPending).toBe(true);
    expect(woken.slice(0, woken.size).vectors).toBeNull();
    expect(agreed()).toBeGreaterThanOrEqual(0.99);
    fill(pages[0]!);
    // New rows land all over the time line, moving the rows after them.
    const added = Array.from({ length: 150 }, entry);
    for (const e of added) bySeq.set(e.seq, e.vector);
    woken.insert(added);
    entries = [...entries, ...added];
    fill(pages[3]!);
    const removed = entries.filter((_, i) => i % 97 === 5);
    for (const e of removed) expect(woken.remove(e.seq, e.createdAt)).toBe(true);
    entries = entries.filter((e) => !removed.includes(e));
    expect(agreed()).toBeGreaterThanOrEqual(0.99);
    expect(reads.length).toBeGreaterThan(0); // re-scored from storage so far
    for (const page of pages.filter((_, i) => i !== 0 && i !== 3)) fill(page);
    woken.finishFloatFill();

    expect(woken.floatsPending).toBe(false);
    // Every row holds its own vector, in key order.
    const inOrder = [...entries].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    const block = new Float32Array(woken.slice(0, woken.size).vectors!.buffer);
    expect(block).toEqual(Float32Array.from(inOrder.flatMap((e) => Array.from(e.vector))));
    reads.length = 0;
    expect(agreed()).toBeGreaterThanOrEqual(0.99);
    expect(reads).toEqual([]); // the block serves from now on
  });
});

/** A unit vector halfway between a and b. */
function mix(a: Float32Array, b: Float32Array): Float32Array {
  const sum = a.map((x, i) => x + b[i]!);
  const norm = Math.hypot(...sum);
  return sum.map((x) => x / norm);
}
