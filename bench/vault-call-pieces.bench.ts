/**
 * The pieces of one vault `read` call around its ranking, inside workerd
 * (issue 13, branch i13-vcall2): the object's own work measured in place
 * (runInDurableObject) on a vault of bench:api's corpus, and whole calls
 * through the RPC with the object's meta record kept between writes (as
 * now) or decoded on every call (as before), the two in turn in one process.
 *
 * In place, each figure is the mean of a loop of calls (workerd's clock
 * ticks coarsely): the meta table decoded (what every `open` did) or kept,
 * `open` itself, the stats every answer carries, packing a search's windows
 * into columns, and the answer's size (JSON, a stand-in for the structured
 * clone's bytes) and clone time, unpacked and packed, with a led vault's
 * answer beside it (what a 3-vault search's leader receives per vault).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { mergedHits } from '../src/durable/vault/merge-windows';
import { cutPackedWindows, packWindows, unpackWindows } from '../src/durable/rpc/packed-windows';
import type { VaultMeta, VaultMetaRecord } from '../src/durable/warm-tier/vault-meta';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultReads } from '../src/durable/vault/vault-reads';
import type { VaultLifecycle } from '../src/durable/vault/vault-lifecycle';
import type { SearchRequest, VaultReadOp, VaultReadResponse } from '../src/durable/rpc/vault-types';
import { vaultObjectName } from '../src/vaults/address';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, loadedCorpusVault, twoWindowsOfTen } from './corpus-vault';
import { BATCH, ms, percentile, timeInTurn } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 40;
/** Calls per in-place sample: these pieces take microseconds. */
const LOOP = 2_000;
const next = seededRandom(7);
const { sentence } = corpus(7);
const now = Date.now();
const config = readConfig(env);
const windows = twoWindowsOfTen(now, config.bands);
const searchRequest = (): SearchRequest =>
  corpusSearchRequest(windows, config.hybridVectorWeight, { dims: DIMS, sentence, next });

interface Internals {
  meta: VaultMeta & { current(): VaultMetaRecord };
  life: VaultLifecycle;
  reads: VaultReads;
}

/** A SESSION vault of ROWS memories over the bench vocabulary, with random vectors. */
const loadedVault = (id: string) =>
  loadedCorpusVault('bench-pieces', id, { rows: ROWS, dims: DIMS, now, sentence, next });

/** Mean ms of one call of `run`, over LOOP calls; p50 of SAMPLES such loops. */
function timedLoop(run: () => unknown): number {
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let i = 0; i < LOOP; i++) run();
    samples.push((performance.now() - started) / LOOP);
  }
  return percentile(samples, 50);
}

async function timedAsyncLoop(run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let i = 0; i < LOOP; i++) await run();
    samples.push((performance.now() - started) / LOOP);
  }
  return percentile(samples, 50);
}

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

it('vault call pieces: the object’s own work around the ranking', async () => {
  const { address, stub } = await loadedVault('a');
  const led = await loadedVault('b');
  const request = searchRequest();
  const answers = {
    plain: await stub.read(address, [{ type: 'search', request }]),
    packed: await stub.read(address, [{ type: 'search', request, packed: true }]),
    stats: await stub.read(address, [{ type: 'stats' }]),
  };
  // A 2-vault search led by `a`: the leader's answer holds b's, cut to the merged hits.
  const fanned = await stub.read(address, [
    {
      type: 'search',
      request,
      packed: true,
      fanOut: {
        vaults: [address, led.address],
        meter: { requestId: 'bench-led', accountId: 'bench', keyId: address.keyId },
      },
    },
  ]);
  const ledAnswer = fanned.ok ? fanned.fanned?.[0]?.answer : undefined;
  const uncut = await led.stub.read(led.address, [{ type: 'search', request, packed: true }]);

  const uncutPacked = (() => {
    const result = uncut.ok ? uncut.results[0] : undefined;
    return result?.ok && result.type === 'search' ? (result.packed ?? []) : [];
  })();
  const lines = await runInDurableObject(stub, async (instance: VaultObject) => {
    const { meta, life, reads } = instance as unknown as Internals;
    const record = meta.current();
    const search = reads.run(address, [{ type: 'search', request }], 0, record).response;
    const result = search.results[0]!;
    const found = result.ok && result.type === 'search' ? result.windows : [];
    return [
      ['meta decoded (every open, before)', timedLoop(() => meta.record())],
      ['meta kept (open, now)', timedLoop(() => meta.current())],
      ['open (now)', await timedAsyncLoop(() => life.open(address))],
      ['stats of an answer', timedLoop(() => reads.stats(address, record))],
      ['pack 2 windows × 10 hits', timedLoop(() => packWindows(found))],
      ['clone search answer, plain', timedLoop(() => structuredClone(answers.plain))],
      ['clone search answer, packed', timedLoop(() => structuredClone(answers.packed))],
      [
        'vault object id from its name',
        timedLoop(() => env.VAULT.idFromName(vaultObjectName(address))),
      ],
      // What a leader does per led vault once its answer is in (vault-reads.ts `lead`).
      ['leader: unpack a led vault’s windows', timedLoop(() => unpackWindows(uncutPacked))],
      [
        'leader: merge own + 1 led vault',
        timedLoop(() => mergedHits(request.windows, [found, unpackWindows(uncutPacked)])),
      ],
      [
        'leader: cut a led vault’s packed windows',
        (() => {
          const unpacked = unpackWindows(uncutPacked);
          const { handOn } = mergedHits(request.windows, [found, unpacked]);
          return timedLoop(() =>
            cutPackedWindows(uncutPacked, (_, at, place) => at < handOn[1]![place]!),
          );
        })(),
      ],
    ] as [string, number][];
  });
  console.log(`\nvault call pieces, in the object (${ROWS} memories), p50 of ${SAMPLES} × ${LOOP}`);
  for (const [name, value] of lines) console.log(`${name.padEnd(40)} ${ms(value).padStart(10)}`);
  console.log('\nanswer sizes (JSON bytes, a stand-in for the structured clone):');
  const sized: [string, unknown][] = [
    ['read [stats]', answers.stats],
    ['read [search], 20 hits, plain', answers.plain],
    ['read [search], 20 hits, packed', answers.packed],
    ['  of which stats', answers.packed.ok ? answers.packed.stats : null],
    ['led vault, uncut (what it sends the leader)', uncut],
    ['led vault, cut (what the leader hands on)', ledAnswer],
    ['leader, its own (2-vault search)', fanned.ok ? { ...fanned, fanned: undefined } : fanned],
  ];
  for (const [name, value] of sized)
    console.log(`${name.padEnd(44)} ${String(bytes(value)).padStart(7)} B`);
});

it('vault call: the meta record kept between writes or decoded on every call', async () => {
  const { address, stub } = await loadedVault('c');
  // Before: `open` decoded the whole meta table on every call. The object's
  // `current` is wrapped in place to do so again while `decodeEveryCall` is set.
  await runInDurableObject(stub, (instance: VaultObject) => {
    const { meta } = instance as unknown as Internals;
    const kept = meta.current.bind(meta);
    const state = globalThis as { decodeEveryCall?: boolean };
    meta.current = () => (state.decodeEveryCall ? meta.record() : kept());
  });
  const setDecode = (decode: boolean) =>
    runInDurableObject(stub, () => {
      (globalThis as { decodeEveryCall?: boolean }).decodeEveryCall = decode;
    });
  const ops: [string, () => VaultReadOp[]][] = [
    ['read [stats]', () => [{ type: 'stats' }]],
    ['read [search] packed', () => [{ type: 'search', request: searchRequest(), packed: true }]],
  ];
  const call = (make: () => VaultReadOp[]) => async () => {
    const response: { ok: boolean } & Partial<VaultReadResponse> = await stub.read(address, make());
    if (!response.ok) throw new Error('read failed');
  };
  const rows: string[] = [];
  for (const [name, make] of ops) {
    // Variants in turn, each sample of BATCH calls after switching the object.
    const wall = [[] as number[], [] as number[]];
    for (let s = 0; s < SAMPLES; s++) {
      for (const [v, decode] of [true, false].entries()) {
        await setDecode(decode);
        const [samples] = await timeInTurn([call(make)], 1, BATCH);
        wall[v]!.push(samples![0]!);
      }
    }
    const ratios = wall[1]!.map((after, s) => after / wall[0]![s]!);
    rows.push(
      `${name.padEnd(24)} ${ms(percentile(wall[0]!, 50)).padStart(10)} ${ms(percentile(wall[1]!, 50)).padStart(10)}` +
        `   ${percentile(ratios, 50).toFixed(3)} (${percentile(ratios, 25).toFixed(3)}–${percentile(ratios, 75).toFixed(3)})`,
    );
  }
  await setDecode(false);
  console.log(
    `\nvault read, wall per call, p50 of ${SAMPLES} samples × ${BATCH}, variants in turn`,
  );
  console.log('call                     decoded       kept   kept ÷ decoded, same round (p25–p75)');
  for (const row of rows) console.log(row);
});
