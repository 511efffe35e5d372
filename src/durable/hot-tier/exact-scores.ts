/**
 * The exact (float64) similarity of a few rows of the float32 block: each
 * score is `Σ_j query[j] · row[j]` summed in j order in float64, the figure
 * every search ranks by. One row's sum is a chain of dependent additions
 * (about 0.5 µs at 384 dimensions, bound by the adder's latency, not by
 * arithmetic), so eight rows are summed side by side (then four, then one):
 * independent chains share the query's loads and keep the adder busy, while
 * each row's own sum keeps its order and so its value, bit for bit. A plain function
 * over typed arrays, so the engine keeps it monomorphic.
 *
 * `floats` is the block's view, `base` its first word, `slots` where each
 * row's vector sits; `out[i]` receives the score of `rows[i]`.
 */
export function exactScores(
  query: Float32Array,
  floats: Float32Array,
  base: number,
  dims: number,
  slots: Int32Array,
  rows: Int32Array,
  out: Float64Array,
): void {
  const count = rows.length;
  let r = 0;
  for (; r + 8 <= count; r += 8) {
    const a = base + slots[rows[r]!]! * dims;
    const b = base + slots[rows[r + 1]!]! * dims;
    const c = base + slots[rows[r + 2]!]! * dims;
    const d = base + slots[rows[r + 3]!]! * dims;
    const e = base + slots[rows[r + 4]!]! * dims;
    const f = base + slots[rows[r + 5]!]! * dims;
    const g = base + slots[rows[r + 6]!]! * dims;
    const h = base + slots[rows[r + 7]!]! * dims;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    let se = 0;
    let sf = 0;
    let sg = 0;
    let sh = 0;
    for (let j = 0; j < dims; j++) {
      const q = query[j]!;
      sa += q * floats[a + j]!;
      sb += q * floats[b + j]!;
      sc += q * floats[c + j]!;
      sd += q * floats[d + j]!;
      se += q * floats[e + j]!;
      sf += q * floats[f + j]!;
      sg += q * floats[g + j]!;
      sh += q * floats[h + j]!;
    }
    out[r] = sa;
    out[r + 1] = sb;
    out[r + 2] = sc;
    out[r + 3] = sd;
    out[r + 4] = se;
    out[r + 5] = sf;
    out[r + 6] = sg;
    out[r + 7] = sh;
  }
  for (; r + 4 <= count; r += 4) {
    const a = base + slots[rows[r]!]! * dims;
    const b = base + slots[rows[r + 1]!]! * dims;
    const c = base + slots[rows[r + 2]!]! * dims;
    const d = base + slots[rows[r + 3]!]! * dims;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    for (let j = 0; j < dims; j++) {
      const q = query[j]!;
      sa += q * floats[a + j]!;
      sb += q * floats[b + j]!;
      sc += q * floats[c + j]!;
      sd += q * floats[d + j]!;
    }
    out[r] = sa;
    out[r + 1] = sb;
    out[r + 2] = sc;
    out[r + 3] = sd;
  }
  for (; r < count; r++) {
    const a = base + slots[rows[r]!]! * dims;
    let sa = 0;
    for (let j = 0; j < dims; j++) sa += query[j]! * floats[a + j]!;
    out[r] = sa;
  }
}

/**
 * `exactScores` for vectors read from storage: `out[i]` receives the float64
 * score of the `dims` floats at `vectors[i][offsets[i]…]`, summed in j order,
 * four rows side by side for the same reason (each row's value bit for bit
 * what one sum of its own gives).
 */
export function storedScores(
  query: Float32Array,
  dims: number,
  vectors: readonly Float32Array[],
  offsets: Int32Array,
  out: Float64Array,
): void {
  const count = vectors.length;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const va = vectors[r]!;
    const vb = vectors[r + 1]!;
    const vc = vectors[r + 2]!;
    const vd = vectors[r + 3]!;
    const a = offsets[r]!;
    const b = offsets[r + 1]!;
    const c = offsets[r + 2]!;
    const d = offsets[r + 3]!;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    for (let j = 0; j < dims; j++) {
      const q = query[j]!;
      sa += q * va[a + j]!;
      sb += q * vb[b + j]!;
      sc += q * vc[c + j]!;
      sd += q * vd[d + j]!;
    }
    out[r] = sa;
    out[r + 1] = sb;
    out[r + 2] = sc;
    out[r + 3] = sd;
  }
  for (; r < count; r++) {
    const va = vectors[r]!;
    const a = offsets[r]!;
    let sa = 0;
    for (let j = 0; j < dims; j++) sa += query[j]! * va[a + j]!;
    out[r] = sa;
  }
}
