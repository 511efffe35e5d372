/**
 * `npm run bench:api`: the whole request path, measured through the public
 * API of a local `wrangler dev` (the README's way of running the Worker),
 * with the floor (`GET /health`) and an authenticated empty request
 * (`{ me { id } }`) measured in the same run, so every row reads as a ratio
 * of them. Loads 10k memories into one vault (and two more for the 3-vault
 * search), optionally 100k, and writes the table into BENCHMARKS.md between
 * the `bench:api` markers.
 *
 *   npm run bench:api                      # 10k
 *   npm run bench:api -- --large 100000    # also a 100k vault
 *   BENCH_API_PORT=8831 BENCH_API_INSPECTOR_PORT=9331 npm run bench:api
 *
 * Chat TTFT is the time to the streamed answer's first bytes; the client
 * then reads the stream to its end, as a real client does (the time of the
 * rest is not counted).
 *
 * Not part of `npm test`: figures depend on the machine; only ratios in one
 * run mean anything.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../test/live/setup/provider-fake';
import { corpus, loadCorpus } from './corpus';
import { adminToken } from './admin-token';
import { sendChat, sendChatToFake } from './chat-request';
import { firstBytes, latencies, type Row } from './rounds';
import { numberOption } from './options';

const MEMORIES = numberOption('memories', 10_000);
const LARGE = numberOption('large', 0);
const SAMPLES = numberOption('samples', 200);
const SECONDS = numberOption('seconds', 4);
const IN_FLIGHT = 16;
/** The server's snapshot delay, set explicitly so the run knows when the load's snapshots are done. */
const SNAPSHOT_DELAY_SECONDS = 30;

// ── synthetic memories: sentences over a fixed vocabulary, deterministic ──────
// (bench/api/corpus.ts; the in-object bench, bench/hybrid-search.bench.ts, builds the same vault)
const words = corpus();
const { sentence } = words;

// ── measuring ─────────────────────────────────────────────────────────────────
// Latencies: interleaved, shuffled rounds (`latencies`, rounds.ts), so every
// row sees the same machine; the Server-Timing phases of each request are
// summed under the row being timed.

/**
 * Requests per second of every row with IN_FLIGHT in flight, one row after
 * another for SECONDS each. Not sliced and interleaved like the latencies: a
 * row's background work (checkpoint alarms, metering in waitUntil) would
 * then land in whichever row's slice came next (tried 2026-11-26: `me`'s rate
 * swung from 402 to 189 req/s between runs while `/health` held 368–441).
 */
async function throughputs(rows: readonly Row[], seconds = SECONDS, inFlight = IN_FLIGHT) {
  const rates = new Map<string, number>();
  for (const row of rows) {
    const started = performance.now();
    const until = started + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          await row.call();
          done++;
        }
      }),
    );
    rates.set(row.name, done / ((performance.now() - started) / 1000));
  }
  return rates;
}

// ── the API ───────────────────────────────────────────────────────────────────
/** Server-Timing phases summed per row while `phasesOf` names one, to show where time goes. */
const phaseSums = new Map<string, Map<string, { total: number; count: number }>>();
let phasesOf: string | null = null;

function notePhases(header: string | null) {
  if (phasesOf === null || header === null) return;
  const sums = phaseSums.get(phasesOf) ?? new Map<string, { total: number; count: number }>();
  for (const entry of header.split(',')) {
    const [name, duration] = entry.trim().split(';dur=');
    if (name === undefined || duration === undefined) continue;
    const sum = sums.get(name) ?? { total: 0, count: 0 };
    sum.total += Number(duration);
    sum.count += 1;
    sums.set(name, sum);
  }
  phaseSums.set(phasesOf, sums);
}

function client(url: string, token: string) {
  return async function graphql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    notePhases(response.headers.get('server-timing'));
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
    return body.data!;
  };
}

const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;

async function load(
  graphql: ReturnType<typeof client>,
  vault: { kind: string; id: string },
  count: number,
): Promise<number> {
  const started = performance.now();
  // Four batches in flight: a client streaming an import, not one waiting on each call.
  await loadCorpus(words, vault, { count, now: Date.now(), inFlight: 4 }, (inputs) =>
    graphql(STORE, { inputs }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function main() {
  if (process.env.BENCH_API_PORT) process.env.MEMORYROUTER_TEST_PORT = process.env.BENCH_API_PORT;
  if (process.env.BENCH_API_INSPECTOR_PORT)
    process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = process.env.BENCH_API_INSPECTOR_PORT;
  const fake = await startProviderFake();
  const server = await devServer({
    vars: {
      COMPATIBLE_BASE_URL: `${fake.url}/v1`,
      VAULT_MAX_MEMORIES: String(Math.max(LARGE, 40_000)),
      SNAPSHOT_DELAY_SECONDS: String(SNAPSHOT_DELAY_SECONDS),
    },
  });
  const rows: { name: string; p50?: number; p99?: number; rate?: number; unit?: string }[] = [];
  try {
    const { url } = server;
    const admin = await adminToken('bench');
    const created = await client(
      url,
      admin,
    )<{ createMemoryKey: { secret: string } }>(
      `mutation { createMemoryKey(name: "bench") { secret } }`,
    );
    const secret = created.createMemoryKey.secret;
    const graphql = client(url, secret);

    console.log(`loading ${MEMORIES} memories into each of 3 vaults…`);
    const vaults = ['bench-a', 'bench-b', 'bench-c'].map((id) => ({ kind: 'SESSION', id }));
    // Where a batch of 100 spends its time (4 in flight, so the phases overlap).
    phasesOf = 'storeMemories, batches of 100';
    const bulk = await load(graphql, vaults[0]!, MEMORIES);
    phasesOf = null;
    for (const vault of vaults.slice(1)) await load(graphql, vault, MEMORIES);
    // Each loaded vault writes its cold snapshot SNAPSHOT_DELAY_SECONDS after
    // its last write: the load's own work, which would otherwise land in
    // whichever row is being measured then (it took `me`'s throughput from
    // ~400 to 67 req/s in one run of 2026-11-26).
    console.log(`waiting ${SNAPSHOT_DELAY_SECONDS + 10} s for the loaded vaults' snapshots…`);
    await new Promise((resolve) => setTimeout(resolve, (SNAPSHOT_DELAY_SECONDS + 10) * 1000));
    rows.push({
      name: `storeMemories, batches of 100 (4 in flight)`,
      rate: bulk,
      unit: 'memories/s',
    });

    const health = async () => void (await (await fetch(`${url}/health`)).arrayBuffer());
    const me = async () =>
      void (await graphql(`
        {
          me {
            id
          }
        }
      `));
    const windows = [
      { window: 'WORKING', limit: 10 },
      { window: 'LONG_TERM', limit: 10 },
    ];
    const searchOne =
      (query: string, mode: string, over = vaults.slice(0, 1)) =>
      async () =>
        void (await graphql(SEARCH, { input: { query, mode, vaults: over, windows } }));
    const { longQuery } = words;
    const oneWord = searchOne('garden', 'HYBRID');
    const hybrid = async () => searchOne(longQuery(), 'HYBRID')();
    const threeVaults = async () => searchOne(longQuery(), 'HYBRID', vaults)();
    const storeOne = async () =>
      void (await graphql(STORE, {
        inputs: [{ vault: { kind: 'SESSION', id: 'bench-writes' }, content: sentence(12) }],
      }));
    // Time to first token is taken at the first bytes; the stream is then
    // read to its end, as a real client (the OpenAI SDK, curl) reads it.
    // Cancelling instead, as this row did until 2026-11-26, made workerd drop
    // its connection to the provider (it reuses one only when the body was
    // read to the end) and left the chat's metering to run in waitUntil,
    // inside the next request (BENCHMARKS.md, branch i13-chat3).
    const ttft = async () => {
      const started = performance.now();
      const response = await sendChat({
        url,
        secret,
        mode: 'read',
        session: 'bench-a', // reads the 10k vault (and the key's CORE)
        query: longQuery(),
      });
      notePhases(response.headers.get('server-timing'));
      return firstBytes(response, started);
    };
    const direct = async () => {
      const started = performance.now();
      const response = await sendChatToFake(fake.url);
      return firstBytes(response, started);
    };

    const measured: [string, () => Promise<void | number>, boolean][] = [
      ['GET /health (floor)', health, true],
      ['{ me { id } }', me, true],
      [`search, 1 vault of ${MEMORIES}, one word`, oneWord, false],
      [`search, 1 vault of ${MEMORIES}, 8–19 words, HYBRID, 2 windows × 10`, hybrid, true],
      [`search, 3 vaults of ${MEMORIES}, 8–19 words, HYBRID`, threeVaults, true],
      ['storeMemories, 1 memory', storeOne, true],
      ['chat TTFT, /v1/chat/completions stream, memory READ', ttft, false],
      ['fake provider called directly (TTFT)', direct, false],
    ];
    // The phase table lists rows in this order, whatever order the rounds ran them in.
    for (const [name] of measured) phaseSums.set(name, new Map());
    const timed = await latencies(
      measured.map(([name, call]) => ({ name, call })),
      SAMPLES,
      (name) => (phasesOf = name),
    );
    const rates = await throughputs(
      measured.filter(([, , rate]) => rate).map(([name, call]) => ({ name, call })),
    );
    for (const [name] of measured) {
      const { p50, p99 } = timed.get(name)!;
      const rate = rates.get(name);
      rows.push(rate === undefined ? { name, p50, p99 } : { name, p50, p99, rate });
      console.log(name, p50.toFixed(2), 'ms', rate ? `${rate.toFixed(0)}/s` : '');
    }
    if (LARGE > 0) {
      const large = { kind: 'SESSION', id: 'bench-large' };
      console.log(`loading ${LARGE} memories into one vault…`);
      try {
        const rate = await load(graphql, large, LARGE);
        rows.push({ name: `storeMemories into a ${LARGE} vault`, rate, unit: 'memories/s' });
        const name = `search, 1 vault of ${LARGE}, HYBRID`;
        const call = async () => searchOne(longQuery(), 'HYBRID', [large])();
        const { p50, p99 } = (await latencies([{ name, call }], 50, (row) => (phasesOf = row))).get(
          name,
        )!;
        rows.push({ name, p50, p99 });
      } catch (error) {
        rows.push({ name: `${LARGE} in one vault: ${(error as Error).message}` });
      }
    }
  } finally {
    await server.stop();
    fake.server.close();
  }
  await record(rows);
}

async function record(
  rows: { name: string; p50?: number; p99?: number; rate?: number; unit?: string }[],
) {
  const floor = rows.find((row) => row.name.startsWith('GET /health'))!;
  const me = rows.find((row) => row.name === '{ me { id } }')!;
  const ratio = (value: number | undefined, base: number | undefined) =>
    value === undefined || base === undefined ? '' : `${(value / base).toFixed(2)}×`;
  const lines = [
    `Run ${new Date().toISOString().slice(0, 16)}Z, ${MEMORIES} memories per vault, local embedder, \`wrangler dev --local\`; p50 over ${SAMPLES} rounds of one sequential request per row (rows interleaved, shuffled per round), throughput with ${IN_FLIGHT} in flight for ${SECONDS} s per row, one row after another.`,
    '',
    '| request | p50 ms | p99 ms | p50 ÷ /health | p50 ÷ me | throughput | ÷ me throughput |',
    '|---|---|---|---|---|---|---|',
    ...rows
      .map((row) =>
        [
          row.name,
          row.p50?.toFixed(2) ?? '',
          row.p99?.toFixed(2) ?? '',
          ratio(row.p50, floor.p50),
          ratio(row.p50, me.p50),
          row.rate === undefined ? '' : `${row.rate.toFixed(0)} ${row.unit ?? 'req/s'}`,
          row.unit === undefined ? ratio(row.rate, me.rate) : '',
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
  lines.push(
    '',
    'Mean Server-Timing phases (ms) of the requests of each GraphQL and chat row (sequential, but the bulk batches):',
    '',
    '| request | phases |',
    '|---|---|',
    ...[...phaseSums]
      .filter(([, sums]) => sums.size > 0)
      .map(
        ([name, sums]) =>
          `| ${name} | ${[...sums]
            .map(([phase, { total, count }]) => `${phase} ${(total / count).toFixed(2)}`)
            .join(', ')} |`,
      ),
  );
  console.log(lines.join('\n'));
  const file = await readFile('BENCHMARKS.md', 'utf8');
  const start = '<!-- bench:api:start -->';
  const end = '<!-- bench:api:end -->';
  const block = `${start}\n${lines.join('\n')}\n${end}`;
  const updated = file.includes(start)
    ? file.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
    : `${file.trimEnd()}\n\n## End to end (\`npm run bench:api\`)\n\n${block}\n`;
  await writeFile('BENCHMARKS.md', updated);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
