/**
 * `npm run bench:api:floor`: the platform's floor under bench:api's rows. A
 * skeleton Worker (bench/api/floor/worker.ts, its own wrangler.toml: the
 * project's compatibility date and flags, one SQLite-backed Durable Object
 * class, none of the project's code) started through dev-server.mjs exactly
 * as bench:api starts the real one, with bench:api's provider fake. Each row
 * does the least the platform needs for one of bench:api's rows (worker.ts
 * says what), measured as bench:api measures: interleaved rounds, shuffled
 * per round (rounds.ts), p50 ÷ the skeleton's `me` and ÷ its `/health` in
 * the same run. Bulk: 10,000 rows in calls of 100, 4 in flight, as bench:api
 * loads a vault. Then, per row, a burst of sequential requests (bulk: calls
 * of 100, 4 in flight) with the CPU spent on it (Linux, /proc;
 * process-cpu.ts) by the workerd that runs the Worker and its objects, and
 * by wrangler's proxy (its own workerd, the one listening on the port, and
 * its node process): less at the mercy of the machine's load than the wall
 * times, and the Worker's workerd is what bounds a rate on its one thread.
 *
 *   npm run bench:api:floor
 *   BENCH_API_PORT=8981 BENCH_API_INSPECTOR_PORT=9381 npm run bench:api:floor
 *   TMPDIR=/dev/shm npm run bench:api:floor     # state on tmpfs: a diagnostic
 *
 * With TMPDIR on tmpfs the objects' SQLite commits skip the disk's fsync;
 * bench:api never measures so. Not part of `npm test`; it prints its table
 * and writes nothing.
 */
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { devServer } from '../../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../../test/live/setup/provider-fake';
import { corpus, loadCorpus } from '../corpus';
import { serverProcesses, threadCpuMs } from '../process-cpu';
import { firstBytes, latencies } from '../rounds';
import { answerBytes, packedAnswer } from './answer';
import { numberOption } from '../options';
import { sendChatToFake } from '../chat-request';

const SAMPLES = numberOption('samples', 200);
const BULK = numberOption('memories', 10_000);
/** Requests per row in the CPU bursts after the rounds (bulk: a fifth of it, calls of 100). */
const BURST = numberOption('burst', 100);
/** The key the skeleton recognises (worker.ts `knownKeys`). */
const KEY = 'mk_floor.bench';

async function main() {
  const started = new Date();
  const loadBefore = loadavg();
  const fake = await startProviderFake();
  const server = await devServer({
    port: Number(process.env.BENCH_API_PORT) || undefined,
    inspectorPort: Number(process.env.BENCH_API_INSPECTOR_PORT) || undefined,
    args: ['-c', 'bench/api/floor/wrangler.toml'],
    vars: { PROVIDER_URL: fake.url },
  });
  const { url } = server;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const json = async (path: string, body: unknown) => void (await (await post(path, body)).json());
  const words = corpus();
  try {
    // Bulk first, as bench:api loads its vault before it measures anything.
    console.log(`loading ${BULK} rows in calls of 100, 4 in flight…`);
    const loadStarted = performance.now();
    const vault = { kind: 'SESSION', id: 'floor-bulk' };
    await loadCorpus(words, vault, { count: BULK, now: Date.now(), inFlight: 4 }, (inputs) =>
      json('/bulk', { inputs }),
    );
    const bulkRate = BULK / ((performance.now() - loadStarted) / 1000);

    const searchBytes = (await (await post('/search', {})).text()).length;
    const chat = (objects: number) => async () => {
      const started = performance.now();
      const response = await post(`/chat?objects=${objects}`, { q: words.longQuery() });
      return firstBytes(response, started);
    };
    const direct = async () => {
      const started = performance.now();
      const response = await sendChatToFake(fake.url);
      return firstBytes(response, started);
    };
    const query = { query: '{ me { id } }', variables: {} };
    const rows = [
      {
        name: 'GET /health (constant JSON)',
        call: async () => void (await (await fetch(`${url}/health`)).arrayBuffer()),
      },
      { name: 'me: key from a Map, JSON body parsed, small JSON', call: () => json('/me', query) },
      { name: 'search-floor, 1 object, unmetered', call: () => json('/search', query) },
      { name: 'search-floor, 1 object, metered', call: () => json('/search?metered=1', query) },
      { name: 'search-floor × 3, unmetered', call: () => json('/search?objects=3', query) },
      {
        name: 'search-floor × 3, metered (leader)',
        call: () => json('/search?objects=3&metered=1', query),
      },
      {
        name: 'store-floor, 1 row of 1 KB',
        call: () => json('/store', { content: words.sentence(12) }),
      },
      { name: 'chat-floor TTFT, 1 object read', call: chat(1) },
      { name: 'chat-floor TTFT, 2 object reads in parallel', call: chat(2) },
      { name: 'fake provider called directly (TTFT)', call: direct },
    ];
    const timed = await latencies(rows, SAMPLES);
    // CPU per request, row by row (after the rounds, so it costs them nothing).
    // wrangler dev runs two workerd: its proxy's, listening on the port
    // (`entry=localhost:<port>`), and the Worker's, on a port of its own.
    const port = new URL(url).port;
    const processes = await serverProcesses(Number(port));
    const groups = { worker: [] as number[], proxyWorkerd: [] as number[], node: processes.proxy };
    for (const pid of processes.workerd) {
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      (command.includes(`entry=localhost:${port}`) ? groups.proxyWorkerd : groups.worker).push(pid);
    }
    type Spent = Record<keyof typeof groups, number>;
    const spentNow = async (): Promise<Spent> => ({
      worker: await threadCpuMs(groups.worker),
      proxyWorkerd: await threadCpuMs(groups.proxyWorkerd),
      node: await threadCpuMs(groups.node),
    });
    const burst = async (call: () => Promise<unknown>, calls: number, inFlight = 1) => {
      const before = await spentNow();
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next++ < calls) await call();
        }),
      );
      const after = await spentNow();
      return {
        worker: (after.worker - before.worker) / calls,
        proxyWorkerd: (after.proxyWorkerd - before.proxyWorkerd) / calls,
        node: (after.node - before.node) / calls,
      };
    };
    const cells = (spent: Spent | undefined) =>
      spent === undefined
        ? ' | | '
        : `${spent.worker.toFixed(2)} | ${spent.proxyWorkerd.toFixed(2)} | ${spent.node.toFixed(2)}`;
    const cpu = new Map<string, Spent>();
    for (const row of rows.slice(0, -1)) cpu.set(row.name, await burst(row.call, BURST));
    const bulkCalls = Math.max(4, Math.round(BURST / 5));
    const bulkBurst = (path: string) =>
      burst(
        () =>
          loadCorpus(words, vault, { count: 100, now: Date.now(), inFlight: 1 }, (inputs) =>
            json(path, { inputs }),
          ),
        bulkCalls,
        4,
      );
    const bulkCpu = await bulkBurst('/bulk');
    const bulkCallCpu = await bulkBurst('/bulk?write=0');
    const loadAfter = loadavg();
    const health = timed.get(rows[0]!.name)!.p50;
    const me = timed.get(rows[1]!.name)!.p50;
    const lines = [
      `Floor run ${started.toISOString().slice(0, 16)}Z–${new Date().toISOString().slice(11, 16)}Z, skeleton Worker (bench/api/floor), \`wrangler dev --local\`, state under ${tmpdir()}; p50 over ${SAMPLES} rounds of one sequential request per row (rows interleaved, shuffled per round), CPU per request from a burst of ${BURST} sequential requests per row after them (bulk: ${Math.max(4, Math.round(BURST / 5))} calls, 4 in flight); load average ${loadBefore.map((n) => n.toFixed(2)).join(' ')} before, ${loadAfter.map((n) => n.toFixed(2)).join(' ')} after. Object answer ${answerBytes(packedAnswer())} B (JSON), Worker search answer ${searchBytes} B (real ones: about 4,900 and 4,300 B).`,
      '',
      "| floor row | p50 ms | p99 ms | p50 ÷ /health | p50 ÷ me | rate | CPU ms a request (bulk: a call): Worker's workerd | proxy's workerd | wrangler's node |",
      '|---|---|---|---|---|---|---|---|---|',
      `| bulk-floor: ${BULK} rows, calls of 100, 4 in flight | | | | | ${bulkRate.toFixed(0)} rows/s (the Worker's workerd CPU alone allows ${((100 * 1000) / bulkCpu.worker).toFixed(0)}) | ${cells(bulkCpu)} |`,
      `| bulk-floor's call without its INSERTs (transport only) | | | | | | ${cells(bulkCallCpu)} |`,
      ...rows.map(({ name }) => {
        const { p50, p99 } = timed.get(name)!;
        return `| ${name} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${(p50 / health).toFixed(2)}× | ${(p50 / me).toFixed(2)}× | | ${cells(cpu.get(name))} |`;
      }),
    ];
    console.log(lines.join('\n'));
  } finally {
    await server.stop();
    fake.server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
