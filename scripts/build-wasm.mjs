// Assembles src/durable/hot-tier/simd/dot.wat into the committed dot.wasm.
// Run by `npm run build:wasm`; CI runs it too and fails if the binary drifts.
import { readFile, writeFile } from 'node:fs/promises';
import initWabt from 'wabt';

const source = new URL('../src/durable/hot-tier/simd/dot.wat', import.meta.url);
const target = new URL('../src/durable/hot-tier/simd/dot.wasm', import.meta.url);

const wabt = await initWabt();
const parsed = wabt.parseWat('dot.wat', await readFile(source, 'utf8'), {
  simd: true,
  relaxed_simd: true,
});
parsed.validate();
const { buffer } = parsed.toBinary({ log: false, write_debug_names: false });
parsed.destroy();
await writeFile(target, buffer);
console.log(`wrote ${target.pathname} (${buffer.byteLength} bytes)`);
