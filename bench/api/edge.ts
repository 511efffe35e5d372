/**
 * `npm run bench:api:edge`: a diagnostic for what bench:api's rows spend
 * outside the Worker's own Server-Timing `total`. It starts `wrangler dev`
 * as bench:api does, loads one vault with bench:api's corpus, and times,
 * interleaved and shuffled per round like bench:api: `/health`, `{ me { id } }`,
 * bench:api's 1-vault HYBRID search, the same search selecting only ids, a
 * search of an empty vault, an unmetered vault read (its stats), a call to
 * the account object (admin `memoryKeys`) and a GraphQL answer of a search's
 * size that calls no object (introspection); each through wrangler's proxy
 * with the client's default `Accept-Encoding` (Node's fetch: gzip, deflate),
 * as bench:api sends them, and straight to the workerd process that runs
 * the Worker with `identity`. Per row: p50s of the whole request, of its
 * headers, of the body after them, of the client's JSON parse, the Worker's
 * Server-Timing `total`, the body's size, and mean times before the Worker
 * started and after it finished (`x-debug-epoch`, development only).
 *
 *   npm run bench:api:edge                                  # 3,000 memories, 300 rounds
 *   npm run bench:api:edge -- --memories 10000 --samples 500
 *   npm run bench:api:edge -- --only "health|me {|stats"   # only these rows
 *   BENCH_API_PORT=8845 BENCH_API_INSPECTOR_PORT=9345 npm run bench:api:edge
 *
 * Not part of `npm test`, and it writes nothing: its rows are diagnostics,
 * not bench:api's targets.
 */
import { execFileSync } from 'node:child_process';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { adminToken } from './admin-token';
import { corpus, loadCorpus } from './corpus';
import { percentile, shuffler } from './rounds';
import { numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 3_000);
const SAMPLES = numberOption('samples', 300);
/** `--only "me {|stats"`: only the rows whose name holds one of these texts. */
const ONLY = textOption('only').split('|');

interface Sample {
  /** Request sent until the body is parsed. */
  wall: number;
  /** Until fetch resolved: the status line and headers arrived. */
  headers: number;
  /** From the headers until the last byte of the body (decoded). */
  body: number;
  /** The client's JSON.parse of the body. */
  parse: number;
  /** The Worker's Server-Timing `total`. */
  total: number;
  bytes: number;
  encoding: string;
  /**
   * From the Worker's `x-debug-epoch: <start>,<end>` (its Date.now() as its
   * first middleware starts and as it finishes; sent in development when
   * asked, src/http/edge-headers.ts): from sending the request until the
   * Worker starts, and from the Worker's end until the client has the
   * headers. Both clocks are the machine's, but the Worker's ticks in whole
   * ms and the two may be offset by a constant: compare rows, by their means.
   */
  before: number;
  after: number;
}

async function timed(url: string, init: RequestInit): Promise<Sample> {
  // Asks the Worker for its clock readings (sent in development only).
  const asked = new Headers(init.headers);
  asked.set('x-debug-epoch', '1');
  const start = performance.now();
  const response = await fetch(url, { ...init, headers: asked });
  const headers = performance.now();
  const epoch = (response.headers.get('x-debug-epoch') ?? '').split(',').map(Number);
  const text = await response.text();
  const body = performance.now();
  const parsed = JSON.parse(text) as { errors?: { message: string }[] };
  const end = performance.now();
  if (!response.ok || parsed.errors?.length) {
    throw new Error(`${url}: ${response.status} ${text.slice(0, 200)}`);
  }
  const total = /(?:^|, )total;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
  return {
    wall: end - start,
    headers: headers - start,
    body: body - headers,
    parse: end - body,
    total: total ? Number(total[1]) : NaN,
    bytes: new TextEncoder().encode(text).byteLength,
    encoding: response.headers.get('content-encoding') ?? 'identity',
    before: epoch.length === 2 ? epoch[0]! - (performance.timeOrigin + start) : NaN,
    after: epoch.length === 2 ? performance.timeOrigin + headers - epoch[1]! : NaN,
  };
}

/**
 * The port of the workerd process that runs the Worker itself (wrangler
 * dev's proxy is another workerd process, listening on the public port):
 * the child of wrangler's node process started with `--inspect`, and of its
 * listening sockets the one that answers /health. Null when not found.
 */
async function workerPort(publicPort: number): Promise<number | null> {
  try {
    const processes = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const wrangler = processes
      .split('\n')
      .find((line) => line.includes('wrangler-dist/cli.js') && line.includes(`${publicPort}`));
    const wranglerPid = wrangler?.trim().split(/\s+/)[0];
    const children = execFileSync('ps', ['--ppid', wranglerPid ?? '0', '-o', 'pid=,args='], {
      encoding: 'utf8',
    });
    const worker = children
      .split('\n')
      .find((line) => line.includes('workerd') && line.includes('--inspect'));
    const pid = worker?.trim().split(/\s+/)[0];
    const sockets = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
    for (const line of sockets.split('\n')) {
      if (!line.includes(`pid=${pid},`)) continue;
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      if (health?.ok && (await health.text()).includes('memoryrouter')) return port;
    }
  } catch {
    // ps or ss missing: no direct rows
  }
  return null;
}

const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
const SEARCH_IDS = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { memory { id } } } }`;
const VAULT_STATS = `{ vault(selector: { kind: SESSION, id: "edge-a" }) { memoryCount } }`;
/** About a search answer's size (20 hits with their text), and no vault read. */
const SEARCH_SIZED = `{ __schema { types { name kind } } }`;

async function main() {
  if (process.env.BENCH_API_PORT) process.env.MEMORYROUTER_TEST_PORT = process.env.BENCH_API_PORT;
  if (process.env.BENCH_API_INSPECTOR_PORT)
    process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = process.env.BENCH_API_INSPECTOR_PORT;
  // No snapshot during the run: the load's own background work stays out of it.
  const server = await devServer({ vars: { SNAPSHOT_DELAY_SECONDS: '3600' } });
  try {
    const admin = await adminToken('bench-edge');
    const created = (await (
      await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: `mutation { createMemoryKey(name: "edge") { secret } }` }),
      })
    ).json()) as { data: { createMemoryKey: { secret: string } } };
    const secret = created.data.createMemoryKey.secret;
    const words = corpus();
    const vault = { kind: 'SESSION', id: 'edge-a' };
    const now = Date.now();
    console.log(`loading ${MEMORIES} memories…`);
    await loadCorpus(words, vault, { count: MEMORIES, now, inFlight: 1 }, (inputs) =>
      timed(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          query: `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`,
          variables: { inputs },
        }),
      }),
    );
    const direct = await workerPort(
      new URL(server.url).port ? Number(new URL(server.url).port) : 0,
    );
    if (direct === null)
      console.log('the Worker’s own workerd port was not found: proxy rows only');

    const windows = [
      { window: 'WORKING', limit: 10 },
      { window: 'LONG_TERM', limit: 10 },
    ];
    const graphql =
      (base: string, query: string, variables: () => Record<string, unknown>, encoding?: string) =>
      () =>
        timed(`${base}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${secret}`,
            ...(encoding ? { 'accept-encoding': encoding } : {}),
          },
          body: JSON.stringify({ query, variables: variables() }),
        });
    const searchInput = () => ({
      input: { query: words.longQuery(), mode: 'HYBRID', vaults: [vault], windows },
    });
    const emptyVault = { kind: 'SESSION', id: 'edge-empty' };
    const emptyInput = () => ({
      input: { query: words.longQuery(), mode: 'HYBRID', vaults: [emptyVault], windows },
    });
    const rows: [string, () => Promise<Sample>][] = [];
    // Through the proxy as bench:api's client asks (gzip), and straight to
    // the Worker's workerd without compression.
    const variants: [string, string, string | undefined][] = [
      ['proxy, gzip', server.url, undefined],
    ];
    if (direct !== null)
      variants.push(['direct, identity', `http://127.0.0.1:${direct}`, 'identity']);
    for (const [tag, base, encoding] of variants) {
      const headers = encoding ? { 'accept-encoding': encoding } : undefined;
      rows.push([`GET /health (${tag})`, () => timed(`${base}/health`, { headers })]);
      rows.push([`{ me { id } } (${tag})`, graphql(base, '{ me { id } }', () => ({}), encoding)]);
      rows.push([`search (${tag})`, graphql(base, SEARCH, searchInput, encoding)]);
      rows.push([`search, ids only (${tag})`, graphql(base, SEARCH_IDS, searchInput, encoding)]);
      rows.push([`search of an empty vault (${tag})`, graphql(base, SEARCH, emptyInput, encoding)]);
      // A vault call that is not metered: the vault's stats.
      rows.push([
        `vault stats, not metered (${tag})`,
        graphql(base, VAULT_STATS, () => ({}), encoding),
      ]);
      // Another Durable Object than a vault: the account's, listing its keys (admin).
      rows.push([
        `account object call, memoryKeys (${tag})`,
        () =>
          timed(`${base}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${admin}`,
              ...(encoding ? { 'accept-encoding': encoding } : {}),
            },
            body: JSON.stringify({ query: '{ memoryKeys { id } }' }),
          }),
      ]);
      rows.push([
        `introspection, a search-sized body (${tag})`,
        graphql(base, SEARCH_SIZED, () => ({}), encoding),
      ]);
    }
    const chosen = rows.filter(([name]) => ONLY.some((part) => name.includes(part)));
    rows.splice(0, rows.length, ...chosen);
    const shuffle = shuffler(13);
    for (let i = 0; i < 20; i++) for (const [, call] of rows) await call(); // warm up
    const samples = new Map(rows.map(([name]) => [name, [] as Sample[]]));
    for (let i = 0; i < SAMPLES; i++) {
      for (const [name, call] of shuffle(rows)) samples.get(name)!.push(await call());
    }
    const p50 = (list: Sample[], key: keyof Sample) =>
      percentile(
        list.map((sample) => sample[key] as number).sort((a, b) => a - b),
        50,
      );
    const health = p50(samples.get(rows[0]![0])!, 'wall');
    console.log(
      `\n${MEMORIES} memories, ${SAMPLES} rounds; p50 ms (÷ the first /health row's wall p50)\n`,
    );
    const mean = (list: Sample[], key: keyof Sample) =>
      list.reduce((sum, sample) => sum + (sample[key] as number), 0) / list.length;
    console.log(
      '| row | wall | ÷ /health | headers | body | parse | Worker total | wall − total | bytes | encoding | mean total | mean before Worker | mean after Worker |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [name] of rows) {
      const list = samples.get(name)!;
      const wall = p50(list, 'wall');
      const total = p50(list, 'total');
      console.log(
        `| ${name} | ${wall.toFixed(2)} | ${(wall / health).toFixed(2)}× | ${p50(list, 'headers').toFixed(2)} | ${p50(list, 'body').toFixed(3)} | ${p50(list, 'parse').toFixed(3)} | ${total.toFixed(2)} | ${(wall - total).toFixed(2)} | ${p50(list, 'bytes')} | ${list[0]!.encoding} | ${mean(list, 'total').toFixed(2)} | ${mean(list, 'before').toFixed(2)} | ${mean(list, 'after').toFixed(2)} |`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
