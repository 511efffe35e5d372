/**
 * A vault's COLD snapshot at 10,000 rows and more (SNAPSHOT_ROWS, comma
 * separated; default 10000,50000), inside workerd: how long the snapshot
 * takes, its size, and how long searches wait while it runs: one of the
 * same vault and one of another vault, each sent as the snapshot starts
 * and again every 250 ms until it ends, beside the same searches idle.
 * A search that answers only once the snapshot has ended waited for all of
 * it: the "before the end" column says how many did not.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { readConfig } from '../src/core/config';
import { toBase64Url } from '../src/core/encoding';
import { Sha256Stream } from '../src/core/sha256-stream';
import type { SnapshotStore } from '../src/durable/cold-tier/snapshot-store';
import { readSnapshot } from './snapshot-reference-reader';
import type { Sql } from '../src/durable/sqlite/sql';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultMeta } from '../src/durable/warm-tier/vault-meta';
import { memoryLine, type StoredRow } from '../src/vaults/jsonl';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, loadedCorpusVault, twoWindowsOfTen } from './corpus-vault';
import { percentile } from './measure';

const DIMS = 384;
const SIZES = (inject('benchEnv').SNAPSHOT_ROWS ?? '10000,50000').split(',').map(Number);
/** Which of the two benches to run: `searches` (searches meanwhile), `cpu` (CPU per pass, restore); both by default. */
const PARTS = (inject('benchEnv').SNAPSHOT_BENCH ?? 'searches,cpu').split(',');

it.skipIf(!PARTS.includes('searches'))(
  'snapshot: its time, and searches of the vault and of another meanwhile',
  async () => {
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
      const during: { own: { took: number; at: number }[]; other: { took: number; at: number }[] } =
        {
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
  },
);

/** CPU (10 ms ticks) and memory of the workerd processes, from Node (bench/workerd-process.ts). */
async function workerdNow(resetPeak = false) {
  const binding = (env as unknown as { BENCH_PROCESS: Fetcher }).BENCH_PROCESS;
  const answer = await binding.fetch('http://process/', { method: resetPeak ? 'POST' : 'GET' });
  return (await answer.json()) as { cpuMs: number; rssMb: number; peakMb: number };
}

/** CPU spent by `work` in workerd, its wall time (ms), and its result. */
async function spent<T>(work: () => Promise<T>): Promise<{ cpu: number; wall: number; result: T }> {
  const before = await workerdNow();
  const started = performance.now();
  const result = await work();
  const wall = performance.now() - started;
  return { cpu: (await workerdNow()).cpuMs - before.cpuMs, wall, result };
}

type PageRow = StoredRow & { seq: number } & Record<string, SqlStorageValue>;

/**
 * A snapshot's CPU, per pass and per piece, at each size, and a restore of
 * it: CPU is workerd's whole process (user + system, from /proc), with
 * nothing else running in it; wall is the isolate's clock around the call.
 * The pieces run each over every row of the vault, without the hand-back
 * between pages: reading pages, then also building the lines, then also
 * encoding them to UTF-8, then also hashing them (each the one before plus
 * one step, so a step's CPU is the difference), base64 of the vectors
 * alone, and an R2 put of as many bytes.
 */
it.skipIf(!PARTS.includes('cpu'))('snapshot: CPU per pass and piece, and a restore', async () => {
  const next = seededRandom(12);
  const { sentence } = corpus(12);
  const now = Date.now();
  const lines: string[] = [
    `COLD snapshot CPU inside workerd (workerd process CPU, ${(await workerdNow()).cpuMs} ms at start)`,
  ];
  for (const rows of SIZES) {
    const vault = await loadedCorpusVault('bench-snapshot-cpu', `cpu-${rows}`, {
      rows,
      dims: DIMS,
      now,
      sentence,
      next,
    });
    // The vault's own snapshot alarm (30 s after the last write) must not run meanwhile.
    const pieces = await runInDurableObject(vault.stub, async (instance: VaultObject) => {
      const parts = instance as unknown as { sql: Sql; meta: VaultMeta };
      parts.meta.set('snapshotDueAt', null);
      const sql = parts.sql;
      const maxSeq = sql.first<{ seq: number }>('SELECT MAX(seq) AS seq FROM memories')!.seq;
      const everyPage = async (each: (page: PageRow[]) => Promise<void> | void) => {
        for (let after = 0; ;) {
          const page = sql.all<PageRow>(
            `SELECT seq, id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings,
                    valid_until, superseded_by FROM memories
             WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 256`,
            after,
            maxSeq,
          );
          if (page.length === 0) return;
          await each(page);
          after = page.at(-1)!.seq;
        }
      };
      const encoder = new TextEncoder();
      let bodyBytes = 0;
      const read = await spent(() => everyPage(() => {}));
      const build = await spent(() =>
        everyPage((page) => {
          page.map(memoryLine).join('');
        }),
      );
      const encode = await spent(() =>
        everyPage((page) => {
          bodyBytes += encoder.encode(page.map(memoryLine).join('')).byteLength;
        }),
      );
      const digest = new Sha256Stream();
      const hash = await spent(async () => {
        await everyPage((page) => digest.write(encoder.encode(page.map(memoryLine).join(''))));
        await digest.finish();
      });
      const base64 = await spent(() =>
        everyPage((page) => {
          for (const row of page) toBase64Url(new Uint8Array(row.embedding));
        }),
      );
      const chunk = new Uint8Array(512 * 1024).fill(0x61);
      const upload = await spent(async () => {
        const fixed = new FixedLengthStream(bodyBytes);
        const writing = (async () => {
          const writer = fixed.writable.getWriter();
          for (let left = bodyBytes; left > 0; left -= chunk.byteLength)
            await writer.write(left >= chunk.byteLength ? chunk : chunk.subarray(0, left));
          await writer.close();
        })();
        await Promise.all([writing, env.SNAPSHOTS.put('bench/upload-only', fixed.readable)]);
        await env.SNAPSHOTS.delete('bench/upload-only');
      });
      return { read, build, encode, hash, base64, upload, bodyBytes };
    });
    const whole = await spent(async () => await vault.stub.snapshot(vault.address));
    if (!whole.result.ok) throw new Error(whole.result.message);
    // The restore as restoreVault runs it (rpc/restore-in-steps.ts): one
    // RPC after another, each a request of its own with its own CPU limit.
    // CPU and wall per call, by the phase the call began in.
    const phaseOf = () =>
      runInDurableObject(
        vault.stub,
        (instance: VaultObject) =>
          (instance as unknown as { restorer: { job(): { phase: string } | null } }).restorer.job()
            ?.phase ?? 'BEGIN',
      );
    const restoreBefore = await workerdNow(true);
    const calls: { phase: string; cpu: number; wall: number }[] = [];
    let job: string | null = null;
    let restoredKey: string | null = null;
    do {
      const phase: string = job === null ? 'BEGIN' : await phaseOf();
      const call = await spent(
        async () => await vault.stub.restore(vault.address, restoredKey, job),
      );
      if (!call.result.ok) throw new Error(call.result.message);
      calls.push({ phase, cpu: call.cpu, wall: call.wall });
      job = call.result.job;
      restoredKey = call.result.key;
    } while (job !== null);
    const restoreAfter = await workerdNow();
    const restore = {
      cpu: calls.reduce((sum, call) => sum + call.cpu, 0),
      wall: calls.reduce((sum, call) => sum + call.wall, 0),
    };
    const byPhase = new Map<string, { n: number; cpu: number; max: number }>();
    for (const call of calls) {
      const seen = byPhase.get(call.phase) ?? { n: 0, cpu: 0, max: 0 };
      byPhase.set(call.phase, {
        n: seen.n + 1,
        cpu: seen.cpu + call.cpu,
        max: Math.max(seen.max, call.cpu),
      });
    }
    // Reading and checking the whole file at once, as the restore did before steps.
    const parse = await runInDurableObject(vault.stub, async (instance: VaultObject) => {
      const parts = instance as unknown as { cold: SnapshotStore };
      const key = (await parts.cold.list()).at(-1)!.key;
      return spent(async () => {
        const object = await env.SNAPSHOTS.get(key);
        for await (const item of readSnapshot(object!.body)) void item;
      });
    });
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const { read, build, encode, hash, base64, upload } = pieces;
    lines.push(
      `${rows} memories, ${(whole.result.snapshot.bytes / 1e6).toFixed(1)} MB written (${(pieces.bodyBytes / 1e6).toFixed(1)} MB of memory lines):`,
      `  snapshot (one pass: read, build, hash, multipart upload): CPU ${s(whole.cpu)}, wall ${s(whole.wall)}`,
      `  pieces over every row: read pages ${s(read.cpu)}; build lines ${s(build.cpu - read.cpu)} (base64 of vectors alone ${s(base64.cpu - read.cpu)}); UTF-8 encode ${s(encode.cpu - build.cpu)}; SHA-256 ${s(hash.cpu - encode.cpu)}; R2 put of as many bytes ${s(upload.cpu)}`,
      `  restore of that snapshot in ${calls.length} calls: CPU ${s(restore.cpu)}, wall ${s(restore.wall)}; the most CPU one call took ${s(Math.max(...calls.map((call) => call.cpu)))}; workerd resident ${restoreBefore.rssMb.toFixed(0)} MB before, peak ${restoreAfter.peakMb.toFixed(0)} MB during (+${(restoreAfter.peakMb - restoreBefore.rssMb).toFixed(0)} MB)`,
      `  calls by the phase they began in: ${[...byPhase].map(([phase, { n, cpu, max }]) => `${phase} ${n} (CPU ${s(cpu)}, max ${s(max)})`).join('; ')}; read + check the whole file alone CPU ${s(parse.cpu)}`,
    );
    console.log(lines.slice(-5).join('\n'));
  }
  console.log(lines.join('\n'));
});
