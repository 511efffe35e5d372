/**
 * `npm run bench:api:chat-pair`: a diagnostic for bench:api's chat row. It
 * starts `wrangler dev` as bench:api does (and, with `--base DIR`, a second
 * one from another checkout, for a paired before/after in one run), loads
 * one SESSION vault per server with bench:api's corpus, and times,
 * interleaved and shuffled per round on every server: `{ me { id } }`,
 * bench:api's 1-vault HYBRID search of the same vault (the read without the
 * chat), bench:api's chat request (memory READ: the key's never-written CORE vault
 * and SESSION bench-a), the same with a word of its own in every query (one
 * the isolate has not counted lately, as a chat at a person's pace finds its
 * words), the same with only the CORE vault (no session), the
 * same with memory off, with memory off and a system message as long as
 * READ's memory block, with READ's reads but a block of at most 40 tokens
 * (those two split the read from the prompt it makes), and the provider fake
 * called directly (with and without that system message). Per row: the
 * p50 time to the first bytes (the stream is then read to its end, as
 * bench:api reads it), the ratio to `me` of the same server, and the mean
 * Server-Timing phases, and the server's workerd CPU per request (mean; from
 * /proc, so less at the mercy of the machine's load than the wall times).
 *
 *   npm run bench:api:chat-pair -- --memories 10000 --samples 300
 *   npm run bench:api:chat-pair -- --base /tmp/main-checkout   # base (A) vs this checkout (B)
 *   npm run bench:api:chat-pair -- --base DIR --base-offset 10  # A on the ports + 10
 *   BENCH_API_PORT=8866 BENCH_API_INSPECTOR_PORT=9366 npm run bench:api:chat-pair
 *     (a second server takes the next port of each)
 *
 * Not part of `npm test`, and it writes nothing: only ratios within one run
 * mean anything.
 */
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { devServer } from '../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../test/live/setup/provider-fake';
import { adminToken } from './admin-token';
import { memoryBlockChars, sendChat, sendChatToFake } from './chat-request';
import { corpus, loadCorpus, type Corpus } from './corpus';
import { serverProcesses, threadCpuMs } from './process-cpu';
import { percentile, shuffler } from './rounds';
import { numberOption, textOption } from './options';

const MEMORIES = numberOption('memories', 10_000);
const SAMPLES = numberOption('samples', 300);
const BASE = textOption('base') || null;
/** `--base-offset N`: the base server's ports are this checkout's plus N (1 unless said). */
const BASE_OFFSET = numberOption('base-offset', 1);
const words = corpus();

interface Server {
  label: string;
  url: string;
  secret: string;
  /** The server's workerd processes, whose CPU each request is charged (process-cpu.ts). */
  workerd: number[];
  stop(): Promise<void>;
}

async function startServer(label: string, dir: string, offset: number, fakeUrl: string) {
  const port = Number(process.env.BENCH_API_PORT ?? 0);
  const inspector = Number(process.env.BENCH_API_INSPECTOR_PORT ?? 0);
  process.env.MEMORYROUTER_TEST_PORT = port ? String(port + offset) : '';
  process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = inspector ? String(inspector + offset) : '';
  const here = process.cwd();
  process.chdir(dir); // wrangler dev builds the checkout it starts in
  try {
    const server = await devServer({
      vars: {
        COMPATIBLE_BASE_URL: `${fakeUrl}/v1`,
        // No cold snapshot of the loaded vault falls into the measured rounds.
        SNAPSHOT_DELAY_SECONDS: '3600',
      },
    });
    const admin = await adminToken('bench');
    const created = (await graphqlAt(server.url, admin, {
      query: `mutation { createMemoryKey(name: "bench") { secret } }`,
    })) as { createMemoryKey: { secret: string } };
    const { workerd } = await serverProcesses(Number(new URL(server.url).port));
    return {
      label,
      url: server.url,
      secret: created.createMemoryKey.secret,
      workerd,
      stop: server.stop,
    };
  } finally {
    process.chdir(here);
  }
}

async function graphqlAt(url: string, token: string, body: object): Promise<unknown> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  if (parsed.errors?.length) throw new Error(`GraphQL: ${parsed.errors[0]!.message}`);
  return parsed.data;
}

/**
 * Loads bench:api's corpus into a server's SESSION bench-a. Every server gets
 * the same memories at the same times (a paired run compares the same
 * vault): the first draws them from `words`, which the queries then continue
 * as bench:api's do; the others from a fresh stream of the same seed.
 */
async function load(server: Server, from: Corpus, now: number): Promise<void> {
  const vault = { kind: 'SESSION', id: 'bench-a' };
  await loadCorpus(from, vault, { count: MEMORIES, now, inFlight: 4 }, (inputs) =>
    graphqlAt(server.url, server.secret, {
      query: `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`,
      variables: { inputs },
    }),
  );
}

/**
 * When the provider fake, which runs in this process (so on this clock), got
 * the last call's request and wrote its first bytes: they split a chat's time
 * to first bytes into the way to the provider (client, proxy, workerd, the
 * Worker's route, its fetch), the fake's own work, and the way back (the
 * Worker's pass-through, workerd, the proxy, the client).
 */
const fakeStamps = { arrived: NaN, firstWrite: NaN };

function stampFakeCalls(server: HttpServer): void {
  server.on('request', (_incoming, outgoing: ServerResponse) => {
    fakeStamps.arrived = performance.now();
    fakeStamps.firstWrite = NaN;
    const write = outgoing.write.bind(outgoing) as (...args: unknown[]) => boolean;
    outgoing.write = ((...args: unknown[]) => {
      if (Number.isNaN(fakeStamps.firstWrite)) fakeStamps.firstWrite = performance.now();
      return write(...args);
    }) as typeof outgoing.write;
  });
}

/** Milliseconds from `started` to a response's first bytes; the rest is then read to the end. */
async function firstBytes(response: Response, started: number): Promise<number> {
  const reader = response.body!.getReader();
  await reader.read();
  const firstAt = performance.now();
  const elapsed = firstAt - started;
  lastSplit =
    fakeStamps.arrived >= started
      ? [
          fakeStamps.arrived - started,
          fakeStamps.firstWrite - fakeStamps.arrived,
          firstAt - fakeStamps.firstWrite,
        ]
      : null;
  while (!(await reader.read()).done);
  return elapsed;
}

/** The last call's split (to the fake, the fake, back from it), when it called the fake. */
let lastSplit: [number, number, number] | null = null;

interface Row {
  name: string;
  server: string;
  call(): Promise<{ ms: number; timing: string | null }>;
}

/**
 * Filler as long as the memory block bench:api's READ chat sends (its
 * `x-memory-tokens` × 4 characters), read once per server after loading.
 */
async function blockSizedFiller(server: Server): Promise<string> {
  const chars = await memoryBlockChars({
    url: server.url,
    secret: server.secret,
    session: 'bench-a',
    query: words.longQuery(),
  });
  let filler = '';
  while (filler.length < chars) filler += `${words.longQuery()}. `;
  return filler;
}

/** Words no vault holds, one per call of the row that needs a word not counted lately. */
let freshWords = 0;

function rowsOf(server: Server, filler: string): Row[] {
  const chat =
    (
      name: string,
      headers: Record<string, string>,
      query = words.longQuery,
      system: string | null = null,
    ): Row['call'] =>
    async () => {
      const started = performance.now();
      const response = await sendChat({
        url: server.url,
        secret: server.secret,
        headers,
        query: query(),
        ...(system === null ? {} : { system }),
      });
      if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
      const timing = response.headers.get('server-timing');
      return { ms: await firstBytes(response, started), timing };
    };
  const me: Row['call'] = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.secret}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    await response.arrayBuffer();
    return { ms: performance.now() - started, timing: response.headers.get('server-timing') };
  };
  // bench:api's 1-vault HYBRID search of the same vault: the read a chat makes, without the chat.
  const search: Row['call'] = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.secret}` },
      body: JSON.stringify({
        query: `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`,
        variables: {
          input: {
            query: words.longQuery(),
            mode: 'HYBRID',
            vaults: [{ kind: 'SESSION', id: 'bench-a' }],
            windows: [
              { window: 'WORKING', limit: 10 },
              { window: 'LONG_TERM', limit: 10 },
            ],
          },
        },
      }),
    });
    await response.arrayBuffer();
    return { ms: performance.now() - started, timing: response.headers.get('server-timing') };
  };
  return [
    { name: '{ me { id } }', server: server.label, call: me },
    {
      name: 'search, 1 vault, HYBRID, 2 windows × 10 (bench:api)',
      server: server.label,
      call: search,
    },
    {
      name: 'chat READ, CORE + SESSION (bench:api)',
      server: server.label,
      call: chat('read', { 'x-memory-mode': 'read', 'x-session-id': 'bench-a' }),
    },
    {
      // A word of its own in every query: this isolate has not counted it
      // lately, as a chat at a person's pace (turns more than 5 s apart)
      // finds its words (resolvers/word-statistics-cache.ts).
      name: 'chat READ, CORE + SESSION, a word not counted lately',
      server: server.label,
      call: chat(
        'read-new-word',
        { 'x-memory-mode': 'read', 'x-session-id': 'bench-a' },
        () => `${words.longQuery()} note${++freshWords}`,
      ),
    },
    {
      name: 'chat READ, CORE only',
      server: server.label,
      call: chat('core', { 'x-memory-mode': 'read' }),
    },
    {
      // No letter or digit: nothing is embedded, the vault is still read (TEXT).
      name: 'chat READ, CORE only, nothing to embed',
      server: server.label,
      call: chat('core-text', { 'x-memory-mode': 'read' }, () => '?!'),
    },
    {
      name: 'chat, memory OFF',
      server: server.label,
      call: chat('off', { 'x-memory-mode': 'off' }),
    },
    // Two rows that split the memory read's cost from its prompt's: the
    // prompt READ sends without reading, and READ's reads with a tiny prompt.
    {
      // In a system message, where READ puts its block (the fake echoes the
      // user's words, so a long user message would lengthen its answer).
      name: "chat OFF, system message as long as READ's block",
      server: server.label,
      call: chat('off-long', { 'x-memory-mode': 'off' }, words.longQuery, filler),
    },
    {
      name: 'chat READ, CORE + SESSION, block ≤ 40 tokens',
      server: server.label,
      call: chat('read-small', {
        'x-memory-mode': 'read',
        'x-session-id': 'bench-a',
        'x-memory-context-limit': '40',
      }),
    },
  ];
}

function addPhases(sums: Map<string, number>, header: string | null) {
  for (const entry of (header ?? '').split(',')) {
    const [name, duration] = entry.trim().split(';dur=');
    if (!name || duration === undefined) continue;
    sums.set(name, (sums.get(name) ?? 0) + Number(duration));
  }
}

async function main() {
  const fake = await startProviderFake();
  stampFakeCalls(fake.server);
  const servers: Server[] = [];
  try {
    if (BASE !== null) servers.push(await startServer('A', BASE, BASE_OFFSET, fake.url));
    servers.push(await startServer(BASE === null ? 'this' : 'B', process.cwd(), 0, fake.url));
    const loadedAt = Date.now();
    for (const [at, server] of servers.entries()) {
      console.log(`loading ${MEMORIES} memories into ${server.label}'s SESSION bench-a…`);
      await load(server, at === 0 ? words : corpus(), loadedAt);
    }
    const fillers = await Promise.all(servers.map(blockSizedFiller));
    console.log(
      `READ's memory block: about ${fillers.map((f) => f.length).join(' / ')} characters`,
    );
    const directCall =
      (content: () => string, system: string | null = null): Row['call'] =>
      async () => {
        const started = performance.now();
        const response = await sendChatToFake(fake.url, content(), system);
        return { ms: await firstBytes(response, started), timing: null };
      };
    const direct: Row = {
      name: 'fake provider called directly',
      server: '-',
      call: directCall(() => 'hello'),
    };
    const directLong: Row = {
      name: "fake called directly, READ's block as system",
      server: '-',
      call: directCall(() => 'hello', fillers[0]!),
    };
    const rows = [
      ...servers.flatMap((server, at) => rowsOf(server, fillers[at]!)),
      direct,
      directLong,
    ];
    const key = (row: Row) => `${row.server}\u0000${row.name}`;
    const times = new Map(rows.map((row) => [key(row), [] as number[]]));
    const phases = new Map(rows.map((row) => [key(row), new Map<string, number>()]));
    const splits = new Map(rows.map((row) => [key(row), [[], [], []] as number[][]]));
    // workerd's CPU from before a request to its last byte: its clock moves
    // only on I/O and the wall times move with the machine's load, this less.
    const cpu = new Map(rows.map((row) => [key(row), 0]));
    const workerdOf = (row: Row) => servers.find((server) => server.label === row.server)?.workerd;
    for (let i = 0; i < 20; i++) for (const row of rows) await row.call(); // warm up
    const shuffle = shuffler(13);
    for (let round = 0; round < SAMPLES; round++) {
      for (const row of shuffle(rows)) {
        lastSplit = null;
        const pids = workerdOf(row);
        const before = pids ? await threadCpuMs(pids) : 0;
        const { ms, timing } = await row.call();
        if (pids) cpu.set(key(row), cpu.get(key(row))! + (await threadCpuMs(pids)) - before);
        times.get(key(row))!.push(ms);
        // Set by the call just made (TypeScript cannot see that it was).
        const split = lastSplit as [number, number, number] | null;
        if (split !== null) split.forEach((part, at) => splits.get(key(row))![at]!.push(part));
        addPhases(phases.get(key(row))!, timing);
      }
    }
    const p50 = (row: Row) =>
      percentile(
        [...times.get(key(row))!].sort((a, b) => a - b),
        50,
      );
    console.log(
      `\n${SAMPLES} rounds, ${MEMORIES} memories, rows interleaved and shuffled per round (${new Date().toISOString()})`,
    );
    for (const row of rows) {
      const me = rows.find((other) => other.server === row.server && other.name.startsWith('{ me'));
      const ratio = me ? ` ${(p50(row) / p50(me)).toFixed(2)}× me` : '';
      const sums = phases.get(key(row))!;
      const mean = [...sums]
        .map(([name, total]) => `${name} ${(total / SAMPLES).toFixed(2)}`)
        .join(', ');
      const cpuMs = workerdOf(row)
        ? `, workerd CPU ${(cpu.get(key(row))! / SAMPLES).toFixed(2)} ms`
        : '';
      console.log(
        `${row.server.padEnd(4)} ${row.name.padEnd(40)} p50 ${p50(row).toFixed(2)} ms${ratio}${cpuMs}`,
      );
      if (mean) console.log(`       ${mean}`);
      const [out, inFake, back] = splits.get(key(row))!.map((parts) =>
        parts.length === 0
          ? null
          : percentile(
              [...parts].sort((a, b) => a - b),
              50,
            ),
      );
      if (out != null)
        console.log(
          `       p50 to the fake ${out.toFixed(2)}, in the fake ${inFake!.toFixed(2)}, back to the client ${back!.toFixed(2)} ms`,
        );
    }
  } finally {
    for (const server of servers) await server.stop();
    fake.server.close();
  }
}

await main();
