/**
 * toBase64Url before and after branch i13-after, inside workerd, in turn:
 * a memory id's text (every hit of a search or chat is named by one) and a
 * chat's memory receipt header (a couple of KB of JSON). The previous
 * encoder (a binary string a character at a time, btoa, three replaces) is
 * kept here as the baseline; both must write the same text.
 */
import { it } from 'vitest';
import { toBase64Url } from '../src/core/encoding';
import { percentile } from './measure';

function previous(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encoder = new TextEncoder();
const inputs: [string, Uint8Array, number][] = [
  ['memory id (S:<local id>:bench-a)', encoder.encode('S:1234567:bench-a'), 20_000],
  [
    'memory receipt (2 KB of JSON)',
    encoder.encode(
      JSON.stringify({
        hits: Array.from({ length: 12 }, (_, i) => ({
          id: `mem_${'x'.repeat(24)}${i}`,
          vault: { kind: 'SESSION', id: 'bench-a' },
          score: 0.123456 + i,
          window: 'LONG_TERM',
        })),
        memoryTokens: 216,
      }),
    ),
    1_000,
  ],
];

it('toBase64Url: before and after, in turn', () => {
  const SAMPLES = 40;
  console.log('\ntoBase64Url, µs per call (p50 of 40 samples)');
  for (const [name, bytes, calls] of inputs) {
    if (previous(bytes) !== toBase64Url(bytes)) throw new Error(`${name}: the encoders differ`);
    const before: number[] = [];
    const after: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      for (const [encode, into] of [
        [previous, before],
        [toBase64Url, after],
      ] as const) {
        const started = performance.now();
        let length = 0;
        for (let c = 0; c < calls; c++) length += encode(bytes).length;
        if (length === 0) throw new Error('nothing encoded');
        into.push(((performance.now() - started) * 1000) / calls);
      }
    }
    console.log(
      `${name.padEnd(36)} ${bytes.length} bytes: before ${percentile(before, 50).toFixed(2)}, after ${percentile(after, 50).toFixed(2)}`,
    );
  }
});
