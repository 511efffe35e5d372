/**
 * The float32 block's slots: where each row's vector sits in the block. The
 * block is filled in arrival order, not key order, so a backdated batch moves
 * only the codes and keys of the rows after it, never their vectors; these
 * functions read vectors back in key order and pack the block again. Plain
 * functions over the typed arrays, the block given as a Float32Array view of
 * the kernel's memory and `base` its first word.
 */

/** Whether rows [start, start + count) have consecutive slots. */
export function slotsRun(slots: Int32Array, start: number, count: number): boolean {
  const first = slots[start]!;
  for (let i = 1; i < count; i++) if (slots[start + i] !== first + i) return false;
  return true;
}

/** The vectors of rows [from, to), in key order, as bytes (a copy). */
export function gatherVectorBytes(
  floats: Float32Array,
  base: number,
  dims: number,
  slots: Int32Array,
  from: number,
  to: number,
): Uint8Array {
  if (to > from && slotsRun(slots, from, to - from)) {
    const first = base + slots[from]! * dims;
    return new Uint8Array(floats.slice(first, first + (to - from) * dims).buffer);
  }
  const out = new Float32Array((to - from) * dims);
  for (let row = from; row < to; row++) {
    const offset = base + slots[row]! * dims;
    out.set(floats.subarray(offset, offset + dims), (row - from) * dims);
  }
  return new Uint8Array(out.buffer);
}

/**
 * Moves every row's vector to slot `row`, for the first `count` rows of
 * `slotsUsed` slots handed out. Slot s holds the vector of `owner[s]`, or
 * nothing; each row's vector moves once. Chains start at a free slot (each
 * move frees the slot it came from, which the row of that number needs
 * next); what is left are cycles, closed through one row's worth of scratch.
 * In place: it runs when the block is full, so a copy of the block (up to
 * its 16 MiB) is what the isolate can least afford then.
 */
export function moveVectorsHome(
  floats: Float32Array,
  base: number,
  dims: number,
  slots: Int32Array,
  count: number,
  slotsUsed: number,
): void {
  const owner = new Int32Array(slotsUsed).fill(-1);
  for (let row = 0; row < count; row++) owner[slots[row]!] = row;
  const move = (from: number, to: number) =>
    floats.copyWithin(base + to * dims, base + from * dims, base + (from + 1) * dims);
  for (let start = 0; start < count; start++) {
    if (owner[start] !== -1) continue;
    for (let at = start; ;) {
      const from = slots[at]!;
      move(from, at);
      slots[at] = at;
      owner[at] = at;
      owner[from] = -1;
      if (from >= count) break;
      at = from;
    }
  }
  const held = new Float32Array(dims);
  for (let start = 0; start < count; start++) {
    if (slots[start] === start) continue;
    held.set(floats.subarray(base + start * dims, base + (start + 1) * dims));
    let at = start;
    for (let from = slots[at]!; from !== start; from = slots[at]!) {
      move(from, at);
      slots[at] = at;
      at = from;
    }
    floats.set(held, base + at * dims);
    slots[at] = at;
  }
}
