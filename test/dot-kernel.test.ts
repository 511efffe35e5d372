import { describe, expect, it } from 'vitest';
import { growMemory, instantiateDotKernel } from '../src/durable/hot-tier/dot-kernel';
import { seededRandom } from './helpers/random';

/**
 * dot_picked scores picked rows two at a time; each score must be the float
 * dot_rows gives the same row (the candidates it narrows to are then the
 * same), for any dimensions (wide, narrow and scalar tails) and any count
 * (odd ones end on a single row).
 */
describe('the float32 kernel', () => {
  it('scores picked rows exactly as it scores rows in place', () => {
    const random = seededRandom(21);
    for (const dims of [384, 385, 390, 12, 3, 64, 1]) {
      const kernel = instantiateDotKernel();
      const rows = 40;
      const rowBytes = dims * 4;
      const query = 0;
      const block = Math.ceil(rowBytes / 64) * 64;
      const scan = block + rows * rowBytes;
      const picks = scan + rows * 4 + 64;
      const out = picks + rows * 4;
      growMemory(kernel.memory, out + rows * 4);
      const floats = new Float32Array(kernel.memory.buffer);
      for (let i = 0; i < dims; i++) floats[query / 4 + i] = random() * 2 - 1;
      for (let i = 0; i < rows * dims; i++) floats[block / 4 + i] = random() * 2 - 1;
      kernel.dot_rows(query, block, dims, rows, scan);
      const inPlace = new Float32Array(kernel.memory.buffer, scan, rows).slice();
      for (const count of [0, 1, 2, 7, 40]) {
        const picked = Array.from({ length: count }, () => Math.floor(random() * rows));
        new Int32Array(kernel.memory.buffer, picks, count).set(picked);
        kernel.dot_picked(query, block, dims, picks, count, out);
        const got = Array.from(new Float32Array(kernel.memory.buffer, out, count));
        expect(got).toEqual(picked.map((row) => inPlace[row]));
      }
    }
  });
});
