/**
 * What runs on workerd's one thread AFTER a vault read has answered (issue
 * 13, branch i13-after): a chat's provider fetch starts right after its
 * memory read, and on bench:api it is slower with memory on. This bench
 * times, inside workerd, the next step a request takes once a read's answer
 * is in: a `setTimeout(0)` (the thread's next free turn) and an outbound
 * fetch to the fakes (the provider call's shape), each after no read, after
 * the CORE read (never written) and after the 10k SESSION read, the variants
 * in turn so that they meet the same load. The gap is measured from the
 * moment the read's answer arrived (the clock moves on I/O) to the timer's
 * callback or the fetch's response.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { unpackWindows } from '../src/durable/rpc/packed-windows';
import type { SearchRequest } from '../src/durable/rpc/vault-types';
import { planWindows } from '../src/kronos/plan';
import type { VaultAddress } from '../src/vaults/address';
import { vaultStub } from '../src/durable/rpc/stubs';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, fillCorpusVault } from './corpus-vault';
import { percentile } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 300;
const next = seededRandom(13);
const { sentence } = corpus(13);
const now = Date.now();
const config = readConfig(env);
const windows = planWindows(config.defaultWindows, now, config.bands);

const stubOf = (address: VaultAddress) => vaultStub(env, address);

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const outbound = async () => {
  const response = await fetch('https://nofake.test/');
  await response.arrayBuffer();
};

it('after a vault read: the next turn and an outbound fetch', async () => {
  const session: VaultAddress = { kind: 'SESSION', keyId: 'bench-after', externalId: 's' };
  await fillCorpusVault(stubOf(session), session, { rows: ROWS, dims: DIMS, now, sentence, next });
  const core: VaultAddress = { kind: 'CORE', keyId: 'bench-after', externalId: null };
  const request = (): SearchRequest =>
    corpusSearchRequest(windows, config.hybridVectorWeight, { dims: DIMS, sentence, next });
  const read = async (address: VaultAddress, made: SearchRequest) => {
    const response = await stubOf(address).read(address, [
      { type: 'search', request: made, packed: true },
    ]);
    if (!response.ok) throw new Error(response.message);
    for (const result of response.results)
      if (result.ok && result.type === 'search' && result.packed) unpackWindows(result.packed);
  };
  const reads: [string, () => Promise<unknown>][] = [
    ['no read', async () => {}],
    ['CORE read', () => read(core, request())],
    ['SESSION read', () => read(session, request())],
    [
      'CORE + SESSION (the chat)',
      async () => {
        const made = request();
        return Promise.all([read(core, made), read(session, made)]);
      },
    ],
  ];
  // A step answers the wait it measured, from `answered` (the read's answer)
  // or, for the second of two timers, from the first timer's firing: work
  // left queued behind the answer delays the first timer only.
  const nextSteps: [string, (answered: number) => Promise<number>][] = [
    [
      'setTimeout(0)',
      async (answered) => {
        await nextTurn();
        return performance.now() - answered;
      },
    ],
    [
      'a second setTimeout(0)',
      async () => {
        await nextTurn();
        const first = performance.now();
        await nextTurn();
        return performance.now() - first;
      },
    ],
    [
      'fetch',
      async (answered) => {
        await outbound();
        return performance.now() - answered;
      },
    ],
  ];
  const variants = reads.flatMap(([readName, run]) =>
    nextSteps.map(([stepName, step]) => ({ name: `${readName}, then ${stepName}`, run, step })),
  );
  for (const { run, step } of variants)
    for (let i = 0; i < 10; i++) {
      await run();
      await step(performance.now());
    }
  const gaps = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, { run, step }] of variants.entries()) {
      await nextTurn(); // start each sample from a fresh turn
      await run();
      gaps[v]!.push(await step(performance.now()));
    }
  }
  console.log(`\nafter a vault read: the next step's wait (ms), ${SAMPLES} samples`);
  console.log('variant'.padEnd(44), 'p50'.padStart(7), 'p90'.padStart(7), 'mean'.padStart(7));
  for (const [v, { name }] of variants.entries()) {
    const got = gaps[v]!;
    const mean = got.reduce((a, b) => a + b, 0) / got.length;
    console.log(
      name.padEnd(44),
      percentile(got, 50).toFixed(3).padStart(7),
      percentile(got, 90).toFixed(3).padStart(7),
      mean.toFixed(3).padStart(7),
    );
  }
});
