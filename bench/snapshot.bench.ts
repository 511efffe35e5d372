/**
 * A vault's COLD snapshot at 10,000 rows and more (SNAPSHOT_ROWS, comma
 * separated; default 10000,50000), inside workerd: how long the snapshot
 * takes, its size, and how long searches wait while it runs: one of the
 * same vault and one of another vault, each sent as the snapshot starts
 * and again every 250 ms until it ends, beside the same searches idle.
 * A search that answers only once the snapshot has ended waited for all of
 * it: the "before the end" column says how many did not.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, loadedCorpusVault, twoWindowsOfTen } from './corpus-vault';
import { percentile } from './measure';

const DIMS = 384;
const SIZES = (process.env.SNAPSHOT_ROWS ?? '10000,50000').split(',').map(Number);

it('snapshot: its time, and searches of the vault and of another meanwhile', async () => {
  const next = seededRandom(11);
  const { sentence } = corpus(11);
  const now = Date.now();
  const bands = readConfig(env).bands;
  const other = await loadedCorpusVault('bench-snapshot', 'small', {
    rows: 1_000,
    dims: DIMS,
    now,
    sentence,
    next,
  });
  const lines: string[] = [];
  for (const rows of SIZES) {
    const big = await loadedCorpusVault('bench-snapshot', `big-${rows}`, {
      rows,
      dims: DIMS,
      now,
      sentence,
      next,
    });
    const searchOf = (vault: typeof big) => async () => {
      const started = performance.now();
      const answer = await vault.stub.search(vault.address, [
        corpusSearchRequest(twoWindowsOfTen(now, bands), 0.3, { dims: DIMS, sentence, next }),
      ]);
      if (!answer.ok) throw new Error(answer.message);
      return { took: performance.now() - started, at: performance.now() };
    };
    const own = searchOf(big);
    const another = searchOf(other);
    const idleOwn: number[] = [];
    const idleOther: number[] = [];
    for (let i = 0; i < 5; i++) {
      idleOwn.push((await own()).took);
      idleOther.push((await another()).took);
    }
    const started = performance.now();
    let ended = Infinity;
    const written = big.stub.snapshot(big.address).then((result) => {
      ended = performance.now();
      return result;
    });
    const during: { own: { took: number; at: number }[]; other: { took: number; at: number }[] } = {
      own: [],
      other: [],
    };
    // A 20 ms timer set as the snapshot starts: how late it fires says how
    // long the isolate's event loop was held.
    const timerSet = performance.now();
    const timerLate = new Promise<number>((resolve) =>
      setTimeout(() => resolve(performance.now() - timerSet - 20), 20),
    );
    do {
      const [a, b] = await Promise.all([own(), another()]);
      during.own.push(a);
      during.other.push(b);
      await new Promise((resolve) => setTimeout(resolve, 250));
    } while (ended === Infinity);
    const result = await written;
    const late = await timerLate;
    if (!result.ok) throw new Error(result.message);
    const took = ended - started;
    const summary = (name: string, samples: { took: number; at: number }[], idle: number[]) => {
      const waits = samples.map((sample) => sample.took);
      const before = samples.filter((sample) => sample.at < ended).length;
      return `  ${name.padEnd(30)} p50 ${percentile(waits, 50).toFixed(1).padStart(8)} ms  max ${Math.max(
        ...waits,
      )
        .toFixed(1)
        .padStart(
          8,
        )} ms  answered before the end ${before}/${samples.length}  (idle p50 ${percentile(
        idle,
        50,
      ).toFixed(1)} ms)`;
    };
    lines.push(
      `${rows} memories: snapshot ${took.toFixed(0)} ms, ${(result.snapshot.bytes / 1e6).toFixed(1)} MB; a 20 ms timer fired ${late.toFixed(0)} ms late`,
      summary('search of the same vault', during.own, idleOwn),
      summary('search of another vault', during.other, idleOther),
    );
  }
  console.log(['COLD snapshot, inside workerd', ...lines].join('\n'));
});
