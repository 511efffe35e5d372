/**
 * `npm run bench:api:profile`: where the Worker's CPU goes per request kind,
 * from workerd's own sampling profiler (the Chrome DevTools protocol on
 * `wrangler dev`'s inspector port). For each of `{ me { id } }`, a 1-vault
 * HYBRID search, the same search over 3 vaults, a single-memory store, a
 * `storeMemories` batch of 100 and a streamed chat with memory READ and the
 * same with memory OFF (or those named by `--only TEXT`) it starts
 * the profiler,
 * sends a burst of sequential requests, stops it, and prints self time by
 * function and by source module (esbuild marks each module of the bundle
 * with a `// path` comment, so no source map is needed).
 *
 *   npm run bench:api:profile -- --memories 2000 --requests 400
 *   npm run bench:api:profile -- --only store      # the scenarios whose name holds "store"
 *   npm run bench:api:profile -- --only "health|me {"   # the floor and `{ me { id } }`
 *   BENCH_API_PORT=8961 BENCH_API_INSPECTOR_PORT=9361 npm run bench:api:profile
 *   npm run bench:api:profile -- --only "batch of 100" --requests 100   # bulk store alone
 *   npm run bench:api:profile -- --interval 500   # sample every 500 µs (default 100)
 *   npm run bench:api:profile -- --wrangler "-c other.toml"   # more `wrangler dev` options
 *
 * Figures are samples of one isolate, Durable Objects included (wrangler dev
 * runs them in the Worker's process); they say where time goes, not how fast.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../test/live/setup/provider-fake';
import { corpus, corpusMemory } from './corpus';
import { adminToken } from './admin-token';
import { bundleModules } from './bundle-modules';
import { memoryBlockChars, sendChat } from './chat-request';
import { hasFlag, numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 2_000);
const REQUESTS = numberOption('requests', 400);
const TOP = numberOption('top', 25);
/** Microseconds between samples: fewer samples disturb the timing less. */
const INTERVAL = numberOption('interval', 100);
/** `--only store`: profile only the scenarios whose name contains this text (`a|b`: either). */
const ONLY = textOption('only').split('|');
/** `--wrangler "-c other.toml"`: more `wrangler dev` options, to profile another build. */
const WRANGLER = textOption('wrangler').split(' ').filter(Boolean);
/**
 * `--heap`: instead of CPU, sample allocations (V8's sampling heap profiler,
 * objects a minor or major GC collected included) and print bytes allocated
 * per request by module and function: what the garbage collector has to
 * clean up after each request.
 */
const HEAP = hasFlag('heap');
/** `--save DIR`: also write each scenario's raw profile there (for a timeline: profile-timeline.ts). */
const SAVE = textOption('save') || null;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One DevTools protocol session over the inspector's WebSocket (Node 22's global WebSocket). */
async function inspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
    title?: string;
  }[];
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  if (!target) throw new Error('the inspector lists no target');
  // wrangler's inspector proxy takes connections with an Origin header only
  // (undici's WebSocket accepts headers beside the standard arguments).
  const socket = new WebSocket(target.webSocketDebuggerUrl, {
    headers: { origin: `http://localhost:${port}` },
  } as unknown as string[]);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve) => {
        waiting.set(id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

function summarise(profile: Profile, moduleOf: (line: number) => string, requests: number) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, index) => {
    const dt = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
    const frame = byNode.get(nodeId)!.callFrame;
    const special = frame.url === '' || frame.functionName.startsWith('(');
    const module = special ? frame.functionName || '(native)' : moduleOf(frame.lineNumber);
    if (frame.functionName === '(idle)') return;
    total += dt;
    const name = `${frame.functionName || '(anonymous)'} ${module}:${frame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + dt);
    selfByModule.set(module, (selfByModule.get(module) ?? 0) + dt);
  });
  const table = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(
        ([name, ms]) =>
          `  ${(ms / requests).toFixed(3).padStart(7)} ms/req ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`,
      )
      .join('\n');
  return `busy ${(total / requests).toFixed(3)} ms/req (non-idle samples)\n by module:\n${table(selfByModule)}\n by function:\n${table(selfByFunction)}`;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** Allocated bytes per request by module and by function, from a sampling heap profile. */
function summariseHeap(head: HeapNode, moduleOf: (line: number) => string, requests: number) {
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const frame = node.callFrame;
    const special = frame.url === '' || frame.functionName.startsWith('(');
    const module = special ? frame.functionName || '(native)' : moduleOf(frame.lineNumber);
    const name = `${frame.functionName || '(anonymous)'} ${module}:${frame.lineNumber + 1}`;
    total += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    byModule.set(module, (byModule.get(module) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(head);
  const kib = (bytes: number) => (bytes / requests / 1024).toFixed(1).padStart(8);
  const table = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, bytes]) => `  ${kib(bytes)} KiB/req  ${name}`)
      .join('\n');
  return `allocated ${kib(total)} KiB/req\n by module:\n${table(byModule)}\n by function:\n${table(byFunction)}`;
}

async function main() {
  process.env.MEMORYROUTER_TEST_PORT = process.env.BENCH_API_PORT ?? '';
  // The inspector must be reachable at a known port: no free-port default.
  const inspectorPort = Number(process.env.BENCH_API_INSPECTOR_PORT);
  if (!inspectorPort) throw new Error('set BENCH_API_INSPECTOR_PORT (and BENCH_API_PORT)');
  process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = String(inspectorPort);
  const fake = await startProviderFake();
  const server = await devServer({
    vars: { COMPATIBLE_BASE_URL: `${fake.url}/v1` },
    args: WRANGLER,
  });
  try {
    const { url } = server;
    const post = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        data?: Record<string, Record<string, unknown>>;
        errors?: { message: string }[];
      };
      if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
      return body.data!;
    };
    const admin = await adminToken('profile');
    const secret = (await post(admin, `mutation { createMemoryKey(name: "profile") { secret } }`))
      .createMemoryKey!.secret as string;
    const vault = { kind: 'SESSION', id: 'profile-a' };
    const words = 'meeting project budget coffee garden holiday train doctor piano lake dog'.split(
      ' ',
    );
    const sentence = (n: number, salt: number) =>
      Array.from({ length: n }, (_, i) => words[(salt * 7 + i * 3) % words.length]).join(' ');
    // The 3-vault search's two other vaults are loaded only when it is profiled.
    const others = [
      { kind: 'SESSION', id: 'profile-b' },
      { kind: 'SESSION', id: 'profile-c' },
    ];
    const loaded = ONLY.some((part) => '3-vault HYBRID search'.includes(part))
      ? [vault, ...others]
      : [vault];
    for (const [at, into] of loaded.entries())
      for (let batch = 0; batch * 100 < MEMORIES; batch++) {
        const inputs = Array.from({ length: 100 }, (_, i) => ({
          vault: into,
          content: sentence(8 + ((batch + i) % 12), batch * 100 + i + at * 7),
        }));
        await post(
          secret,
          `mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }`,
          {
            i: inputs,
          },
        );
      }
    const moduleOf = await bundleModules();
    const loadWords = corpus();
    const loadStart = Date.now();
    /** A streamed chat as bench:api's row sends it, with the memory mode given. */
    const chatCall =
      (mode: 'read' | 'off', system = '') =>
      async (i: number) => {
        const response = await sendChat({
          url,
          secret,
          providerKey: 'sk-profile',
          mode,
          session: vault.id,
          query: sentence(8 + (i % 12), i),
          ...(system === '' ? {} : { system }),
        });
        if (!response.ok) throw new Error(`chat: ${response.status} ${await response.text()}`);
        // Read to the end, as a real client (and bench:api's TTFT row) does.
        await response.arrayBuffer();
      };
    // A memory-OFF chat with a system message as long as the memory block a
    // READ chat sends (its tokens × 4 characters; a system message, as the
    // block is, since the fake echoes the user's words): does the provider
    // call slow down with the prompt's size rather than with the read?
    const blockChars = await memoryBlockChars({
      url,
      secret,
      providerKey: 'sk-profile',
      session: vault.id,
      query: sentence(12, 1),
    });
    let padding = '';
    for (let i = 0; padding.length < blockChars; i++) padding += `${sentence(12, i)}. `;
    const scenarios: [string, (i: number) => Promise<void>][] = [
      // The floor: what the Worker does for a request that reads nothing.
      ['GET /health', async () => void (await (await fetch(`${url}/health`)).arrayBuffer())],
      ['{ me { id } }', async () => void (await post(secret, '{ me { id } }'))],
      [
        '1-vault HYBRID search',
        async (i) =>
          void (await post(
            secret,
            `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`,
            {
              input: {
                query: sentence(8 + (i % 12), i),
                mode: 'HYBRID',
                vaults: [vault],
                windows: [
                  { window: 'WORKING', limit: 10 },
                  { window: 'LONG_TERM', limit: 10 },
                ],
              },
            },
          )),
      ],
      [
        // Added by i13-fan: the same search over three vaults (the first by
        // name leads it and reads the other two itself).
        '3-vault HYBRID search',
        async (i) =>
          void (await post(
            secret,
            `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`,
            {
              input: {
                query: sentence(8 + (i % 12), i),
                mode: 'HYBRID',
                vaults: [vault, ...others],
                windows: [
                  { window: 'WORKING', limit: 10 },
                  { window: 'LONG_TERM', limit: 10 },
                ],
              },
            },
          )),
      ],
      [
        'storeMemories, 1 memory',
        async (i) =>
          void (await post(
            secret,
            `mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }`,
            { i: [{ vault: { kind: 'SESSION', id: 'profile-writes' }, content: sentence(12, i) }] },
          )),
      ],
      [
        // A new batch each call (distinct contents), into a vault of its own.
        'storeMemories, batch of 100',
        async (i) =>
          void (await post(
            secret,
            `mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }`,
            {
              i: Array.from({ length: 100 }, (_, j) => ({
                vault: { kind: 'SESSION', id: 'profile-bulk' },
                content: sentence(8 + ((i + j) % 12), i * 100 + j + 1_000_000),
              })),
            },
          )),
      ],
      [
        // bench:api's own load: its corpus, each batch spread over 60 days
        // (so it lands among the rows already held), into a vault of its own.
        'storeMemories, batch of 100 as bench:api loads',
        async (i) =>
          void (await post(
            secret,
            `mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }`,
            {
              i: Array.from({ length: 100 }, (_, j) => {
                const { content, createdAt } = corpusMemory(loadWords, i * 100 + j, loadStart);
                return {
                  vault: { kind: 'SESSION', id: 'profile-bulk-backdated' },
                  content,
                  createdAt: new Date(createdAt).toISOString(),
                };
              }),
            },
          )),
      ],
      ['chat TTFT, memory READ', chatCall('read')],
      // The same chat with memory off: what the memory read adds is the difference.
      ['chat TTFT, memory OFF', chatCall('off')],
      [`chat TTFT, memory OFF, system message as long as READ's block`, chatCall('off', padding)],
    ];
    const session = await inspector(inspectorPort);
    if (HEAP) await session.send('HeapProfiler.enable');
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: INTERVAL });
    for (const [name, call] of scenarios.filter(([name]) =>
      ONLY.some((part) => name.includes(part)),
    )) {
      for (let i = 0; i < 30; i++) await call(i); // warm up
      if (HEAP) {
        await session.send('HeapProfiler.startSampling', {
          samplingInterval: 1024,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        for (let i = 0; i < REQUESTS; i++) await call(i);
        const { profile } = await session.send<{ profile: { head: HeapNode } }>(
          'HeapProfiler.stopSampling',
        );
        console.log(`\n== ${name}: ${REQUESTS} requests, bytes allocated (sampled)`);
        console.log(summariseHeap(profile.head, moduleOf, REQUESTS));
        continue;
      }
      await session.send('Profiler.start');
      const started = performance.now();
      for (let i = 0; i < REQUESTS; i++) await call(i);
      const elapsed = performance.now() - started;
      const { profile } = await session.send<{ profile: Profile }>('Profiler.stop');
      console.log(
        `\n== ${name}: ${REQUESTS} requests, ${(elapsed / REQUESTS).toFixed(2)} ms each (profiler on)`,
      );
      console.log(summarise(profile, moduleOf, REQUESTS));
      if (SAVE !== null) {
        await mkdir(SAVE, { recursive: true });
        const file = join(SAVE, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.cpuprofile`);
        // Each node names its bundle module, so the file reads without the bundle.
        const nodes = profile.nodes.map((node) => ({
          ...node,
          module: moduleOf(node.callFrame.lineNumber),
        }));
        await writeFile(file, JSON.stringify({ ...profile, nodes }));
        console.log(` raw profile: ${file}`);
      }
    }
    session.close();
  } finally {
    await server.stop();
    fake.server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
