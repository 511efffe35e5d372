/**
 * What a chat's memory read costs beside the ranking, inside workerd: the
 * two `read` calls a drop-in chat with a session makes (its key's CORE vault,
 * here never written, and the SESSION vault of 10k memories), with the
 * search op the route sends (the deployment's default windows, HOT:4,
 * WORKING:4, LONG_TERM:4, HYBRID, windows packed into columns), each alone
 * and both at once as the loader sends them. For each: the wall time of the
 * call(s), the objects' own time (`elapsedMs`) and the ranking's
 * (`searchMs + hydrateMs`). Memories are sentences over bench:api's
 * vocabulary with random vectors, as in the vault-read-rpc bench.
 *
 * Samples are means of BATCH consecutive reads (workerd's clock moves on
 * I/O), the variants taken in turn so that they meet the same load.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { unpackWindows } from '../src/durable/rpc/packed-windows';
import type { SearchRequest, VaultReadResponse } from '../src/durable/rpc/vault-types';
import { planWindows } from '../src/kronos/plan';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { vaultStub } from '../src/durable/rpc/stubs';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, fillCorpusVault } from './corpus-vault';
import { BATCH, printCallPhases } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 40;
const next = seededRandom(13);
const { sentence } = corpus(13);
const now = Date.now();
const config = readConfig(env);
// The chat route's windows: the deployment's defaults (a chat names none).
const windows = planWindows(config.defaultWindows, now, config.bands);

const stubOf = (address: VaultAddress) => vaultStub(env, address);

async function loadedSession(): Promise<VaultAddress> {
  const address: VaultAddress = { kind: 'SESSION', keyId: 'bench-chat', externalId: 's' };
  const stub = stubOf(address);
  await fillCorpusVault(stub, address, { rows: ROWS, dims: DIMS, now, sentence, next });
  return address;
}

it("chat memory read: the CORE and session vaults' calls beside their ranking", async () => {
  const session = await loadedSession();
  const core: VaultAddress = { kind: 'CORE', keyId: 'bench-chat', externalId: null };
  const request = (): SearchRequest =>
    corpusSearchRequest(windows, config.hybridVectorWeight, { dims: DIMS, sentence, next });
  const kept = new Map<string, ReturnType<typeof stubOf>>();
  const keptStub = (address: VaultAddress) => {
    const name = vaultObjectName(address);
    let stub = kept.get(name);
    if (stub === undefined) kept.set(name, (stub = stubOf(address)));
    return stub;
  };
  const read = async (address: VaultAddress, made: SearchRequest, keep = false) => {
    const response = await (keep ? keptStub(address) : stubOf(address)).read(address, [
      { type: 'search', request: made, packed: true },
    ]);
    if (!response.ok) throw new Error(response.message);
    for (const result of response.results)
      if (result.ok && result.type === 'search' && result.packed) unpackWindows(result.packed);
    return response;
  };
  const variants: [string, () => Promise<VaultReadResponse[]>][] = [
    ['CORE (never written) alone', async () => [await read(core, request())]],
    ['SESSION (10k) alone', async () => [await read(session, request())]],
    ['CORE alone, stub kept', async () => [await read(core, request(), true)]],
    ['SESSION alone, stub kept', async () => [await read(session, request(), true)]],
    [
      'both at once, stubs kept',
      async () => {
        const made = request();
        return Promise.all([read(core, made, true), read(session, made, true)]);
      },
    ],
    [
      'both at once (the chat)',
      async () => {
        const made = request();
        return Promise.all([read(core, made), read(session, made)]);
      },
    ],
  ];
  for (const [, run] of variants) for (let i = 0; i < 5; i++) await run(); // warm up
  const wall = variants.map(() => [] as number[]);
  const inside = variants.map(() => [] as number[]);
  const ranked = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, run]] of variants.entries()) {
      let elapsed = 0;
      let searched = 0;
      const started = performance.now();
      for (let b = 0; b < BATCH; b++) {
        for (const response of await run()) {
          elapsed += response.elapsedMs;
          searched += response.searchMs + response.hydrateMs;
        }
      }
      wall[v]!.push((performance.now() - started) / BATCH);
      inside[v]!.push(elapsed / BATCH);
      ranked[v]!.push(searched / BATCH);
    }
  }
  console.log(
    `\nchat memory read (HOT:4, WORKING:4, LONG_TERM:4, HYBRID), p50 of ${SAMPLES} samples × ${BATCH}`,
  );
  printCallPhases(
    variants.map(([name]) => name),
    wall,
    inside,
    ranked,
  );
});
