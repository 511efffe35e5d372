/**
 * `npm run bench:api:ab`: two builds of the Worker side by side, paired in
 * one run. It starts two `wrangler dev` servers at once, A with wrangler.toml
 * as it is and B with the wrangler options given (another config with `-c`,
 * a `--define`, …), loads the same corpus into each (bench/api/corpus.ts),
 * and then measures bench:api's rows in alternating blocks: a block of
 * `--block` sequential requests to A, then the same to B, the order swapped
 * every block, so the machine's drift falls on both alike. Per row and side:
 * p50 of the whole request, mean Server-Timing `total`, and workerd's CPU per
 * request over the blocks (/proc; its clock advances only on I/O, so this is
 * the truer cost). Bulk: batches of 100 new memories, one at a time. Chat:
 * bench:api's chat row (`/v1/chat/completions`, streamed, memory READ, the
 * key's CORE and the searched SESSION vault) against a provider fake in this
 * process, its "p50" the time to the first bytes (the stream is then read to
 * its end); a probe first checks that both sides inject the same memory.
 *
 *   npm run bench:api:ab -- --b "-c .wrangler-b.toml"
 *   npm run bench:api:ab -- --b "--define process.env.NODE_ENV:'production'" --blocks 20
 *   BENCH_API_PORT=8862 BENCH_API_INSPECTOR_PORT=9362 npm run bench:api:ab -- --a "…" --b "…"
 *
 * B (and A) may also set the wrangler process's environment with `--b-env
 * NAME=value`. Ports: BENCH_API_PORT/BENCH_API_INSPECTOR_PORT for A, the
 * next port up for B, unless BENCH_API_B_PORT/BENCH_API_B_INSPECTOR_PORT name
 * B's or BENCH_API_B_FREE_PORTS=1 asks the system for two free ones (on a
 * shared machine where each engineer is handed only two ports, the next port
 * up is A's inspector or someone else's). Not part of `npm test`; it writes
 * nothing.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../test/live/setup/provider-fake';
import { adminToken } from './admin-token';
import { sendChat } from './chat-request';
import { corpus, corpusMemory, loadCorpus } from './corpus';
import { serverProcesses, threadCpuMs } from './process-cpu';
import { percentile } from './rounds';
import { numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 3_000);
const BLOCKS = numberOption('blocks', 16);
const BLOCK = numberOption('block', 25);
const BULK_BLOCK = numberOption('bulk-block', 4);
const IN_FLIGHT_BLOCK = numberOption('in-flight-block', 64);
/** `--only "me|bulk"`: only the rows whose name holds one of these texts. */
const ONLY = textOption('only').split('|');
const split = (value: string) => value.split(' ').filter(Boolean);
const envOf = (value: string) =>
  Object.fromEntries(
    split(value).map((pair) => [
      pair.slice(0, pair.indexOf('=')),
      pair.slice(pair.indexOf('=') + 1),
    ]),
  );

const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
const WINDOWS = [
  { window: 'WORKING', limit: 10 },
  { window: 'LONG_TERM', limit: 10 },
];

interface Side {
  name: 'A' | 'B';
  url: string;
  workerd: number[];
  secret: string;
  stop: () => Promise<void>;
}

async function call(side: Side, path: string, body?: unknown) {
  const started = performance.now();
  const response = await fetch(`${side.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers:
      body === undefined
        ? {}
        : { 'content-type': 'application/json', authorization: `Bearer ${side.secret}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const wall = performance.now() - started;
  const total = /(?:^|,)\s*total;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
  if (!response.ok || text.includes('"errors"')) {
    throw new Error(`${side.name} ${path}: ${response.status} ${text.slice(0, 300)}`);
  }
  return { wall, total: total ? Number(total[1]) : NaN, text };
}

/** A short fingerprint of the schema a side serves: its fields and arguments, by introspection. */
async function schemaFingerprint(side: Side): Promise<string> {
  const { text } = await call(side, '/graphql', {
    query: '{ __schema { types { name fields { name args { name } } inputFields { name } } } }',
  });
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const { types } = (JSON.parse(text) as { data: { __schema: { types: unknown[] } } }).data
    .__schema;
  return `${digest} (${types.length} types)`;
}

/** B's server and inspector ports (see the header comment). */
async function portsOfB(portA: number, inspectorA: number): Promise<[number, number]> {
  const given = Number(process.env.BENCH_API_B_PORT);
  if (given) return [given, Number(process.env.BENCH_API_B_INSPECTOR_PORT) || given + 500];
  if (process.env.BENCH_API_B_FREE_PORTS === '1') return [await freePort(), await freePort()];
  return [portA + 1, inspectorA + 1];
}

/** A port the system hands out as free at this moment (the listener closes at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function start(
  name: 'A' | 'B',
  port: number,
  inspectorPort: number,
  extra: string,
  env: string,
  providerUrl: string,
): Promise<Side> {
  const server = await devServer({
    port,
    inspectorPort,
    args: split(extra),
    env: envOf(env),
    // No cold snapshot (30 s after a vault's last write) inside a measured block.
    vars: {
      VAULT_MAX_MEMORIES: String(40_000),
      SNAPSHOT_DELAY_SECONDS: String(3_600),
      COMPATIBLE_BASE_URL: `${providerUrl}/v1`,
    },
  });
  const admin = await adminToken(`ab-${name}`);
  const side: Side = { name, url: server.url, workerd: [], secret: admin, stop: server.stop };
  const created = await call(side, '/graphql', {
    query: `mutation { createMemoryKey(name: "ab") { secret } }`,
  });
  side.secret = (
    JSON.parse(created.text) as { data: { createMemoryKey: { secret: string } } }
  ).data.createMemoryKey.secret;
  side.workerd = (await serverProcesses(port)).workerd;
  return side;
}

/**
 * bench:api's chat: streamed, memory READ (the key's CORE vault and SESSION
 * `session`), timed to the first bytes; the rest is read to the end, as a
 * client does. Returns the memory receipt too (X-Memory-Receipt, decoded).
 */
async function chat(side: Side, session: string, query: string) {
  const started = performance.now();
  const response = await sendChat({
    url: side.url,
    secret: side.secret,
    mode: 'read',
    session,
    query,
  });
  if (!response.ok)
    throw new Error(`${side.name} chat: ${response.status} ${await response.text()}`);
  const reader = response.body!.getReader();
  await reader.read();
  const wall = performance.now() - started;
  while (!(await reader.read()).done);
  const timing = response.headers.get('server-timing') ?? '';
  const total = /(?:^|,)\s*total;dur=([\d.]+)/.exec(timing);
  const receipt = response.headers.get('x-memory-receipt') ?? '';
  return { wall, total: total ? Number(total[1]) : NaN, receipt };
}

/** A memory receipt without the memories' ids (each server names its memories anew). */
function receiptWithoutIds(header: string): string {
  const json = Buffer.from(header, 'base64url').toString('utf8');
  return JSON.stringify(JSON.parse(json), (key, value: unknown) =>
    key === 'id' ? undefined : value,
  );
}

async function load(side: Side, vault: { kind: string; id: string }, count: number, now: number) {
  await loadCorpus(corpus(), vault, { count, now, inFlight: 1 }, (inputs) =>
    call(side, '/graphql', { query: STORE, variables: { inputs } }),
  );
}

interface Tally {
  walls: number[];
  totals: number[];
  cpu: number;
  requests: number;
  /** workerd CPU per request, block by block (A's and B's blocks pair up by index). */
  blocks: number[];
}

async function main() {
  const portA = Number(process.env.BENCH_API_PORT) || 8862;
  const inspectorA = Number(process.env.BENCH_API_INSPECTOR_PORT) || portA + 500;
  const fake = await startProviderFake();
  const [a, b] = await Promise.all([
    start('A', portA, inspectorA, textOption('a'), textOption('a-env'), fake.url),
    start(
      'B',
      ...(await portsOfB(portA, inspectorA)),
      textOption('b'),
      textOption('b-env'),
      fake.url,
    ),
  ]);
  try {
    console.log(
      `A: ${textOption('a') || '(wrangler.toml)'} ${textOption('a-env')}; workerd ${a.workerd}`,
    );
    console.log(
      `B: ${textOption('b') || '(wrangler.toml)'} ${textOption('b-env')}; workerd ${b.workerd}`,
    );
    // Which code each side runs: with `-c` another tree's config, B should
    // answer with that tree's schema; the same fingerprint on both sides of
    // two trees means B did not build the other one.
    const [schemaA, schemaB] = await Promise.all([a, b].map(schemaFingerprint));
    console.log(`GraphQL schema: A ${schemaA}, B ${schemaB}`);
    const now = Date.now();
    const vault = { kind: 'SESSION', id: 'ab-search' };
    // bench:api's 3-vault row: the searched vault and two more of the same size.
    const threeVaults = [
      vault,
      ...['ab-search-b', 'ab-search-c'].map((id) => ({ kind: 'SESSION', id })),
    ];
    // Whether a row of this name runs: `--only` texts are matched against the
    // rows' names (below), so these ask by a row's name too. By '3 vaults'
    // alone, `--only "me {|search"` ran the 3-vault rows over two empty vaults.
    const wanted = (row: string) => ONLY.some((part) => row.includes(part));
    const loaded = wanted('search, 3 vaults, HYBRID') ? threeVaults : [vault];
    for (const each of loaded) {
      await Promise.all([load(a, each, MEMORIES, now), load(b, each, MEMORIES, now)]);
    }
    // Both answer the same search the same way (ids and scores), or the pair means nothing.
    const probe = corpus(7).longQuery();
    const request = {
      query: SEARCH,
      variables: { input: { query: probe, mode: 'HYBRID', vaults: [vault], windows: WINDOWS } },
    };
    const answers = await Promise.all([a, b].map((side) => call(side, '/graphql', request)));
    const hits = answers.map(({ text }) =>
      JSON.stringify(
        (
          JSON.parse(text) as {
            data: { search: { hits: { score: number; memory: { content: string } }[] } };
          }
        ).data.search.hits.map((hit) => [hit.memory.content, hit.score.toFixed(6)]),
      ),
    );
    console.log(`same search answer on A and B: ${hits[0] === hits[1]}`);
    if (wanted('chat TTFT, stream, memory READ')) {
      // Same memory injected (each hit's vault, window, score and tokens).
      const chats = await Promise.all([a, b].map((side) => chat(side, vault.id, probe)));
      const [ra, rb] = chats.map(({ receipt }) => receiptWithoutIds(receipt));
      console.log(`same chat memory on A and B: ${ra === rb} (${ra!.length} characters)`);
    }

    const queries = corpus(11);
    const bulkWords = corpus(13);
    let bulkAt = 0;
    const rows: [
      string,
      number,
      (side: Side, i: number) => Promise<{ wall: number; total: number }>,
    ][] = [
      ['GET /health', BLOCK, (side) => call(side, '/health')],
      ['{ me { id } }', BLOCK, (side) => call(side, '/graphql', { query: '{ me { id } }' })],
      [
        'search, 1 vault, HYBRID, 2 windows × 10',
        BLOCK,
        (side, i) =>
          call(side, '/graphql', {
            query: SEARCH,
            variables: {
              input: { query: blockQueries[i]!, mode: 'HYBRID', vaults: [vault], windows: WINDOWS },
            },
          }),
      ],
      [
        'search, 3 vaults, HYBRID',
        BLOCK,
        (side, i) =>
          call(side, '/graphql', {
            query: SEARCH,
            variables: {
              input: {
                query: blockQueries[i]!,
                mode: 'HYBRID',
                vaults: threeVaults,
                windows: WINDOWS,
              },
            },
          }),
      ],
      [
        // bench:api's throughput rows: 16 in flight. The block's wall time per
        // request (1000 ÷ it = req/s) stands in for this row's "p50".
        'search, 3 vaults, HYBRID, 16 in flight',
        IN_FLIGHT_BLOCK,
        (side, i) => inFlight(side, i),
      ],
      [
        'chat TTFT, stream, memory READ',
        BLOCK,
        (side, i) => chat(side, vault.id, blockQueries[i]!),
      ],
      [
        'storeMemories, 1 memory',
        BLOCK,
        (side, i) =>
          call(side, '/graphql', {
            query: STORE,
            variables: {
              inputs: [{ vault: { kind: 'SESSION', id: 'ab-writes' }, content: blockQueries[i]! }],
            },
          }),
      ],
      [
        'bulk: storeMemories, batch of 100',
        BULK_BLOCK,
        (side, i) =>
          call(side, '/graphql', {
            query: STORE,
            variables: {
              inputs: blockBatches[i]!.map((memory) => ({
                vault: { kind: 'SESSION', id: 'ab-bulk' },
                ...memory,
              })),
            },
          }),
      ],
    ];
    const inFlight = async (side: Side, i: number) => {
      if (i > 0) return { wall: NaN, total: NaN };
      const started = performance.now();
      let next = 0;
      const totals: number[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < IN_FLIGHT_BLOCK) {
            const query = blockQueries[next++]!;
            const { total } = await call(side, '/graphql', {
              query: SEARCH,
              variables: {
                input: { query, mode: 'HYBRID', vaults: threeVaults, windows: WINDOWS },
              },
            });
            totals.push(total);
          }
        }),
      );
      const wall = (performance.now() - started) / IN_FLIGHT_BLOCK;
      return { wall, total: totals.reduce((sum, v) => sum + v, 0) / totals.length };
    };
    let blockQueries: string[] = [];
    let blockBatches: { content: string; createdAt: string }[][] = [];
    const tallies = new Map<string, Record<'A' | 'B', Tally>>();
    // Block -1 warms both up (JIT, caches) and is not counted.
    for (let block = -1; block < BLOCKS; block++) {
      for (const [name, size, send] of rows) {
        if (!ONLY.some((part) => name.includes(part))) continue;
        blockQueries = Array.from({ length: size }, () => queries.longQuery());
        blockBatches = Array.from({ length: size }, () =>
          Array.from({ length: 100 }, () => {
            const { content, createdAt } = corpusMemory(bulkWords, bulkAt++, now);
            return { content, createdAt: new Date(createdAt).toISOString() };
          }),
        );
        const tally = (block < 0 ? undefined : tallies.get(name)) ?? {
          A: { walls: [], totals: [], cpu: 0, requests: 0, blocks: [] },
          B: { walls: [], totals: [], cpu: 0, requests: 0, blocks: [] },
        };
        if (block >= 0) tallies.set(name, tally);
        for (const side of block % 2 !== 0 ? [a, b] : [b, a]) {
          const into = tally[side.name];
          const before = await threadCpuMs(side.workerd);
          for (let i = 0; i < size; i++) {
            const { wall, total } = await send(side, i);
            // An in-flight row answers for its whole block at i = 0.
            if (Number.isNaN(wall)) continue;
            into.walls.push(wall);
            into.totals.push(total);
          }
          const spent = (await threadCpuMs(side.workerd)) - before;
          into.cpu += spent;
          into.blocks.push(spent / size);
          into.requests += size;
        }
      }
    }

    const median = (values: number[]) =>
      percentile(
        [...values].sort((x, y) => x - y),
        50,
      );
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const fixed = (value: number) => value.toFixed(2);
    console.log(
      `\n${BLOCKS} blocks per row, A and B alternating (order swapped per block); ${MEMORIES} memories in the searched vault\n`,
    );
    console.log(
      "| row | p50 A | p50 B | B÷A | Server-Timing total A | B | B÷A | workerd CPU/request A | B | B÷A | median of blocks' B÷A |",
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, { A, B }] of tallies) {
      const [pa, pb] = [median(A.walls), median(B.walls)];
      const [ta, tb] = [mean(A.totals), mean(B.totals)];
      const [ca, cb] = [A.cpu / A.requests, B.cpu / B.requests];
      console.log(
        `| ${name} | ${fixed(pa)} | ${fixed(pb)} | ${fixed(pb / pa)} | ${fixed(ta)} | ${fixed(tb)} | ${fixed(tb / ta)} | ${fixed(ca)} | ${fixed(cb)} | ${fixed(cb / ca)} | ${fixed(median(B.blocks.map((cpu, i) => cpu / A.blocks[i]!)))} |`,
      );
    }
    const ratio = (side: Record<'A' | 'B', Tally> | undefined, of: 'A' | 'B') =>
      side ? median(side[of].walls) : NaN;
    const health = tallies.get('GET /health');
    const me = tallies.get('{ me { id } }');
    if (health && me) {
      console.log(
        `\nme ÷ /health (p50s): A ${fixed(ratio(me, 'A') / ratio(health, 'A'))}, B ${fixed(ratio(me, 'B') / ratio(health, 'B'))}`,
      );
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    fake.server.close();
  }
}

await main();
