/**
 * `npm run bench:api:native` (Linux, needs `perf`): workerd's own CPU per
 * request, split by what native code ran, for `{ me { id } }` and bench:api's
 * 1-vault HYBRID search (or the rows `--only` names), and the search's
 * excess over `me` bucket by bucket. The inspector's sampler
 * (bench:api:profile) sees JavaScript only and charges waits to whatever
 * function was on the stack; this counts the CPU the kernel saw, by symbol:
 * JIT code and V8's builtins, the V8 runtime, garbage collection, structured
 * clone (the RPC's serializer), SQLite, workerd/kj/capnp, the allocator and
 * the kernel (file writes and syncs apart from the rest).
 *
 * It starts one `wrangler dev` (BENCH_API_PORT/BENCH_API_INSPECTOR_PORT),
 * loads bench:api's corpus into one vault (`--memories`, 10,000), then per
 * round and row sends `--burst` sequential requests under
 * `perf record -e cpu-clock` on workerd's processes (rows alternate, the order
 * swapped every round, `--rounds`), and sums the samples of every round.
 *
 *   BENCH_API_PORT=8841 BENCH_API_INSPECTOR_PORT=9341 npm run bench:api:native
 *   npm run bench:api:native -- --rounds 6 --burst 200 --memories 10000
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { adminToken } from './admin-token';
import { bundleModules } from './bundle-modules';
import { corpus, loadCorpus } from './corpus';
import { serverProcesses, threadCpuMs } from './process-cpu';
import { hasFlag, numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 10_000);
const ROUNDS = numberOption('rounds', 4);
const BURST = numberOption('burst', 200);
const FREQUENCY = numberOption('frequency', 1_999);
const ONLY = textOption('only', '').split('|');
const TOP = numberOption('top', 60);
/** `--keep DIR`: keep each burst's perf.data there (with `--graph`, call stacks too) for `perf report`. */
const KEEP = textOption('keep', '');
const GRAPH = hasFlag('graph');
/** `--wrangler "-c other.toml"`: more `wrangler dev` options, to split another build. */
const WRANGLER = textOption('wrangler', '').split(' ').filter(Boolean);

const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
const WINDOWS = [
  { window: 'WORKING', limit: 10 },
  { window: 'LONG_TERM', limit: 10 },
];

/**
 * Buckets by the sampled frame's symbol and object, first match wins. Names
 * are workerd's (it ships its symbols), V8's, SQLite's and the kernel's.
 */
const BUCKETS: [string, (symbol: string, object: string) => boolean][] = [
  [
    'kernel: file writes, syncs',
    (s, o) =>
      o.includes('kernel') &&
      /ext4|jbd2|fsync|fdatasync|_fsync|copy_folio|iomap|filemap|pwrite|vfs_write|__x64_sys_(p?write|f(data)?sync)|folio|blk_|writeback/.test(
        s,
      ),
  ],
  ['kernel: other (network, wake-ups, switches)', (_s, o) => o.includes('kernel')],
  [
    'structured clone (RPC serializer)',
    (s) =>
      /ValueSerializer|ValueDeserializer|jsg::Serializer|jsg::Deserializer|Serialize|Deserialize/.test(
        s,
      ),
  ],
  [
    'garbage collection',
    (s) =>
      /v8::internal::(Heap|Scavenge|MarkCompact|Sweeper|ConcurrentMarking|MinorMarkCompact|MarkingVisitor|Evacuat|PagedSpace|SemiSpace|LargeObjectSpace|IncrementalMarking|GCTracer|MemoryAllocator|ArrayBufferSweeper|MarkingWorklist|MainMarkingVisitor|YoungGeneration|Marking)|cppgc/.test(
        s,
      ),
  ],
  [
    'SQLite',
    (s) => /sqlite|^fts5|vdbe|btree|^pager|^pcache|^wal[A-Z]|^unixRead|^unixWrite/i.test(s),
  ],
  [
    "zlib (the entry worker's gzip of the answer)",
    (s) =>
      /deflate|longest_match|compress_block|fill_window|send_bits|adler32|crc32|_tr_|inflate/.test(
        s,
      ),
  ],
  [
    'JavaScript: JIT code',
    (s, o) => /JIT|perf-\d+\.map|\[unknown\]/.test(o) || s.startsWith('0x') || s === '[unknown]',
  ],
  ['V8 builtins (JS runtime calls in generated code)', (s) => /Builtins_|Builtin:/.test(s)],
  ['V8 runtime and compiler', (s) => /v8::|Runtime_|v8_inspector/.test(s)],
  [
    'allocator (tcmalloc, malloc)',
    (s, o) =>
      /tcmalloc|malloc|free|operator new|operator delete|cfree/.test(s) || /libc.*malloc/.test(o),
  ],
  ['mem*/str* (libc)', (s) => /^__?mem|^mem|^__strlen|^strlen|^__strcmp|^str/.test(s)],
  ['workerd / kj / capnp', (s) => /workerd::|kj::|capnp::|edgeworker|api::/.test(s)],
  ['libc, other', (_s, o) => /libc|libm|ld-linux|libpthread/.test(o)],
  ['other', () => true],
];

function bucketOf(symbol: string, object: string): string {
  return BUCKETS.find(([, matches]) => matches(symbol, object))![0];
}

async function run(command: string, commandArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString())
        : reject(new Error(`${command} exited ${code}: ${Buffer.concat(err).toString()}`)),
    );
  });
}

/** Starts `perf record` on these processes; resolves once it is sampling. */
async function startPerf(pids: number[], file: string) {
  const child = spawn(
    'perf',
    [
      'record',
      '-e',
      'cpu-clock',
      '-F',
      String(FREQUENCY),
      ...(GRAPH ? ['--call-graph', 'fp'] : []),
      '-p',
      pids.join(','),
      '-o',
      file,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // perf prints nothing when it starts; give it its attach before the burst.
  // (Samples before the burst are idle workerd and land nowhere.)
  await new Promise((resolve) => setTimeout(resolve, 300));
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  };
}

/**
 * Which of workerd's threads a thread id is: the main thread of the process
 * that runs the Worker and its Durable Objects (the one with the inspector),
 * that process's other threads (V8's helpers, storage), or the process of
 * wrangler's entry worker (routing, gzip of the answer).
 */
async function threadRoles(pids: number[]): Promise<Map<number, string>> {
  const roles = new Map<number, string>();
  for (const pid of pids) {
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    const runsWorker = command.includes('--inspector-addr');
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const tid = Number(task);
      roles.set(
        tid,
        !runsWorker
          ? 'entry process'
          : tid === pid
            ? 'Worker thread'
            : 'Worker process, other threads',
      );
    }
  }
  return roles;
}

/** Samples per thread role, object and symbol, from one perf.data. */
async function samplesOf(file: string, roles: Map<number, string>) {
  const report = await run('perf', [
    'report',
    '-i',
    file,
    '--stdio',
    '--no-children',
    '-g',
    'none',
    '-F',
    'sample,pid,dso,sym',
    '--sort',
    'pid,dso,sym',
    '-t',
    '\t',
  ]);
  const bySymbol = new Map<string, number>();
  for (const line of report.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [samples, thread, object, symbol] = line.split('\t').map((part) => part.trim());
    const count = Number(samples);
    if (!Number.isFinite(count) || thread === undefined || object === undefined) continue;
    if (symbol === undefined) continue;
    const role = roles.get(Number(thread.split(':')[0])) ?? 'entry process';
    const key = `${role}\t${object}\t${symbol.replace(/^\[[.kHu]\]\s*/, '')}`;
    bySymbol.set(key, (bySymbol.get(key) ?? 0) + count);
  }
  return bySymbol;
}

async function main() {
  const port = Number(process.env.BENCH_API_PORT) || 8841;
  const inspectorPort = Number(process.env.BENCH_API_INSPECTOR_PORT) || port + 500;
  const server = await devServer({
    port,
    inspectorPort,
    args: WRANGLER,
    vars: { VAULT_MAX_MEMORIES: String(40_000), SNAPSHOT_DELAY_SECONDS: String(3_600) },
  });
  const scratch = await mkdtemp(join(tmpdir(), 'native-split-'));
  try {
    const post = async (secret: string, query: string, variables?: unknown) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      if (!response.ok || text.includes('"errors"')) throw new Error(text.slice(0, 300));
      return text;
    };
    const admin = await adminToken('native');
    const secret = (
      JSON.parse(await post(admin, `mutation { createMemoryKey(name: "native") { secret } }`)) as {
        data: { createMemoryKey: { secret: string } };
      }
    ).data.createMemoryKey.secret;
    const vault = { kind: 'SESSION', id: 'native-search' };
    await loadCorpus(corpus(), vault, { count: MEMORIES, now: Date.now(), inFlight: 4 }, (inputs) =>
      post(secret, STORE, { inputs }),
    );
    const queries = corpus(11);
    const rows: [string, () => Promise<unknown>][] = [
      ['{ me { id } }', () => post(secret, '{ me { id } }')],
      [
        'search, 1 vault, HYBRID, 2 windows × 10',
        () =>
          post(secret, SEARCH, {
            input: {
              query: queries.longQuery(),
              mode: 'HYBRID',
              vaults: [vault],
              windows: WINDOWS,
            },
          }),
      ],
    ].filter(([name]) => ONLY.some((part) => (name as string).includes(part))) as [
      string,
      () => Promise<unknown>,
    ][];
    const { workerd } = await serverProcesses(port);
    // Warm up (JIT, the vault's hot index and text timeline).
    for (const [, send] of rows) for (let i = 0; i < 100; i++) await send();
    const totals = new Map<
      string,
      { samples: Map<string, number>; requests: number; cpu: number }
    >();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, send] of round % 2 === 0 ? rows : [...rows].reverse()) {
        const file = join(KEEP || scratch, `r${round}-${name.replace(/\W+/g, '-')}.data`);
        const stop = await startPerf(workerd, file);
        const before = await threadCpuMs(workerd);
        for (let i = 0; i < BURST; i++) await send();
        const cpu = (await threadCpuMs(workerd)) - before;
        await stop();
        const tally = totals.get(name) ?? { samples: new Map(), requests: 0, cpu: 0 };
        for (const [key, count] of await samplesOf(file, await threadRoles(workerd)))
          tally.samples.set(key, (tally.samples.get(key) ?? 0) + count);
        tally.requests += BURST;
        tally.cpu += cpu;
        totals.set(name, tally);
      }
    }
    const moduleOf = await bundleModules();
    const msPerSample = 1000 / FREQUENCY;
    const ROLES = ['Worker thread', 'Worker process, other threads', 'entry process'];
    const split = (key: string) => key.split('\t') as [string, string, string];
    /** ms/req per "role · bucket", and per role. */
    const perBucket = new Map<string, Map<string, number>>();
    for (const [name, { samples, requests, cpu }] of totals) {
      const buckets = new Map<string, number>();
      let all = 0;
      for (const [key, count] of samples) {
        const [role, object, symbol] = split(key);
        const ms = (count * msPerSample) / requests;
        for (const at of [`${role} · ${bucketOf(symbol, object)}`, role])
          buckets.set(at, (buckets.get(at) ?? 0) + ms);
        all += count;
      }
      perBucket.set(name, buckets);
      console.log(
        `\n== ${name}: ${requests} requests; workerd CPU ${(cpu / requests).toFixed(3)} ms/req (/proc), perf ${((all * msPerSample) / requests).toFixed(3)} ms/req`,
      );
      const top = [...samples].sort((x, y) => y[1] - x[1]).slice(0, 30);
      for (const [key, count] of top) {
        console.log(
          `  ${((count * msPerSample) / requests).toFixed(4)} ms/req  ${split(key).join('  ').slice(0, 160)}`,
        );
      }
    }
    const names = [...perBucket.keys()];
    const line = (label: string, values: number[]) =>
      console.log(
        `| ${label} | ${values.map((value) => value.toFixed(3)).join(' | ')} | ${values.length === 2 ? (values[1]! - values[0]!).toFixed(3) : ''} |`,
      );
    console.log(`\nCPU ms per request (perf samples), by thread and kind:\n`);
    console.log(`| thread · kind | ${names.join(' | ')} | difference |`);
    console.log(`| --- | ${names.map(() => '---').join(' | ')} | --- |`);
    for (const role of ROLES) {
      for (const [bucket] of BUCKETS) {
        const values = names.map((name) => perBucket.get(name)!.get(`${role} · ${bucket}`) ?? 0);
        if (values.some((value) => value >= 0.0005)) line(`${role} · ${bucket}`, values);
      }
      line(
        `**${role}, all**`,
        names.map((name) => perBucket.get(name)!.get(role) ?? 0),
      );
    }
    line(
      '**all**',
      names.map((name) =>
        ROLES.reduce((sum, role) => sum + (perBucket.get(name)!.get(role) ?? 0), 0),
      ),
    );
    // JavaScript by source module, when V8 wrote its perf map
    // (MINIFLARE_WORKERD_V8_FLAGS="--perf-basic-prof"): JIT frames are then
    // named `JS:*'name index.js:LINE:COLUMN` after the bundle's lines.
    const byModule = names.map((name) => {
      const modules = new Map<string, number>();
      const { samples, requests } = totals.get(name)!;
      for (const [key, count] of samples) {
        const [role, , symbol] = split(key);
        const at = /^JS:\S*\s.*?index\.js:(\d+):\d+$/.exec(symbol);
        const wasm = symbol.startsWith('JS:wasm-function');
        if (role !== 'Worker thread' || (!at && !wasm)) continue;
        const module = wasm
          ? "(WebAssembly: the hot tier's SIMD kernels)"
          : moduleOf(Number(at![1]) - 1);
        modules.set(module, (modules.get(module) ?? 0) + (count * msPerSample) / requests);
      }
      return modules;
    });
    if (byModule.some((modules) => modules.size > 0)) {
      console.log(
        `\nJavaScript on the Worker thread by source module (JIT frames named by V8's perf map):\n`,
      );
      console.log(`| module | ${names.join(' | ')} | difference |`);
      console.log(`| --- | ${names.map(() => '---').join(' | ')} | --- |`);
      const modules = new Set(byModule.flatMap((found) => [...found.keys()]));
      const rows = [...modules]
        .map((module) => ({ module, values: byModule.map((found) => found.get(module) ?? 0) }))
        .sort((x, y) => (y.values.at(-1) ?? 0) - (x.values.at(-1) ?? 0));
      for (const { module, values } of rows.slice(0, TOP)) line(module, values);
    }
    if (names.length === 2) {
      // The symbols that make the difference, largest first.
      const [first, second] = names.map((name) => totals.get(name)!);
      const keys = new Set([...first!.samples.keys(), ...second!.samples.keys()]);
      const of = (tally: typeof first, key: string) =>
        ((tally!.samples.get(key) ?? 0) * msPerSample) / tally!.requests;
      const differences = [...keys]
        .map((key) => ({ key, difference: of(second, key) - of(first, key) }))
        .sort((x, y) => y.difference - x.difference);
      console.log(`\nLargest differences (${names[1]} − ${names[0]}), ms/req:`);
      for (const { key, difference } of differences.slice(0, TOP)) {
        const [role, object, symbol] = split(key);
        console.log(
          `  ${difference.toFixed(4)}  ${role} [${bucketOf(symbol, object)}]  ${object}  ${symbol.slice(0, 120)}`,
        );
      }
    }
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
