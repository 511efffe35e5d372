/**
 * A 10,000-memory export through the Worker's REST route, inside workerd:
 * time to its first bytes and to its end, and a TEXT search sent to the same
 * vault 300 ms after the export was asked for, beside that search alone.
 * Each round takes a fresh export; the search's time is its own round trip.
 */
import { it } from 'vitest';
import { SearchDocument } from '../test/generated/graphql';
import { BASE_URL, newKey, workerFetch } from '../test/helpers/graphql';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { loadedCorpusVault } from './corpus-vault';
import { percentile } from './measure';

const ROWS = 10_000;
const DIMS = 384;
const ROUNDS = 5;

it('export: first bytes, whole file, and a search meanwhile', async () => {
  const { api, keyId, secret } = await newKey('bench export');
  const next = seededRandom(7);
  const { sentence } = corpus(7);
  await loadedCorpusVault(keyId, 'big', {
    rows: ROWS,
    dims: DIMS,
    now: Date.now(),
    sentence,
    next,
  });
  const search = async () => {
    const started = performance.now();
    await api.request(SearchDocument, {
      input: { query: 'piano', vaults: [{ kind: 'SESSION', id: 'big' }], mode: 'TEXT' },
    });
    return performance.now() - started;
  };
  const firstBytes: number[] = [];
  const whole: number[] = [];
  const during: number[] = [];
  const idle: number[] = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    idle.push(await search());
    const started = performance.now();
    const exported = (async () => {
      const response = await workerFetch(`${BASE_URL}/v1/vaults/session/big/export`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      const reader = response.body!.getReader();
      let read = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (read === 0) firstBytes.push(performance.now() - started);
        read += value.byteLength;
      }
      whole.push(performance.now() - started);
      return read;
    })();
    // As a reviewer would: the search goes out once the export is under way.
    await new Promise((resolve) => setTimeout(resolve, 300));
    during.push(await search());
    bytes = await exported;
  }
  const row = (name: string, samples: number[]) =>
    `${name.padEnd(34)} p50 ${percentile(samples, 50).toFixed(0).padStart(6)} ms   max ${Math.max(
      ...samples,
    )
      .toFixed(0)
      .padStart(6)} ms`;
  console.log(
    [
      `export of ${ROWS} memories (${(bytes / 1e6).toFixed(1)} MB), ${ROUNDS} rounds`,
      row('first bytes', firstBytes),
      row('whole file', whole),
      row('TEXT search during the export', during),
      row('TEXT search, vault idle', idle),
    ].join('\n'),
  );
});
