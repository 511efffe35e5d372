import { describe, expect, it } from 'vitest';
// The package's source, as a Worker that depends on @memoryrouter/client bundles it.
import { createClient, MemoryRouterError } from '../packages/client/src/index';
import apiPage from '../docs/api.md?raw';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';

/** The typed client running inside workerd (the Workers runtime), no polyfills. */
describe('@memoryrouter/client inside a Worker', () => {
  it('stores, searches with a receipt, and raises coded errors', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const stored = await client.store({
      content: 'The office moved to Lisbon',
      metadata: { team: 'ops' },
    });
    const found = await client.search({ query: 'where is the office?', metadata: { team: 'ops' } });
    expect(found.hits.map((hit) => hit.memory.id)).toEqual([stored.id]);
    expect(found.receipt?.memoryTokens).toBe(stored.tokens);

    const error = await client.deleteMemory('mem_nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryRouterError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('retries a store safely with an idempotency key', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const inputs = [{ content: 'first of two' }, { content: 'second of two' }];
    const first = await client.storeMany(inputs, { idempotencyKey: 'client-retry' });
    const retry = await client.storeMany(inputs, { idempotencyKey: 'client-retry' });
    expect(retry.map((memory) => memory.id)).toEqual(first.map((memory) => memory.id));
    const reused = await client
      .storeMany([{ content: 'other' }], { idempotencyKey: 'client-retry' })
      .catch((caught: unknown) => caught);
    expect(reused).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('says when a store was a replay, and which of its memories were deleted since', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const inputs = [{ content: 'kept on replay' }, { content: 'deleted before the replay' }];
    const first = await client.storeMany(inputs, { idempotencyKey: 'replay-facts' });
    expect(first.replay).toEqual({ replayed: false, deletedSince: [] });
    const single = await client.store({ content: 'one alone' }, { idempotencyKey: 'one-alone' });
    expect(single.replay).toEqual({ replayed: false, deletedSince: [] });

    await client.deleteMemory(first[1]!.id);
    const retry = await client.storeMany(inputs, { idempotencyKey: 'replay-facts' });
    expect(retry.map((memory) => memory.id)).toEqual(first.map((memory) => memory.id));
    expect(retry.replay).toEqual({ replayed: true, deletedSince: [first[1]!.id] });
    expect(await client.memory(first[1]!.id)).toBeNull();
    const again = await client.store({ content: 'one alone' }, { idempotencyKey: 'one-alone' });
    expect(again.replay).toEqual({ replayed: true, deletedSince: [] });
    // Non-breaking: the memories and the array look as they did before (JSON, spreading, equality).
    expect(JSON.parse(JSON.stringify(again))).toEqual(again);
    expect(Object.keys(again)).not.toContain('replay');
    expect(Object.keys(retry)).toEqual(['0', '1']);
  });

  it('stores with fact extraction: extract and providerKey sent, facts filled', async () => {
    await resetFakes();
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    await scriptFake({
      host: 'api.openai.com',
      toolArguments: JSON.stringify({ facts: ['The user has a sister named Ana'] }),
    });
    const stored = await client.storeMany([{ content: 'My sister Ana is a nurse' }], {
      extract: { model: 'openai/gpt-4o-mini' },
      providerKey: 'sk-client',
    });
    expect(stored.facts).toMatchObject({
      extracted: 1,
      added: [{ content: 'The user has a sister named Ana' }],
      failure: null,
    });
    const calls = (await fakeCalls()).filter((call) => call.host === 'api.openai.com');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.authorization).toBe('Bearer sk-client');
    expect(Object.keys(stored)).toEqual(['0']);

    const one = await client.store(
      { content: 'We moved to Berlin last month' },
      { extract: { model: 'openai/gpt-4o-mini' }, providerKey: 'sk-client' },
    );
    expect(one.facts).toMatchObject({ failure: null });
    expect((await client.store({ content: 'no extraction' })).facts).toBeNull();
  });

  it('edits a memory, lists by filter and deletes in bulk', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const [paris, tea] = await client.storeMany([
      { content: 'I live in Paris', metadata: { kind: 'home' } },
      { content: 'I like green tea', metadata: { kind: 'taste' } },
    ]);
    const edited = await client.updateMemory({ id: paris!.id, content: 'I moved to Berlin' });
    expect(edited).toMatchObject({ id: paris!.id, content: 'I moved to Berlin' });
    const homes = await client.memories(
      { kind: 'CORE' },
      { filter: { metadata: { kind: 'home' } } },
    );
    expect(homes?.memories.edges.map((edge) => edge.node.content)).toEqual(['I moved to Berlin']);
    const deleted = await client.deleteMemories([paris!.id, tea!.id, paris!.id]);
    expect(deleted).toEqual({ count: 2, deletedIds: [paris!.id, tea!.id], notFoundIds: [] });
  });

  it('streams a chat through graphql-sse', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const deltas: string[] = [];
    for await (const event of client.chat({
      model: 'compatible/small',
      messages: [{ role: 'USER', content: 'hello from a Worker' }],
      memoryMode: 'OFF',
    })) {
      if (event.delta) deltas.push(event.delta);
      if (event.done) expect(event.result?.content).toBe(deltas.join(''));
    }
    expect(deltas.join('')).toBe('Fake llm.local.test heard: hello from a Worker');
  });
});

describe('@memoryrouter/client importVault', () => {
  async function exported(client: ReturnType<typeof createClient>) {
    await client.storeMany(
      Array.from({ length: 5 }, (_, index) => ({
        vault: { kind: 'SESSION', id: 'origin' },
        content: `exported memory ${index}`,
      })),
    );
    return (await client.exportVault({ kind: 'SESSION', id: 'origin' })).response.text();
  }

  it('imports an intact export in parts, summing what each part billed', async () => {
    // The server checks a header's count against one request's lines: before,
    // each part repeated the file's header and was refused (COUNT_MISMATCH).
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const file = await exported(client);
    const report = await client.importVault({ kind: 'SESSION', id: 'copy' }, file, {
      linesPerRequest: 2,
    });
    expect(report).toMatchObject({
      imported: 5,
      failed: 0,
      embeddingModel: 'use-lite-static-384@1',
      dimensions: 384,
    });
    const usage = await client.usage();
    // Stored twice over (the origin, then the copy): the copy billed half.
    expect(report.memoryTokens * 2).toBe(usage.memoryTokens);
  });

  it('refuses an altered export before sending anything', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const file = (await exported(client)).replace('exported memory 3', 'altered memory 3');
    const error = await client
      .importVault({ kind: 'SESSION', id: 'copy' }, file, { linesPerRequest: 2 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryRouterError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CHECKSUM_MISMATCH' });
    expect(await client.memories({ kind: 'SESSION', id: 'copy' })).toBeNull();
  });

  it('refuses an export cut short (its trailer lost) before sending anything', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const whole = (await exported(client)).trimEnd().split('\n');
    expect(JSON.parse(whole.at(-1)!)).toMatchObject({ trailer: true });
    const file = `${whole.slice(0, -1).join('\n')}\n`;
    const error = await client
      .importVault({ kind: 'SESSION', id: 'copy-cut' }, file, { linesPerRequest: 2 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryRouterError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COUNT_MISMATCH' });
    expect(await client.memories({ kind: 'SESSION', id: 'copy-cut' })).toBeNull();
  });
});

describe('@memoryrouter/client exportVault', () => {
  it('gives the file name, the memory count and the file, whose last line carries the checksum', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    await client.store({ vault: { kind: 'SESSION', id: 'exported' }, content: 'one memory' });
    const exported = await client.exportVault({ kind: 'SESSION', id: 'exported' });
    // Before: a `checksum` field read from a header exports no longer send, always ''.
    expect(Object.keys(exported).sort()).toEqual(['filename', 'memoryCount', 'response']);
    expect(exported).toMatchObject({ filename: 'session-exported.jsonl', memoryCount: 1 });
    const trailer = JSON.parse((await exported.response.text()).trim().split('\n').at(-1)!);
    expect(trailer).toMatchObject({ trailer: true, count: 1 });
    expect(trailer.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('raises NOT_FOUND (VAULT_NOT_FOUND) for a session never written', async () => {
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const error = await client
      .exportVault({ kind: 'SESSION', id: 'nonexistent-zz' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryRouterError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', reason: 'VAULT_NOT_FOUND' });
  });
});

describe("docs/api.md's typed-client example", () => {
  it('promises the error the client raises for a vector of its own in a vault the deployment embeds', async () => {
    const example = apiPage.slice(apiPage.indexOf('import { createClient, isMemoryRouterError }'));
    const promised = /\/\/ (BAD_USER_INPUT) ([A-Z_]+) …/.exec(example);
    expect(promised).not.toBeNull();
    const { secret } = await newKey();
    const client = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    // The example's own two stores, in its order.
    await client.store({
      content: 'My favourite colour is teal',
      createdAt: '2026-10-01T09:00:00Z',
    });
    const error = await client
      .store({ content: 'x', embedding: [0.1, 0.2] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryRouterError);
    expect(error).toMatchObject({ code: promised![1], reason: promised![2] });
  });
});
