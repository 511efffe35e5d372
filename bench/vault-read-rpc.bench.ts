/**
 * What a vault `read` call costs beyond the search it runs, inside workerd:
 * the Worker ⇄ object RPC with a trivial op, the same search with and without
 * a usage meter, and the wall time of each call against the object's own
 * `elapsedMs`, `searchMs` and `hydrateMs`. Memories are sentences over the
 * same 84-word vocabulary as `npm run bench:api`, so searches return full
 * windows of hits (20 per call) as the API bench's do.
 *
 * Samples are means of BATCH consecutive calls (workerd's clock moves on I/O),
 * the variants taken in turn so that they meet the same load. The last case
 * sends 16 searches at a time to one vault, metered or not, for what the
 * usage row's commit costs the vault's throughput.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import type {
  SearchRequest,
  UsageMeter,
  VaultReadOp,
  WindowResult,
} from '../src/durable/rpc/vault-types';
import { USAGE_SHARDS, usageShardStub } from '../src/durable/rpc/stubs';
import { mergeHits } from '../src/resolvers/merge-hits';
import { addStatistics } from '../src/durable/full-text/corpus-statistics';
import { unpackWindows } from '../src/durable/rpc/packed-windows';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, loadedCorpusVault, twoWindowsOfTen } from './corpus-vault';
import { BATCH, ms, percentile, printCallPhases } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 40;
const next = seededRandom(42);
// bench:api's vocabulary (bench/api/corpus.ts); lengths and vectors from `next`.
const { sentence } = corpus(42);
const now = Date.now();

/** A SESSION vault of ROWS memories over the bench vocabulary, with random vectors. */
const loadedVault = (id: string) =>
  loadedCorpusVault('bench-rpc', id, { rows: ROWS, dims: DIMS, now, sentence, next });

const config = readConfig(env);
const windows = twoWindowsOfTen(now, config.bands);
const searchRequest = (): SearchRequest =>
  corpusSearchRequest(windows, config.hybridVectorWeight, { dims: DIMS, sentence, next });
const meter = (): UsageMeter => ({
  requestId: `r${Math.floor(next() * 1e12)}`,
  accountId: 'bench',
  // The vaults' own key: a vault leads only vaults of the meter's key (WRONG_OWNER).
  keyId: 'bench-rpc',
});

it('vault read RPC: overhead beside the search', async () => {
  const { address, stub } = await loadedVault('a');
  const searchOp = (metered: boolean, packed = false): VaultReadOp => ({
    type: 'search',
    request: searchRequest(),
    ...(metered ? { meter: meter() } : {}),
    ...(packed ? { packed: true as const } : {}),
  });
  const found = await stub.read(address, [searchOp(false)]);
  const first = found.ok ? found.results[0] : undefined;
  if (!first?.ok || first.type !== 'search') throw new Error('search failed');
  const ids = first.windows.flatMap((window) => window.hits.map((hit) => hit.memory.id));

  const variants: [string, () => VaultReadOp[]][] = [
    ['read [stats]', () => [{ type: 'stats' }]],
    [`read [get ${ids.length} ids]`, () => [{ type: 'get', ids }]],
    ['read [search] (no meter)', () => [searchOp(false)]],
    // The windows in columns (packed-windows.ts), unpacked here as the Worker's loader does.
    ['read [search] packed (no meter)', () => [searchOp(false, true)]],
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
        for (const result of response.results)
          if (result.ok && result.type === 'search' && result.packed) unpackWindows(result.packed);
        elapsed += response.elapsedMs;
        searched += response.searchMs + response.hydrateMs;
      }
      wall[v]!.push((performance.now() - started) / BATCH);
      inside[v]!.push(elapsed / BATCH);
      ranked[v]!.push(searched / BATCH);
    }
  }
  console.log(`\nvault read RPC, ${ROWS} memories, p50 of ${SAMPLES} samples × ${BATCH} calls`);
  printCallPhases(
    variants.map(([name]) => name),
    wall,
    inside,
    ranked,
  );
});

it('3-vault search: metered by a usage shard after the merge, or settled in the first vault', async () => {
  const vaults = [await loadedVault('b'), await loadedVault('c'), await loadedVault('d')];
  const shard = usageShardStub(env, 'bench', 0 % USAGE_SHARDS);
  const tokensOf = (perVault: { windows: WindowResult[] }[]) =>
    mergeHits(
      windows,
      perVault.map((found, at) => ({ address: vaults[at]!.address, windows: found.windows })),
    ).reduce((sum, hit) => sum + hit.memory.tokens, 0);
  const searchOf = async (
    at: number,
    request: SearchRequest,
    extra: Partial<Extract<VaultReadOp, { type: 'search' }>> = {},
  ) => {
    const { address, stub } = vaults[at]!;
    const response = await stub.read(address, [{ type: 'search', request, ...extra }]);
    const result = response.ok ? response.results[0] : undefined;
    if (!result?.ok || result.type !== 'search') throw new Error('search failed');
    return result;
  };
  // Before: every vault in parallel, then the merged tokens to a usage shard, awaited.
  const byShard = async () => {
    const request = searchRequest();
    const found = await Promise.all(vaults.map((_, at) => searchOf(at, request)));
    await shard.record('bench', 'k', tokensOf(found));
  };
  // After: the first vault waits inside its call for the others, records the merged tokens.
  const inVault = async () => {
    const request = searchRequest();
    const others = [1, 2].map((at) => searchOf(at, request));
    const first = searchOf(0, request, {
      meter: meter(),
      settle: async (own) => tokensOf([{ windows: own }, ...(await Promise.all(others))]),
    });
    const found = await Promise.all([first, ...others]);
    if (!found[0].settled) throw new Error('not settled');
  };
  // Packed, as the Worker's loader asks (packed-windows.ts): unpacked here as it does.
  const packedSearchOf = async (
    at: number,
    request: SearchRequest,
    extra: Partial<Extract<VaultReadOp, { type: 'search' }>> = {},
  ) => {
    const result = await searchOf(at, request, { packed: true, ...extra });
    if (result.packed) result.windows = unpackWindows(result.packed);
    return result;
  };
  // As the Worker did before i13-fan: every vault called, the first settling
  // through a `settleMerged` callback with its windows packed.
  const settledMerged = async () => {
    const request = searchRequest();
    const others = [1, 2].map((at) => packedSearchOf(at, request));
    const first = packedSearchOf(0, request, {
      settleMerged: {
        meter: meter(),
        merged: async (_, packed) =>
          tokensOf([{ windows: unpackWindows(packed!) }, ...(await Promise.all(others))]),
      },
    });
    const found = await Promise.all([first, ...others]);
    if (!found[0].settled) throw new Error('not settled');
  };
  // i13-fan: the first vault leads, asks the other two itself and bills the
  // merged hits; its one answer carries every vault's windows, cut to the
  // hits that made the merged list.
  const ledByFirst = async (request = searchRequest()) => {
    const { address, stub } = vaults[0]!;
    const response = await stub.read(address, [
      {
        type: 'search',
        request,
        packed: true,
        fanOut: { vaults: vaults.map((vault) => vault.address), meter: meter() },
      },
    ]);
    const led = response.ok ? response.results[0] : undefined;
    if (!response.ok || !led?.ok || led.type !== 'search' || !led.settled || !led.packed)
      throw new Error('not led');
    const found = [unpackWindows(led.packed)];
    for (const { answer } of response.fanned ?? []) {
      const result = answer.ok ? answer.results[0] : undefined;
      if (!result?.ok || result.type !== 'search' || !result.packed) throw new Error('failed');
      found.push(unpackWindows(result.packed));
    }
    tokensOf(found.map((windows) => ({ windows })));
  };
  // Review 101 #4: the Worker first asks every vault for its word statistics
  // (corpus-statistics.ts); the led search then ranks with their sums.
  const ledWithStatistics = async () => {
    const request = searchRequest();
    const parts = await Promise.all(
      vaults.map(({ address, stub }) =>
        stub.textStatistics(address, { text: request.text, now: request.now ?? now }),
      ),
    );
    await ledByFirst({ ...request, corpus: addStatistics(parts) });
  };
  // The floor: the same searches, billed nowhere.
  const unmetered = async () => {
    const request = searchRequest();
    tokensOf(await Promise.all(vaults.map((_, at) => searchOf(at, request))));
  };
  // One vault of the same three, for a same-run ratio (the 3-vault ÷ 1-vault).
  const oneVault = (metered: boolean) => async () => {
    const request = searchRequest();
    tokensOf([await searchOf(0, request, metered ? { meter: meter() } : {})]);
  };
  const variants: [string, () => Promise<void>][] = [
    ['1 vault, not metered', oneVault(false)],
    ['1 vault, metered in the vault', oneVault(true)],
    ['not metered (floor)', unmetered],
    ['usage shard after the merge', byShard],
    ['settled in the first vault', inVault],
    ['packed, settleMerged (before)', settledMerged],
    ['packed, led by the first vault', () => ledByFirst()],
    ['led, word statistics first', ledWithStatistics],
  ];
  for (const [, run] of variants) for (let i = 0; i < 3; i++) await run(); // warm up
  const wall = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, run]] of variants.entries()) {
      const started = performance.now();
      for (let b = 0; b < BATCH / 2.5; b++) await run();
      wall[v]!.push((performance.now() - started) / (BATCH / 2.5));
    }
  }
  console.log(
    `\n3 vaults of ${ROWS}, HYBRID, 2 windows × 10: wall per search, p50 of ${SAMPLES} samples × ${BATCH / 2.5}`,
  );
  variants.forEach(([name], v) =>
    console.log(`${name.padEnd(30)} ${ms(percentile(wall[v]!, 50)).padStart(10)}`),
  );
  // Paired within each round (the same load): the led search over the settled one.
  const led = variants.findIndex(([name]) => name.includes('led by'));
  const shared = variants.findIndex(([name]) => name.includes('statistics first'));
  const sharedRatios = wall[shared]!.map((value, s) => value / wall[led]![s]!);
  console.log(
    `word statistics first ÷ led, same round: p50 ${percentile(sharedRatios, 50).toFixed(3)}` +
      ` (p25 ${percentile(sharedRatios, 25).toFixed(3)}, p75 ${percentile(sharedRatios, 75).toFixed(3)})`,
  );
  const settled = variants.findIndex(([name]) => name.includes('settleMerged'));
  const ratios = wall[led]!.map((value, s) => value / wall[settled]![s]!);
  console.log(
    `led ÷ settleMerged, same round: p50 ${percentile(ratios, 50).toFixed(3)}` +
      ` (p25 ${percentile(ratios, 25).toFixed(3)}, p75 ${percentile(ratios, 75).toFixed(3)})`,
  );
});

it('a read batch opened by a timer or by microtask turns', async () => {
  const { address, stub } = await loadedVault('e');
  // The two ways a per-request loader can close its batch, each around the
  // same trivial read: the time from asking to the answer.
  const timer = (callback: () => void) => void setTimeout(callback, 0);
  const turns = async (callback: () => void) => {
    for (let turn = 0; turn < 8; turn++) await Promise.resolve();
    callback();
  };
  const variants: [string, (callback: () => void) => void][] = [
    ['setTimeout(0), as before', timer],
    ['8 microtask turns', (callback) => void turns(callback)],
  ];
  const readThrough = (schedule: (callback: () => void) => void) =>
    new Promise<void>((resolve, reject) =>
      schedule(() => {
        stub.read(address, [{ type: 'stats' }]).then(() => resolve(), reject);
      }),
    );
  const wall = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, schedule]] of variants.entries()) {
      const started = performance.now();
      for (let b = 0; b < BATCH; b++) await readThrough(schedule);
      wall[v]!.push((performance.now() - started) / BATCH);
    }
  }
  console.log(`\nbatch scheduling + read [stats], p50 of ${SAMPLES} samples × ${BATCH}`);
  variants.forEach(([name], v) =>
    console.log(`${name.padEnd(30)} ${ms(percentile(wall[v]!, 50)).padStart(10)}`),
  );
});

it('1-vault search throughput, 16 in flight: metered in the vault or not', async () => {
  const { address, stub } = await loadedVault('g');
  const IN_FLIGHT = 16;
  const CALLS = 160;
  // Does the usage row's commit only delay each answer, or hold up the others too?
  const burst = async (metered: boolean) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < CALLS) {
          const op: VaultReadOp = {
            type: 'search',
            request: searchRequest(),
            ...(metered ? { meter: meter() } : {}),
          };
          const response = await stub.read(address, [op]);
          if (!response.ok) throw new Error(response.message);
        }
      }),
    );
    return (CALLS / (performance.now() - started)) * 1000;
  };
  for (const metered of [false, true]) await burst(metered); // warm up
  const rates = [[] as number[], [] as number[]];
  for (let s = 0; s < 8; s++)
    for (const [v, metered] of [false, true].entries()) rates[v]!.push(await burst(metered));
  console.log(
    `\n1-vault HYBRID search, ${IN_FLIGHT} in flight, ${CALLS} calls a burst: median of 8 bursts`,
  );
  console.log(
    `not metered                    ${percentile(rates[0]!, 50).toFixed(0).padStart(6)} searches/s`,
  );
  console.log(
    `metered in the vault           ${percentile(rates[1]!, 50).toFixed(0).padStart(6)} searches/s`,
  );
});
