import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import {
  createClient,
  isMemoryRouterError,
  MemoryRouterError,
  type ImportProgress,
} from '@memoryrouter/client';
import { newClient } from './helpers';

const DAY = 86_400_000;

/** The thrown error of `run`, which must fail. */
async function failure(run: () => Promise<unknown>): Promise<MemoryRouterError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof MemoryRouterError) return error;
    throw error;
  }
  throw new Error('expected a MemoryRouterError');
}

describe('@memoryrouter/client against a live Worker', () => {
  it('stores, then finds by meaning in the right KRONOS windows, with the receipt', async () => {
    const { client } = await newClient();
    const now = Date.now();
    await client.storeMany([
      { content: 'My favourite colour is teal', createdAt: new Date(now - 10 * DAY).toISOString() },
      { content: 'I am allergic to peanuts', metadata: { topic: 'health' } },
      {
        content: 'We are planning a trip to Kyoto in April',
        vault: { kind: 'SESSION', id: 'user-42' },
      },
    ]);

    const found = await client.search({
      query: 'which colour do I like?',
      windows: [
        { window: 'HOT', limit: 3 },
        { window: 'LONG_TERM', limit: 3 },
      ],
    });
    const longTerm = found.hits.filter((hit) => hit.window === 'LONG_TERM');
    expect(longTerm.map((hit) => hit.memory.content)).toEqual(['My favourite colour is teal']);
    expect(found.hits.every((hit) => hit.memory.vault.kind === 'CORE')).toBe(true);
    expect(found.receipt).toMatchObject({ memoryTokens: found.memoryTokens });
    expect(found.receipt!.vaults).toEqual([expect.objectContaining({ vault: 'core', calls: 1 })]);
    expect(found.receipt!.windows).toContainEqual({ window: 'LONG_TERM', hits: 1 });

    const filtered = await client.search({
      query: 'food',
      mode: 'TEXT',
      metadata: { topic: 'health' },
      vaults: [{ kind: 'CORE' }, { kind: 'SESSION', id: 'user-42' }],
    });
    expect(filtered.hits.map((hit) => hit.memory.content)).toEqual([]);
    const session = await client.search({
      query: 'Kyoto trip',
      mode: 'TEXT',
      vaults: [{ kind: 'SESSION', id: 'user-42' }],
    });
    expect(session.hits.map((hit) => hit.memory.content)).toEqual([
      'We are planning a trip to Kyoto in April',
    ]);
  });

  it('pages through a vault, deletes one memory and clears the vault', async () => {
    const { client } = await newClient();
    const base = Date.now() - DAY;
    const stored = await client.storeMany(
      Array.from({ length: 5 }, (_, index) => ({
        content: `note ${index}`,
        createdAt: new Date(base + index * 60_000).toISOString(),
      })),
    );
    const first = await client.memories({ kind: 'CORE' }, { first: 2 });
    expect(first).toMatchObject({ kind: 'CORE', memoryCount: 5 });
    expect(first!.memories.edges.map((edge) => edge.node.content)).toEqual(['note 4', 'note 3']);
    expect(first!.memories.pageInfo.hasNextPage).toBe(true);
    const second = await client.memories(
      { kind: 'CORE' },
      { first: 2, after: first!.memories.pageInfo.endCursor },
    );
    expect(second!.memories.edges.map((edge) => edge.node.content)).toEqual(['note 2', 'note 1']);

    expect(await client.deleteMemory(stored[2]!.id)).toBe(true);
    expect(await client.memory(stored[2]!.id)).toBeNull();
    const again = await failure(() => client.deleteMemory(stored[2]!.id));
    expect(again.code).toBe('NOT_FOUND');

    expect(await client.clearVault({ kind: 'CORE' })).toBe(4);
    expect((await client.vaults()).map((vault) => [vault.kind, vault.memoryCount])).toEqual([
      ['CORE', 0],
    ]);
    expect(await client.memories({ kind: 'SESSION', id: 'never-written' })).toBeNull();
  });

  it('reaches every vault of a key past the first 100: vaults({ first }), vaultsPage and allVaults', async () => {
    const { client } = await newClient();
    // CORE and 104 sessions: 105 vaults, past the 100 `vaults` lists by default.
    const sessions = Array.from(
      { length: 104 },
      (_, index) => `u-${String(index).padStart(3, '0')}`,
    );
    const noteIn = (id: string) => ({
      content: `A note of ${id}`,
      vault: { kind: 'SESSION' as const, id },
    });
    await client.storeMany(sessions.slice(0, 100).map(noteIn));
    await client.storeMany([{ content: 'A note of CORE' }, ...sessions.slice(100).map(noteIn)]);
    const every = ['CORE', ...sessions];
    const nameOf = (vault: { kind: string; externalId?: string | null }) =>
      vault.externalId ?? vault.kind;

    // The default is unchanged; `first` reaches past it (before: no `first`, always 100).
    const listed = await client.vaults();
    expect(listed).toHaveLength(100);
    expect(listed[0]).toMatchObject({ kind: 'CORE', memoryCount: 1 });
    const all = await client.vaults({ first: 1000 });
    expect(all.map(nameOf).sort()).toEqual(every);

    // Page by page, in the same order, each vault once.
    const pages = [];
    let after: string | null = null;
    do {
      const page = await client.vaultsPage({ first: 40, after });
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(pages.map((page) => page.edges.length)).toEqual([40, 40, 25]);
    expect(pages.flatMap((page) => page.edges.map((edge) => nameOf(edge.node)))).toEqual(
      all.map(nameOf),
    );
    expect(pages[2]!.edges.at(-1)!.node).toMatchObject({ kind: 'SESSION', memoryCount: 1 });

    // The iterator reads page after page until the last.
    const iterated: string[] = [];
    for await (const vault of client.allVaults({ pageSize: 30 })) iterated.push(nameOf(vault));
    expect(iterated).toEqual(all.map(nameOf));

    // Out of bounds, or a cursor of nothing: coded, as the server words it.
    expect(await failure(() => client.vaults({ first: 1001 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(await failure(() => client.vaultsPage({ after: 'not-a-cursor' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CURSOR',
    });
  });

  it('raises coded errors with code and reason, and a refused write stores nothing', async () => {
    const { client } = await newClient();
    const stranger = createClient({ url: inject('liveUrl'), key: 'mk_bm9ib2R5.not-a-real-secret' });
    const refused = await failure(() => stranger.vaults());
    expect(refused).toBeInstanceOf(MemoryRouterError);
    expect(refused.code).toBe('UNAUTHENTICATED');

    await client.store({ content: 'first memory' });
    const mismatch = await failure(() =>
      client.store({ content: 'with a tiny vector', embedding: [0.1, 0.2, 0.3] }),
    );
    expect(mismatch).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMBEDDING_MISMATCH' });
    expect(isMemoryRouterError(mismatch, 'BAD_USER_INPUT')).toBe(true);
    expect((await client.vaults())[0]!.memoryCount).toBe(1);

    const badInput = await failure(() => client.search({ query: '' }));
    expect(badInput.code).toBe('BAD_USER_INPUT');

    const noServer = createClient({ url: 'http://127.0.0.1:9', key: 'mk_x.y' });
    expect((await failure(() => noServer.me())).code).toBe('NETWORK_ERROR');
  });

  it('streams a chat answer through the subscription, then the turn is remembered', async () => {
    const { client } = await newClient();
    await client.store({ content: 'The user likes green tea' });
    const events = [];
    for await (const event of client.chat({
      model: 'compatible/fake-model',
      messages: [{ role: 'USER', content: 'Which tea do I like to drink?' }],
    }))
      events.push(event);

    const final = events.at(-1)!;
    expect(final.done).toBe(true);
    const streamed = events.map((event) => event.delta ?? '').join('');
    expect(streamed).toBe('Fake llm.local.test heard: Which tea do I like to drink?');
    expect(final.result).toMatchObject({ content: streamed, provider: 'compatible' });
    expect(final.result!.memory.hits.map((hit) => hit.memory.content)).toContain(
      'The user likes green tea',
    );

    // The turn is stored after the answer completes (in the background):
    // wait for it to appear.
    await expect
      .poll(async () => (await client.vaults())[0]?.memoryCount, { timeout: 15_000 })
      .toBe(3);

    const missingKey = await failure(async () => {
      for await (const event of client.chat({
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'hi' }],
      }))
        void event;
    });
    expect(missingKey).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'PROVIDER_KEY_MISSING' });
  });

  it('follows a vault with memoryEvents, resuming from the last event id', async () => {
    const { client } = await newClient();
    const first = await client.store({ content: 'The user lives in Paris' });
    const controller = new AbortController();
    const events = client.memoryEvents(
      { kind: 'CORE' },
      { lastEventId: '0', signal: controller.signal },
    );
    const replayed = await events.next();
    expect(replayed.value).toMatchObject({ id: '1', type: 'ADDED', memoryId: first.id });
    await client.deleteMemory(first.id);
    expect((await events.next()).value).toMatchObject({
      id: '2',
      type: 'DELETED',
      memoryId: first.id,
    });
    controller.abort();
    expect((await events.next()).done).toBe(true);

    const second = await client.store({ content: 'The user lives in Berlin' });
    const resumed = client.memoryEvents({ kind: 'CORE' }, { lastEventId: '2' });
    expect((await resumed.next()).value).toMatchObject({
      id: '3',
      type: 'ADDED',
      content: 'The user lives in Berlin',
      memoryId: second.id,
    });
    await resumed.return();
  });

  it('reports usage per day and per key', async () => {
    const day = () => new Date().toISOString().slice(0, 10);
    const before = day();
    const { client } = await newClient();
    const stored = await client.store({ content: 'Usage is counted in memory tokens' });
    const usage = await client.usage();
    const me = await client.me();
    // The ledger is per UTC day: across midnight the store may count on either day.
    const today = usage.days[0]?.date === before ? before : day();
    expect(usage.memoryTokens).toBe(stored.tokens);
    expect(usage.days).toEqual([{ date: today, memoryTokens: stored.tokens }]);
    expect(usage.keys).toEqual([
      {
        keyId: me.id,
        memoryTokens: stored.tokens,
        days: [{ date: today, memoryTokens: stored.tokens }],
      },
    ]);
  });

  it('exports a vault and imports it elsewhere in parts, with progress and file line numbers', async () => {
    const { client } = await newClient();
    const base = Date.now() - DAY;
    await client.storeMany(
      Array.from({ length: 5 }, (_, index) => ({
        content: `exported memory ${index}`,
        metadata: { index },
        createdAt: new Date(base + index * 60_000).toISOString(),
      })),
    );
    const exported = await client.exportVault({ kind: 'CORE' });
    expect(exported).toMatchObject({ filename: 'core.jsonl', memoryCount: 5 });
    const text = await exported.response.text();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'memoryrouter.vault', count: 5 });
    expect(JSON.parse(lines[6]!)).toMatchObject({ trailer: true, count: 5 });

    // An edited export no longer matches its header's count and checksum: the
    // client refuses it whole before sending anything, as the server would.
    const target = { kind: 'SESSION', id: 'copy' } as const;
    const edited = [...lines.slice(0, 4), '{"content": ""}', ...lines.slice(4)];
    const refused = await failure(() =>
      client.importVault(target, edited.join('\n'), { linesPerRequest: 3 }),
    );
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COUNT_MISMATCH' });
    expect(await client.memories(target)).toBeNull();

    // Without them and the trailer (as README says to do after editing), a
    // bad line in the second part is reported with its line in the file.
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    delete header.count;
    delete header.checksum;
    const file = [JSON.stringify(header), ...edited.slice(1, -1)].join('\n');
    const progress: ImportProgress[] = [];
    const report = await client.importVault(target, new Blob([file]), {
      linesPerRequest: 3,
      onProgress: (step) => progress.push(step),
    });
    expect(report).toMatchObject({ imported: 5, failed: 1, skipped: 0 });
    expect(report.memoryTokens).toBeGreaterThan(0);
    expect(report.failures).toEqual([
      { line: 5, code: 'EMPTY_CONTENT', reason: expect.stringContaining('content') },
    ]);
    expect(progress.map((step) => step.linesDone)).toEqual([0, 3, 6, 7]);
    expect(progress.at(-1)).toMatchObject({ totalLines: 7, imported: 5, failed: 1 });

    const copy = await client.memories(target, { first: 10, order: 'OLDEST_FIRST' });
    expect(copy!.memories.edges.map((edge) => edge.node.content)).toEqual(
      Array.from({ length: 5 }, (_, index) => `exported memory ${index}`),
    );
    // The same file again changes nothing: every id is already there.
    const again = await client.importVault(target, file, { linesPerRequest: 3 });
    expect(again).toMatchObject({ imported: 0, skipped: 5, failed: 1 });

    const missing = await failure(() => client.exportVault({ kind: 'SESSION', id: 'bad id!' }));
    expect(missing.code).toBe('BAD_USER_INPUT');
  });

  const machineNode = process.env.MACHINE_NODE ?? '/usr/bin/node';
  it.runIf(existsSync(machineNode))(
    'runs as published in plain Node 20+ with no polyfills',
    async () => {
      const { key } = await newClient();
      const script = `
        import { createClient } from './packages/client/dist/index.js';
        const client = createClient({ url: process.env.URL, key: process.env.KEY });
        await client.store({ content: 'stored from plain Node' });
        const { hits } = await client.search({ query: 'plain Node', mode: 'TEXT' });
        console.log(JSON.stringify({ node: process.version, hits: hits.map((h) => h.memory.content) }));
      `;
      const { stdout } = await promisify(execFile)(
        machineNode,
        ['--input-type=module', '-e', script],
        { env: { ...process.env, URL: inject('liveUrl'), KEY: key } },
      );
      const result = JSON.parse(stdout) as { node: string; hits: string[] };
      expect(Number(/^v(\d+)/.exec(result.node)![1])).toBeGreaterThanOrEqual(20);
      expect(result.hits).toEqual(['stored from plain Node']);
    },
  );
});
