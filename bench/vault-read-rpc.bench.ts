/**
 * What a vault `read` call costs beyond the search it runs, inside workerd:
 * the Worker ⇄ object RPC with a trivial op, the same search with and without
 * a usage meter, and the wall time of each call against the object's own
 * `elapsedMs`, `searchMs` and `hydrateMs`. Memories are sentences over the
 * same 84-word vocabulary as `npm run bench:api`, so searches return full
 * windows of hits (20 per call) as the API bench's do.
 *
 * Samples are means of BATCH consecutive calls (workerd's clock moves on I/O),
 * the variants taken in turn so that they meet the same load.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { CALLER_SUPPLIED_MODEL } from '../src/embed/embedder';
import { MAX_STORE_BATCH } from '../src/core/limits';
import type { VaultReadOp } from '../src/durable/vault-types';
import { planWindows } from '../src/kronos/plan';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { randomUnitVector, seededRandom } from '../test/helpers/random';
import { BATCH, ms, percentile } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 40;
const WORDS = (
  'meeting project budget deadline coffee garden holiday train flight hotel doctor dentist ' +
  'birthday present recipe dinner lunch breakfast piano guitar lesson school teacher exam ' +
  'invoice payment contract client office laptop phone charger password router wifi cabin ' +
  'lake mountain river boat bicycle car garage insurance rent landlord kitchen sofa paint ' +
  'dog cat vet walk park running marathon shoes jacket rain snow summer winter spring autumn ' +
  'sister brother mother father friend neighbour colleague manager team release server bug'
).split(' ');

it('vault read RPC: overhead beside the search', async () => {
  const next = seededRandom(42);
  const sentence = (n: number) =>
    Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(' ');
  const address: VaultAddress = { kind: 'SESSION', keyId: 'bench-rpc', externalId: 'a' };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  const now = Date.now();
  for (let start = 0; start < ROWS; start += MAX_STORE_BATCH) {
    const memories = Array.from({ length: MAX_STORE_BATCH }, (_, i) => {
      const content = sentence(8 + Math.floor(next() * 12));
      return {
        content,
        role: 'USER' as const,
        metadata: null,
        createdAt: now - (ROWS - start - i) * 60_000,
        tokens: content.split(' ').length,
        vector: randomUnitVector(next, DIMS),
        callerVector: true,
      };
    });
    const stored = await stub.store(address, {
      memories,
      model: CALLER_SUPPLIED_MODEL,
      dimensions: DIMS,
    });
    if (!stored.ok) throw new Error(stored.message);
  }
  const config = readConfig(env);
  const windows = planWindows(
    [
      { window: 'WORKING', limit: 10 },
      { window: 'LONG_TERM', limit: 10 },
    ],
    now,
    config.bands,
  );
  const searchOp = (meter: boolean): VaultReadOp => ({
    type: 'search',
    request: {
      text: sentence(8 + Math.floor(next() * 12)),
      vector: randomUnitVector(next, DIMS),
      model: CALLER_SUPPLIED_MODEL,
      mode: 'HYBRID',
      windows,
      metadata: null,
      vectorWeight: config.hybridVectorWeight,
    },
    ...(meter
      ? { meter: { requestId: `r${Math.floor(next() * 1e12)}`, accountId: 'bench', keyId: 'k' } }
      : {}),
  });
  const found = await stub.read(address, [searchOp(false)]);
  const first = found.ok ? found.results[0] : undefined;
  if (!first?.ok || first.type !== 'search') throw new Error('search failed');
  const ids = first.windows.flatMap((window) => window.hits.map((hit) => hit.memory.id));

  const variants: [string, () => VaultReadOp[]][] = [
    ['read [stats]', () => [{ type: 'stats' }]],
    [`read [get ${ids.length} ids]`, () => [{ type: 'get', ids }]],
    ['read [search] (no meter)', () => [searchOp(false)]],
    ['read [search] + meter', () => [searchOp(true)]],
  ];
  const wall = variants.map(() => [] as number[]);
  const inside = variants.map(() => [] as number[]);
  const ranked = variants.map(() => [] as number[]);
  for (let round = 0; round < 3; round++) await stub.read(address, [searchOp(true)]); // warm up
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, ops]] of variants.entries()) {
      let elapsed = 0;
      let searched = 0;
      const started = performance.now();
      for (let b = 0; b < BATCH; b++) {
        const response = await stub.read(address, ops());
        if (!response.ok) throw new Error(response.message);
        elapsed += response.elapsedMs;
        searched += response.searchMs + response.hydrateMs;
      }
      wall[v]!.push((performance.now() - started) / BATCH);
      inside[v]!.push(elapsed / BATCH);
      ranked[v]!.push(searched / BATCH);
    }
  }
  console.log(`\nvault read RPC, ${ROWS} memories, p50 of ${SAMPLES} samples × ${BATCH} calls`);
  console.log('variant                         wall    in object  search+hydrate  wall − s+h');
  variants.forEach(([name], v) => {
    const w = percentile(wall[v]!, 50);
    const i = percentile(inside[v]!, 50);
    const r = percentile(ranked[v]!, 50);
    console.log(
      `${name.padEnd(30)} ${ms(w).padStart(8)} ${ms(i).padStart(10)} ${ms(r).padStart(14)} ${ms(w - r).padStart(11)}`,
    );
  });
});
