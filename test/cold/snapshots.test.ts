import { runDurableObjectAlarm, runInDurableObject, evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  ClearVaultDocument,
  GetVaultDocument,
  RestoreVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  VaultSnapshotsDocument,
} from '../generated/graphql';
import { BASE_URL, codes, newKey, post, workerFetch } from '../helpers/graphql';
import { vaultObjectName } from '../../src/vaults/address';

const DAY = 86_400_000;
const vaultStub = (keyId: string, kind: 'CORE' | 'SESSION', externalId: string | null = null) =>
  env.VAULT.get(env.VAULT.idFromName(vaultObjectName({ kind, keyId, externalId })));

async function seed(api: Awaited<ReturnType<typeof newKey>>['api'], session: string, count = 12) {
  await api.request(StoreMemoriesDocument, {
    inputs: Array.from({ length: count }, (_, i) => ({
      content: `fact number ${i} about the ${i % 2 ? 'garden' : 'kitchen'}`,
      vault: { kind: 'SESSION' as const, id: session },
      metadata: { n: i },
      createdAt: new Date(Date.now() - i * DAY).toISOString(),
    })),
  });
}

/** Makes the vault's snapshot due now and fires its alarm. */
async function snapshotNow(keyId: string, session: string) {
  const stub = vaultStub(keyId, 'SESSION', session);
  await runInDurableObject(stub, async (_, state) => {
    state.storage.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')",
    );
    // Writes have settled: the alarm writes a due snapshot only then.
    state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
    await state.storage.setAlarm(Date.now());
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

const exportOf = (secret: string, path: string) =>
  workerFetch(`${BASE_URL}${path}`, { headers: { authorization: `Bearer ${secret}` } });

describe('COLD tier', () => {
  it('writes a JSONL snapshot to R2 once writes settle, with a header that checks out', async () => {
    const { api, keyId } = await newKey();
    await seed(api, 's1');
    await snapshotNow(keyId, 's1');
    const listed = await env.SNAPSHOTS.list({ prefix: 'vaults/', include: ['customMetadata'] });
    const mine = listed.objects.filter((object) => object.customMetadata?.count === '12');
    expect(mine.length).toBeGreaterThanOrEqual(1);
    // Object names carry the object's opaque id, never the key id or the session id.
    for (const object of listed.objects) {
      expect(object.key).not.toContain(keyId);
      expect(object.key).not.toContain('s1/');
    }
    const text = await (await env.SNAPSHOTS.get(mine.at(-1)!.key))!.text();
    const [headerText, ...lines] = text.trimEnd().split('\n');
    const header = JSON.parse(headerText!);
    expect(header).toMatchObject({
      format: 'memoryrouter.vault',
      version: 1,
      kind: 'SESSION',
      externalId: 's1',
      dimensions: 384,
      count: 12,
    });
    const digest = new Uint8Array(
      await crypto.subtle.digest(
        'SHA-256',
        new TextEncoder().encode(lines.map((l) => `${l}\n`).join('')),
      ),
    );
    expect(header.checksum).toBe(
      `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`,
    );
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      content: expect.stringContaining('fact number'),
      role: 'USER',
      metadata: { n: expect.any(Number) },
    });
    expect(atob(first.embedding.replace(/-/g, '+').replace(/_/g, '/')).length).toBe(384 * 4);
  });

  it('exports with curl-friendly GET, and imports it elsewhere (twice changes nothing)', async () => {
    const { api, secret } = await newKey();
    await seed(api, 'from');
    const { vault } = await api.request(GetVaultDocument, {
      selector: { kind: 'SESSION', id: 'from' },
    });
    expect(vault!.exportUrl).toBe('/v1/vaults/session/from/export');
    const exported = await exportOf(secret, vault!.exportUrl);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('x-memory-count')).toBe('12');
    // Decoded explicitly: workerd warns when .text() meets a non-text content type.
    const file = new TextDecoder().decode(await exported.arrayBuffer());
    expect(file.trimEnd().split('\n')).toHaveLength(13);

    const importInto = async (path: string, body: string) => {
      const response = await workerFetch(`${BASE_URL}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      return (await response.json()) as {
        imported: number;
        skipped: number;
        failed: number;
        failures: { line: number; reason: string }[];
      };
    };
    // The header line is read, not counted; a second import skips every memory.
    expect(await importInto('/v1/vaults/session/to/import', file)).toEqual({
      imported: 12,
      skipped: 0,
      failed: 0,
      failures: [],
    });
    expect(await importInto('/v1/vaults/session/to/import', file)).toEqual({
      imported: 0,
      skipped: 12,
      failed: 0,
      failures: [],
    });

    const search = (id: string) =>
      api.request(SearchDocument, {
        input: {
          query: 'garden facts',
          vaults: [{ kind: 'SESSION', id }],
          windows: [
            { window: 'HOT', limit: 5 },
            { window: 'WORKING', limit: 5 },
            { window: 'LONG_TERM', limit: 5 },
          ],
          mode: 'VECTOR',
        },
      });
    const [original, copy] = [await search('from'), await search('to')];
    expect(
      copy.search.hits.map((hit) => [hit.memory.content, hit.memory.createdAt, hit.score]),
    ).toEqual(
      original.search.hits.map((hit) => [hit.memory.content, hit.memory.createdAt, hit.score]),
    );
  });

  it('imports the minimal form, storing every valid line and reporting each bad one by number', async () => {
    const { api, secret } = await newKey();
    const lines = [
      JSON.stringify({ content: 'I like green tea', role: 'user', timestamp: Date.now() - DAY }),
      '{not json',
      JSON.stringify({ content: '', role: 'user' }),
      '',
      JSON.stringify({
        content: 'The meeting moved to Thursday',
        timestamp: '2026-11-20T10:00:00Z',
      }),
      JSON.stringify({ content: 'bad role', role: 'robot' }),
    ];
    const response = await workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: lines.join('\n'),
    });
    const report = (await response.json()) as {
      imported: number;
      failed: number;
      failures: { line: number; reason: string }[];
    };
    expect(report.imported).toBe(2);
    expect(report.failures.map((failure) => failure.line)).toEqual([2, 3, 6]);
    expect(report.failures[0]!.reason).toMatch(/JSON/);

    // A line the vault would refuse no longer takes its batch down with it.
    const batch = [
      JSON.stringify({ content: 'fine alone and fine together' }),
      JSON.stringify({ content: 'wrong size', embedding: [1, 2, 3] }),
    ].join('\n');
    const refused = await workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: batch,
    });
    expect(await refused.json()).toMatchObject({
      imported: 1,
      failed: 1,
      failures: [{ line: 2, code: 'EMBEDDING_DIMENSIONS' }],
    });
    const { vault } = await api.request(GetVaultDocument, { selector: { kind: 'CORE' } });
    expect(vault!.memoryCount).toBe(3);
    expect(codes(await post('{ me { id } }', {}, secret))).toEqual([]);
  });

  it('streams a larger import in batches, lines split across network chunks', async () => {
    const { api, secret } = await newKey();
    const file = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({
        content: `diary entry ${i}: walked ${i % 7} km`,
        role: 'user',
        timestamp: Date.now() - i * 60_000,
      }),
    ).join('\n');
    const bytes = new TextEncoder().encode(file);
    // Odd-sized chunks, so lines arrive in pieces.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 997)
          controller.enqueue(bytes.slice(offset, offset + 997));
        controller.close();
      },
    });
    const response = await workerFetch(`${BASE_URL}/v1/vaults/session/diary/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body,
      // @ts-expect-error: workerd needs the duplex hint for a streamed request body
      duplex: 'half',
    });
    expect(await response.json()).toEqual({ imported: 250, skipped: 0, failed: 0, failures: [] });
    const { vault } = await api.request(GetVaultDocument, {
      selector: { kind: 'SESSION', id: 'diary' },
      first: 1,
      order: 'OLDEST_FIRST',
    });
    expect(vault!.memoryCount).toBe(250);
    expect(vault!.memories.edges[0]!.node.content).toBe('diary entry 249: walked 4 km');
  });

  it('restores a wiped vault from its snapshot with identical search results', async () => {
    const { api, admin, keyId } = await newKey();
    await seed(api, 'dr', 20);
    await snapshotNow(keyId, 'dr');
    const query = {
      input: {
        query: 'kitchen fact',
        vaults: [{ kind: 'SESSION' as const, id: 'dr' }],
        windows: [
          { window: 'HOT' as const, limit: 5 },
          { window: 'WORKING' as const, limit: 5 },
          { window: 'LONG_TERM' as const, limit: 10 },
        ],
      },
    };
    const before = (await api.request(SearchDocument, query)).search.hits.map((hit) => [
      hit.memory.id,
      hit.score,
      hit.window,
    ]);
    expect(before.length).toBeGreaterThan(5);

    // Disaster: the object's storage is gone.
    const stub = vaultStub(keyId, 'SESSION', 'dr');
    await runInDurableObject(stub, async (_, state) => state.storage.deleteAll());
    await evictDurableObject(stub);
    expect((await api.request(SearchDocument, query)).search.hits).toEqual([]);

    const snapshots = (
      await admin.request(VaultSnapshotsDocument, { keyId, vault: { kind: 'SESSION', id: 'dr' } })
    ).vaultSnapshots;
    expect(snapshots[0]!.count).toBe(20);
    const restored = (
      await admin.request(RestoreVaultDocument, { keyId, vault: { kind: 'SESSION', id: 'dr' } })
    ).restoreVault;
    expect(restored).toEqual({ restored: 20, snapshot: snapshots[0]!.key });
    const after = (await api.request(SearchDocument, query)).search.hits.map((hit) => [
      hit.memory.id,
      hit.score,
      hit.window,
    ]);
    expect(after).toEqual(before);
  });

  it('refuses a damaged snapshot and keeps the vault as it was', async () => {
    const { api, admin, keyId } = await newKey();
    await seed(api, 'dmg', 5);
    await snapshotNow(keyId, 'dmg');
    const [snapshot] = (
      await admin.request(VaultSnapshotsDocument, { keyId, vault: { kind: 'SESSION', id: 'dmg' } })
    ).vaultSnapshots;
    const text = await (await env.SNAPSHOTS.get(snapshot!.key))!.text();
    await env.SNAPSHOTS.put(snapshot!.key, text.replace('fact number 0', 'fact number X'));
    const result = await post(
      RestoreVaultDocument,
      { keyId, vault: { kind: 'SESSION', id: 'dmg' } },
      (
        admin as unknown as { requestConfig: { headers: Record<string, string> } }
      ).requestConfig.headers.authorization!.slice(7),
    );
    expect(result.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'SNAPSHOT_DAMAGED',
    });
    const { vault } = await api.request(GetVaultDocument, {
      selector: { kind: 'SESSION', id: 'dmg' },
    });
    expect(vault!.memoryCount).toBe(5);
  });

  it('keeps the newest snapshots only, and clearVault deletes them all', async () => {
    const { api, keyId, admin } = await newKey();
    for (let round = 0; round < 5; round++) {
      await seed(api, 'ret', 1);
      await snapshotNow(keyId, 'ret');
    }
    const vault = { kind: 'SESSION' as const, id: 'ret' };
    expect(
      (await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots.map(
        (s) => s.count,
      ),
    ).toEqual([5, 4, 3]);
    await api.request(ClearVaultDocument, { selector: vault });
    expect((await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots).toEqual(
      [],
    );
  });
});
