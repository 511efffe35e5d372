/**
 * `npm run bench:api:bulk-cpu`: where the CPU of a bulk import goes across
 * the whole local system, not only inside workerd. On one machine the bench
 * client (node), `wrangler dev`'s proxy (node) and workerd share the cores,
 * so the import's rate is bounded by all three. Loads `--memories` (10k)
 * memories into one fresh vault the way `npm run bench:api` does (batches of
 * 100 from bench/api/corpus.ts, 4 in flight) and reports, per batch, the
 * user+system CPU each process spent (/proc/<pid>/stat, Linux only) beside
 * the wall time and the mean Server-Timing phases.
 *
 *   BENCH_API_PORT=8837 BENCH_API_INSPECTOR_PORT=9337 npm run bench:api:bulk-cpu
 *   npm run bench:api:bulk-cpu -- --memories 20000 --rounds 2
 *
 * With `--rounds N` it loads N fresh vaults one after another (each vault
 * once), so a before/after within one server can be read per round. With
 * `--wrangler "…"` it passes options to `wrangler dev`, e.g. another tree's
 * config (`-c /work/wt/old/wrangler.toml`, that tree with its own `npm ci`
 * and `.dev.vars`) to load an older build the same way.
 */
import { devServer } from '../../scripts/live/dev-server.mjs';
import { corpus, loadCorpus } from './corpus';
import { adminToken } from './admin-token';
import { cpuMs, serverProcesses } from './process-cpu';
import { numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 10_000);
const ROUNDS = numberOption('rounds', 1);
const WRANGLER_ARGS = textOption('wrangler').split(' ').filter(Boolean);
const IN_FLIGHT = 4;
const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;

async function main() {
  if (process.env.BENCH_API_PORT) process.env.MEMORYROUTER_TEST_PORT = process.env.BENCH_API_PORT;
  if (process.env.BENCH_API_INSPECTOR_PORT)
    process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = process.env.BENCH_API_INSPECTOR_PORT;
  const server = await devServer({
    vars: { VAULT_MAX_MEMORIES: String(40_000) },
    args: WRANGLER_ARGS,
  });
  try {
    const { url } = server;
    const port = Number(new URL(url).port);
    const post = async (token: string, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const timing = response.headers.get('server-timing');
      const body = (await response.json()) as {
        data?: Record<string, Record<string, unknown>>;
        errors?: { message: string }[];
      };
      if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
      return { data: body.data!, timing };
    };
    const admin = await adminToken('bulk-cpu');
    const secret = (
      await post(admin, `mutation { createMemoryKey(name: "bulk-cpu") { secret } }`, {})
    ).data.createMemoryKey!.secret as string;
    const { proxy, workerd } = await serverProcesses(port);
    console.log(`proxy pids ${proxy.join(' ')}; workerd pids ${workerd.join(' ')}`);

    for (let round = 0; round < ROUNDS; round++) {
      const words = corpus();
      const vault = { kind: 'SESSION', id: `bulk-cpu-${round}` };
      const batches = Math.ceil(MEMORIES / 100);
      const phases = new Map<string, number>();
      const now = Date.now();
      const before = {
        client: process.cpuUsage(),
        proxy: await cpuMs(proxy),
        workerd: await cpuMs(workerd),
      };
      const started = performance.now();
      await loadCorpus(
        words,
        vault,
        { count: MEMORIES, now, inFlight: IN_FLIGHT },
        async (inputs) => {
          const { timing } = await post(secret, STORE, { inputs });
          for (const entry of (timing ?? '').split(',')) {
            const [name, duration] = entry.trim().split(';dur=');
            if (name && duration) phases.set(name, (phases.get(name) ?? 0) + Number(duration));
          }
        },
      );
      const wall = performance.now() - started;
      const client = process.cpuUsage(before.client);
      const spent = {
        client: (client.user + client.system) / 1000,
        proxy: (await cpuMs(proxy)) - before.proxy,
        workerd: (await cpuMs(workerd)) - before.workerd,
      };
      const per = (ms: number) => (ms / batches).toFixed(2);
      console.log(
        `round ${round}: ${MEMORIES} memories in ${wall.toFixed(0)} ms = ${((MEMORIES * 1000) / wall).toFixed(0)} memories/s; ` +
          `CPU ms per batch: client ${per(spent.client)}, proxy ${per(spent.proxy)}, workerd ${per(spent.workerd)}, ` +
          `sum ${per(spent.client + spent.proxy + spent.workerd)} (wall per batch ${per(wall)}, ${IN_FLIGHT} in flight)`,
      );
      console.log(
        `  Server-Timing means: ${[...phases].map(([name, ms]) => `${name} ${per(ms)}`).join(', ')}`,
      );
    }
  } finally {
    await server.stop();
  }
}

await main();
