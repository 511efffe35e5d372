import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GetVaultDocument, SearchVersionsDocument } from '../generated/graphql';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { maxImportLineBytes } from '../../src/vaults/jsonl';
import { splitLines } from '../../src/vaults/line-splitter';

const DAY = 86_400_000;
/** The embedder tests run with (wrangler.toml's default). */
const DEPLOYMENT_MODEL = 'use-lite-static-384@1';
const encoder = new TextEncoder();

interface Report {
  imported: number;
  skipped: number;
  failed: number;
  failures: { line: number; reason: string; code: string }[];
}

/** A body delivered in chunks of `size` bytes, so lines arrive in pieces. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += size)
        controller.enqueue(bytes.slice(offset, offset + size));
      controller.close();
    },
  });
}

async function importInto(
  secret: string,
  path: string,
  body: BodyInit,
  accept?: string,
): Promise<Response> {
  return workerFetch(`${BASE_URL}/v1/vaults/${path}/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, ...(accept ? { accept } : {}) },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function contents(api: Awaited<ReturnType<typeof newKey>>['api'], id: string) {
  const { vault } = await api.request(GetVaultDocument, {
    selector: { kind: 'SESSION', id },
    first: 100,
    order: 'OLDEST_FIRST',
  });
  return vault?.memories.edges.map((edge) => edge.node.content) ?? [];
}

describe('splitLines', () => {
  it('splits on \\n and \\r\\n across chunk boundaries, counting lines it will not keep', async () => {
    const text = 'first\r\nsecond\n\nlonger line that is over the cap\nlast';
    const lines = [];
    for await (const line of splitLines(chunked(encoder.encode(text), 3), 20)) lines.push(line);
    expect(
      lines.map((line) => [
        line.number,
        line.bytes && new TextDecoder().decode(line.bytes),
        line.length,
      ]),
    ).toEqual([
      [1, 'first', 6],
      [2, 'second', 6],
      [3, '', 0],
      [4, null, 32],
      [5, 'last', 4],
    ]);
  });
});

describe('POST /v1/vaults/…/import, line by line', () => {
  it('stores every valid line and reports each bad one by its own line number', async () => {
    // Before: a future timestamp on line 7 failed its whole batch of 11 lines,
    // 10 of them valid, and the message named "memory 6", a batch position.
    const { api, secret } = await newKey();
    const now = Date.now();
    const lines = Array.from({ length: 11 }, (_, i) =>
      JSON.stringify({ content: `diary line ${i + 1}`, timestamp: now - (11 - i) * 60_000 }),
    );
    lines[6] = JSON.stringify({ content: 'from the future', timestamp: now + 30 * DAY });
    const report = (await (
      await importInto(secret, 'session/future', lines.join('\n'))
    ).json()) as Report;
    expect(report).toMatchObject({ imported: 10, skipped: 0, failed: 1 });
    // Said with the latest time taken and the time given (review 253 F4:
    // "in the future" misled a client whose clock runs a little fast).
    expect(report.failures).toEqual([
      {
        line: 7,
        reason: expect.stringMatching(
          new RegExp(
            `^createdAt must be at most 60 seconds ahead of the server's clock \\(\\d{4}-[^)]+Z\\); ${new Date(now + 30 * DAY).toISOString()} is after it$`,
          ),
        ) as string,
        code: 'CREATED_AT_RANGE',
      },
    ]);
    expect(await contents(api, 'future')).toHaveLength(10);
  });

  it('checks each line completely on its own', async () => {
    const { api, secret } = await newKey();
    // Every line brings its own 4-dimensional vector, so the vault's
    // dimensions are fixed by line 1 and each line is judged on its own.
    const valid = (content: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ content, embedding: [0.1, 0.2, 0.3, 0.4], ...extra });
    const longLine = valid(
      'x'.repeat(maxImportLineBytes(Number(env.MAX_CONTENT_BYTES ?? 32_768)) + 10),
    );
    const parts: (string | Uint8Array)[] = [
      valid('kept 1', { role: 'user' }), // 1
      new Uint8Array([0x7b, 0x22, 0x63, 0xff, 0xfe, 0x7d]), // 2: invalid UTF-8
      '{"content": "lone \\ud800 surrogate"}', // 3
      valid('kept 2', { role: 'ASSISTANT', id: 'same-id' }), // 4
      valid('repeat', { id: 'same-id' }), // 5
      valid('bad id', { id: 'has spaces' }), // 6
      longLine, // 7
      valid('year zero', { createdAt: '0000-01-01T00:00:00Z' }), // 8
      valid('zero vector', { embedding: [0, 0, 0, 0] }), // 9
      valid('kept 3', { role: 'System', metadata: { a: 1 } }), // 10
      valid('big metadata', { metadata: { blob: 'y'.repeat(17_000) } }), // 11
      valid('robot', { role: 'robot' }), // 12
      '[1, 2, 3]', // 13
      valid('huge vector', { embedding: [1e308, 1e308, 1, 1] }), // 14: valid, however large
      valid('tiny vector', { embedding: [1e-200, 2e-200, 0, 0] }), // 15: valid, however small
      valid('three numbers', { embedding: [1, 2, 3] }), // 16
      JSON.stringify({ content: 'odd bytes', embedding: 'AAAAAAA' }), // 17: 5 bytes, no whole float32
    ];
    const bytes = parts.flatMap((part) => [
      typeof part === 'string' ? encoder.encode(part) : part,
      encoder.encode('\n'),
    ]);
    const body = new Uint8Array(bytes.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of bytes) {
      body.set(part, offset);
      offset += part.length;
    }
    const report = (await (
      await importInto(secret, 'session/each', chunked(body, 4096))
    ).json()) as Report;
    expect(report.failures.map((failure) => [failure.line, failure.code])).toEqual([
      [2, 'INVALID_TEXT'],
      [3, 'INVALID_TEXT'],
      [5, 'DUPLICATE_ID'],
      [6, 'INVALID_ID'],
      [7, 'LINE_TOO_LONG'],
      [8, 'CREATED_AT_RANGE'],
      [9, 'EMBEDDING_ZERO'],
      [11, 'METADATA_TOO_LARGE'],
      [12, 'INVALID_ROLE'],
      [13, 'INVALID_JSON'],
      [16, 'EMBEDDING_DIMENSIONS'],
      [17, 'INVALID_EMBEDDING'],
    ]);
    expect(report).toMatchObject({ imported: 5, skipped: 0, failed: 12 });
    expect((await contents(api, 'each')).sort()).toEqual([
      'huge vector',
      'kept 1',
      'kept 2',
      'kept 3',
      'tiny vector',
    ]);
  });

  it('reads the header line without counting it, and takes roles in either case', async () => {
    const { api, secret } = await newKey();
    const header = JSON.stringify({
      format: 'memoryrouter.vault',
      version: 1,
      kind: 'SESSION',
      count: 2,
    });
    const lines = [
      header,
      JSON.stringify({ content: 'lower', role: 'user', timestamp: Date.now() - 2000 }),
      JSON.stringify({ content: 'upper', role: 'ASSISTANT', timestamp: Date.now() - 1000 }),
    ];
    expect(await (await importInto(secret, 'session/roles', lines.join('\n'))).json()).toEqual({
      imported: 2,
      skipped: 0,
      failed: 0,
      failures: [],
      memoryTokens: 2,
      embeddingModel: DEPLOYMENT_MODEL,
      dimensions: 384,
    });
    expect(await contents(api, 'roles')).toEqual(['lower', 'upper']);
  });

  it('keeps what an export says was superseded: out of searches, in history, in the next export', async () => {
    // Before: validUntil and supersededBy were dropped, so an exported vault's
    // superseded facts came back current after an import.
    const { api, secret } = await newKey();
    const day = (n: number) => Date.now() - n * DAY;
    // The first three lines as an export writes them (validUntil in milliseconds).
    const lines = [
      {
        id: 'paris',
        content: 'The user lives in Paris',
        timestamp: day(30),
        validUntil: day(5),
        supersededBy: 'berlin',
      },
      { id: 'berlin', content: 'The user lives in Berlin', timestamp: day(5) },
      {
        id: 'cat',
        content: 'The user has a cat called Tom',
        timestamp: day(20),
        validUntil: day(2),
        supersededBy: null,
      },
    ].map((line) => JSON.stringify(line));
    lines.push(
      JSON.stringify({ content: 'orphan successor', supersededBy: 'berlin' }),
      JSON.stringify({ content: 'ends before it began', timestamp: day(3), validUntil: day(4) }),
      JSON.stringify({ content: 'ends later on', validUntil: Date.now() + 30 * DAY }),
    );
    const report = (await (
      await importInto(secret, 'session/history', lines.join('\n'))
    ).json()) as Report;
    expect(report.failures.map((failure) => [failure.line, failure.code])).toEqual([
      [4, 'VALID_UNTIL_MISSING'],
      [5, 'VALID_UNTIL_RANGE'],
      [6, 'VALID_UNTIL_RANGE'],
    ]);
    expect(report).toMatchObject({ imported: 3, failed: 3 });

    const search = async (query: string, includeSuperseded: boolean) =>
      (
        await api.request(SearchVersionsDocument, {
          input: {
            query,
            vaults: [{ kind: 'SESSION', id: 'history' }],
            ...(includeSuperseded ? { includeSuperseded } : {}),
          },
        })
      ).search.hits.map((hit) => hit.memory);
    expect((await search('where does the user live', false)).map((m) => m.content)).toEqual([
      'The user lives in Berlin',
    ]);
    const tom = 'The user has a cat called Tom';
    expect((await search('cat called Tom', false)).map((m) => m.content)).not.toContain(tom);
    expect((await search('cat called Tom', true)).map((m) => m.content)).toContain(tom);
    const all = await search('where does the user live', true);
    const paris = all.find((memory) => memory.content.includes('Paris'))!;
    const berlin = all.find((memory) => memory.content.includes('Berlin'))!;
    expect(paris.validUntil).not.toBeNull();
    expect(paris.supersededBy?.id).toBe(berlin.id);
    expect(berlin.validUntil).toBeNull();

    const exported = await workerFetch(`${BASE_URL}/v1/vaults/session/history/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    const byId = new Map(
      new TextDecoder()
        .decode(await exported.arrayBuffer())
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .map((line) => [line.id, line]),
    );
    const original = lines.slice(0, 3).map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of original.filter((line) => 'validUntil' in line)) {
      expect(byId.get(line.id)).toMatchObject({
        validUntil: line.validUntil,
        supersededBy: line.supersededBy,
      });
    }
    expect(byId.get('berlin')).not.toHaveProperty('validUntil');
  });

  it('an import under way stops once its key is revoked and its vaults deleted, leaving nothing', async () => {
    const { secret, keyId, adminToken: admin } = await newKey();
    const lines = (from: number) =>
      encoder.encode(
        Array.from({ length: 100 }, (_, i) => JSON.stringify({ content: `entry ${from + i}` }))
          .map((line) => `${line}\n`)
          .join(''),
      );
    let sender!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (controller) => (sender = controller) });
    sender.enqueue(lines(0));
    const response = await importInto(secret, 'session/imp-rev', body, 'application/x-ndjson');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"progress"')) text += (await reader.read()).value ?? '';
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({ type: 'progress', imported: 100 });
    // The admin off-boards the key while the file is still arriving.
    expect(
      (await post('mutation($id: ID!) { revokeMemoryKey(id: $id) }', { id: keyId }, admin)).errors,
    ).toBeUndefined();
    const deleted = await post<{ deleteKeyVaults: { memoriesRemoved: number } }>(
      'mutation($id: ID!) { deleteKeyVaults(id: $id) { memoriesRemoved } }',
      { id: keyId },
      admin,
    );
    expect(deleted.data?.deleteKeyVaults.memoriesRemoved).toBe(100);
    sender.enqueue(lines(100));
    sender.enqueue(lines(200));
    sender.close();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += chunk.value;
    const last = JSON.parse(text.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
    // Before: the next 200 lines went into the emptied vault ("imported": 300);
    // then each line was tried, and taken back, one by one ("failed": 200).
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
    });
    const address: VaultAddress = { kind: 'SESSION', keyId, externalId: 'imp-rev' };
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    expect(await stub.stats(address)).toMatchObject({ ok: true, stats: { exists: false } });
  });

  it('streams progress as NDJSON, ending with the same report', async () => {
    const { secret } = await newKey();
    const file = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({ content: `entry ${i}`, timestamp: Date.now() - i * 1000 }),
    ).join('\n');
    const response = await importInto(secret, 'session/progress', file, 'application/x-ndjson');
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const events = new TextDecoder()
      .decode(await response.arrayBuffer())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; imported: number; line?: number });
    expect(events.map((event) => [event.type, event.imported])).toEqual([
      ['progress', 100],
      ['progress', 200],
      ['progress', 250],
      ['report', 250],
    ]);
    expect(events.at(-1)).toEqual({
      type: 'report',
      imported: 250,
      skipped: 0,
      failed: 0,
      failures: [],
      memoryTokens: 750,
      embeddingModel: DEPLOYMENT_MODEL,
      dimensions: 384,
    });
  });

  it('streams progress as server-sent events when asked for text/event-stream', async () => {
    const { secret } = await newKey();
    const file = [
      JSON.stringify({ content: 'one' }),
      'not json',
      JSON.stringify({ content: 'two' }),
    ].join('\n');
    const response = await importInto(secret, 'session/sse', file, 'text/event-stream');
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = new TextDecoder().decode(await response.arrayBuffer());
    const events = text
      .trim()
      .split('\n\n')
      .map((block) => {
        const [event, data] = block.split('\n');
        return [event!.replace('event: ', ''), JSON.parse(data!.replace('data: ', ''))];
      });
    expect(events).toEqual([
      ['progress', { line: 3, imported: 2, skipped: 0, failed: 1 }],
      [
        'report',
        {
          imported: 2,
          skipped: 0,
          failed: 1,
          failures: [{ line: 2, reason: 'not valid JSON', code: 'INVALID_JSON' }],
          memoryTokens: 2,
          embeddingModel: DEPLOYMENT_MODEL,
          dimensions: 384,
        },
      ],
    ]);
  });

  it('imports its own export of the longest line a store can make (short words, control characters, full metadata)', async () => {
    const { api, secret } = await newKey();
    const maxContent = Number(env.MAX_CONTENT_BYTES ?? 32_768);
    // One word every 2 bytes: the most chunk vectors; U+000B is written by
    // JSON as 6 bytes; quotes in metadata are escaped.
    const content = 'a\u000b'.repeat(maxContent / 2 - 1);
    const metadata = { k: '"'.repeat(8_000) };
    const stored = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        query: 'mutation($i: StoreMemoryInput!) { storeMemory(input: $i) { id } }',
        variables: { i: { content, metadata, vault: { kind: 'SESSION', id: 'longest' } } },
      }),
    });
    expect(((await stored.json()) as { errors?: unknown }).errors).toBeUndefined();
    const exportOf = async (id: string) =>
      (
        await workerFetch(`${BASE_URL}/v1/vaults/session/${id}/export`, {
          headers: { authorization: `Bearer ${secret}` },
        })
      ).text();
    const file = await exportOf('longest');
    const longest = Math.max(...file.split('\n').map((line) => encoder.encode(line).length));
    expect(longest).toBeGreaterThan(2 * (maxContent + 16_384) + 128 * 1024); // the old limit
    const report = (await (
      await importInto(secret, 'session/longest-copy', file)
    ).json()) as Report;
    expect(report).toMatchObject({ imported: 1, failed: 0 });
    expect(await contents(api, 'longest-copy')).toEqual([content]);
  });

  it('keeps a one-line upload far over the line limit out of memory and refuses only that line', async () => {
    const { api, secret } = await newKey();
    const limit = maxImportLineBytes(Number(env.MAX_CONTENT_BYTES ?? 32_768));
    // Four times the limit in one line, then a valid line.
    const big = encoder.encode(`{"content":"${'z'.repeat(limit * 4)}"}\n{"content":"after"}`);
    const report = (await (
      await importInto(secret, 'session/huge', chunked(big, 65_536))
    ).json()) as Report;
    expect(report).toMatchObject({ imported: 1, failed: 1 });
    expect(report.failures[0]).toMatchObject({ line: 1, code: 'LINE_TOO_LONG' });
    expect(await contents(api, 'huge')).toEqual(['after']);
  });
});
