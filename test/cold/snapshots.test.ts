import { runInDurableObject, evictDurableObject } from 'cloudflare:test';
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
import { readConfig } from '../../src/core/config';
import { armedAlarm, runAlarm } from '../helpers/alarms';
import { snapshotKeys, writeMetaBeneath } from '../helpers/vaults';

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

const setSnapshotDue = (state: DurableObjectState, object: unknown, at: number) =>
  writeMetaBeneath(object, state, ({ sql }) =>
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', ?)", String(at)),
  );

/**
 * The vault's writes have settled and its snapshot is due, long after the
 * last one (vault-alarm.ts `snapshotSpacing`): the alarm writes it.
 */
const settle = (state: DurableObjectState, object: unknown) => {
  setSnapshotDue(state, object, 0);
  writeMetaBeneath(object, state, ({ sql }) => {
    sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
    sql.exec("UPDATE meta SET value = '0' WHERE key = 'snapshot_ended_at'");
  });
};

/** Makes the hand-over of the writes' memory tokens to the account due now (vault-usage.ts). */
const handOverDue = (state: DurableObjectState, object: unknown) =>
  writeMetaBeneath(object, state, ({ sql }) =>
    sql.exec("UPDATE meta SET value = '0' WHERE key = 'usage_due_at'"),
  );

const snapshotDueAt = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_, state) =>
    Number(
      state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'snapshot_due_at'")
        .one().value,
    ),
  );

/** Lets the vault's writes settle (its snapshot falls due) and fires its alarm. */
async function snapshotNow(keyId: string, session: string) {
  await runAlarm(vaultStub(keyId, 'SESSION', session), settle);
}

const sessionAddress = (keyId: string, id: string) => ({
  kind: 'SESSION' as const,
  keyId,
  externalId: id,
});

/**
 * Runs the vault's alarm with its snapshot due, while the newest memory is
 * deleted or changed: once the upload is done, after the first page of lines
 * (the rest still to read), or as the upload starts (no row read yet).
 * Returns when the snapshot is due again.
 */
async function runAlarmWithDeleteDuringSnapshot(
  stub: DurableObjectStub,
  address: ReturnType<typeof sessionAddress>,
  when: 'after the upload' | 'while the lines stream' | 'as the upload starts',
  /**
   * What happens to the newest row: deleted through the vault, or its
   * content changed in place, as no API write does today but any future one
   * might (a supersession mark, a re-embedding) without telling the snapshot.
   */
  change: 'delete' | 'rewrite in place' = 'delete',
): Promise<number> {
  return runInDurableObject(stub, async (instance, state) => {
    // The snapshot store holds the vault's R2 bucket and its export views; hook both for this one alarm.
    const vault = instance as unknown as {
      cold: { bucket: R2Bucket };
      exports: { page(id: string, now: number): { done: boolean } | null };
      alarm(): Promise<void>;
      remove(address: unknown, id: string): Promise<unknown>;
    };
    const [newest] = state.storage.sql
      .exec<{ id: string }>('SELECT id FROM memories ORDER BY seq DESC LIMIT 1')
      .toArray();
    let changed = false;
    const remove = async () => {
      if (changed) return;
      changed = true;
      if (change === 'delete') return vault.remove(address, newest!.id);
      state.storage.sql.exec(
        'UPDATE memories SET content = upper(content) WHERE id = ?',
        newest!.id,
      );
    };
    const bucket = vault.cold.bucket;
    const pageOf = vault.exports.page.bind(vault.exports);
    let pages = 0;
    vault.exports.page = (id, now) => {
      if (when === 'as the upload starts' && pages === 0) void remove();
      const page = pageOf(id, now);
      pages++;
      if (when === 'while the lines stream' && pages === 1) void remove();
      return page;
    };
    const createMultipartUpload: R2Bucket['createMultipartUpload'] = async (key, options) => {
      const upload = await bucket.createMultipartUpload(key, options);
      if (when !== 'after the upload') return upload;
      return new Proxy(upload, {
        get: (target, name) => {
          if (name === 'complete')
            return async (parts: R2UploadedPart[]) => {
              const done = await target.complete(parts);
              await remove();
              return done;
            };
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const racing = new Proxy(bucket, {
      get: (target, name) => {
        if (name === 'createMultipartUpload') return createMultipartUpload;
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    vault.cold.bucket = racing;
    // Writes have settled: the alarm writes a due snapshot only then.
    settle(state, vault);
    try {
      await vault.alarm();
    } finally {
      vault.cold.bucket = bucket;
      vault.exports.page = pageOf;
    }
    expect(changed, 'the change was made').toBe(true);
    const due = state.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'snapshot_due_at'")
      .toArray()[0]?.value;
    await state.storage.deleteAlarm();
    return Number(due ?? 0);
  });
}

const exportOf = (secret: string, path: string) =>
  workerFetch(`${BASE_URL}${path}`, { headers: { authorization: `Bearer ${secret}` } });

describe('COLD tier', () => {
  it('writes a JSONL snapshot to R2 once writes settle, with a header that checks out', async () => {
    const { api, keyId } = await newKey();
    const stub = vaultStub(keyId, 'SESSION', 's1');
    const delay = readConfig(env).snapshotDelayMs;
    const before = Date.now();
    await seed(api, 's1');
    // Due SNAPSHOT_DELAY_SECONDS after the last write; the alarm is armed for it.
    const due = await snapshotDueAt(stub);
    expect(due).toBeGreaterThanOrEqual(before + delay);
    expect(due).toBeLessThanOrEqual(Date.now() + delay);
    // The alarm first hands the writes' memory tokens to the account (two
    // seconds after them), writes no snapshot and waits for it.
    expect(await armedAlarm(stub)).toBeLessThan(due);
    expect(await runAlarm(stub, handOverDue)).toBe(due);
    // An alarm before that writes nothing and waits for the same time.
    expect(await runAlarm(stub)).toBe(due);
    expect(await snapshotKeys(sessionAddress(keyId, 's1'))).toEqual([]);
    // A write meanwhile pushes it back: writes have not settled yet.
    await runInDurableObject(stub, (object, state) =>
      setSnapshotDue(state, object, Date.now() + 1_000),
    );
    const beforeWrite = Date.now();
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'one more fact', vault: { kind: 'SESSION', id: 's1' } }],
    });
    // When the planned time comes, the alarm waits until the last write is that old.
    expect(
      await runAlarm(stub, (state, object) => {
        setSnapshotDue(state, object, Date.now() - 1);
        handOverDue(state, object);
      }),
    ).toBeGreaterThanOrEqual(beforeWrite + delay);
    expect(await snapshotKeys(sessionAddress(keyId, 's1'))).toEqual([]);

    // The delay passes with no write: the alarm writes one snapshot, then rests.
    expect(await runAlarm(stub, settle)).toBeNull();
    const keys = await snapshotKeys(sessionAddress(keyId, 's1'));
    expect(keys).toHaveLength(1);
    const listed = await env.SNAPSHOTS.list({ prefix: 'vaults/', include: ['customMetadata'] });
    expect(listed.objects.find((object) => object.key === keys[0])?.customMetadata).toMatchObject({
      count: '13',
    });
    // Object names carry the object's opaque id, never the key id or the session id.
    for (const object of listed.objects) {
      expect(object.key).not.toContain(keyId);
      expect(object.key).not.toContain('s1/');
    }
    const text = await (await env.SNAPSHOTS.get(keys[0]!))!.text();
    const [headerText, ...linesAndTrailer] = text.trimEnd().split('\n');
    const header = JSON.parse(headerText!);
    expect(header).toMatchObject({
      format: 'memoryrouter.vault',
      version: 1,
      kind: 'SESSION',
      externalId: 's1',
      dimensions: 384,
      count: 13,
      checksum: null,
    });
    // Written in one pass: the last line, the trailer, gives count and checksum.
    const trailer = JSON.parse(linesAndTrailer.at(-1)!);
    expect(trailer).toMatchObject({ format: 'memoryrouter.vault', trailer: true, count: 13 });
    const lines = linesAndTrailer.slice(0, -1);
    const digest = new Uint8Array(
      await crypto.subtle.digest(
        'SHA-256',
        new TextEncoder().encode(lines.map((l) => `${l}\n`).join('')),
      ),
    );
    expect(trailer.checksum).toBe(
      `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`,
    );
    // Listed with that checksum, read from the trailer.
    const stubInfos = await vaultStub(keyId, 'SESSION', 's1').snapshots(
      sessionAddress(keyId, 's1'),
    );
    expect(stubInfos.ok && stubInfos.snapshots[0]!.checksum).toBe(trailer.checksum);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      content: expect.stringContaining('fact number'),
      role: 'USER',
      metadata: { n: expect.any(Number) },
    });
    expect(atob(first.embedding.replace(/-/g, '+').replace(/_/g, '/')).length).toBe(384 * 4);
  });

  it('a vault never written is a coded 404 to export, as GraphQL answers null for it; CORE exports empty', async () => {
    const { api, secret } = await newKey();
    for (const [kind, id] of [
      ['SESSION', 'nonexistent-zz'],
      ['EPHEMERAL', 'nonexistent-zz'],
    ] as const) {
      const { vault } = await api.request(GetVaultDocument, { selector: { kind, id } });
      expect(vault).toBeNull();
      const exported = await exportOf(secret, `/v1/vaults/${kind.toLowerCase()}/${id}/export`);
      expect(exported.status).toBe(404);
      expect(await exported.json()).toEqual({
        error: {
          code: 'NOT_FOUND',
          reason: 'VAULT_NOT_FOUND',
          message: `no ${kind} vault "nonexistent-zz" holds memories of this key`,
        },
      });
    }
    const core = await exportOf(secret, '/v1/vaults/core/export');
    expect(core.status).toBe(200);
    expect(core.headers.get('x-memory-count')).toBe('0');
    await core.arrayBuffer();
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
    // The header, 12 memories and the trailer.
    expect(file.trimEnd().split('\n')).toHaveLength(14);

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
    const kept = { embeddingModel: 'use-lite-static-384@1', dimensions: 384 };
    expect(await importInto('/v1/vaults/session/to/import', file)).toEqual({
      imported: 12,
      skipped: 0,
      failed: 0,
      failures: [],
      memoryTokens: 84,
      ...kept,
    });
    // Nothing stored, nothing billed.
    expect(await importInto('/v1/vaults/session/to/import', file)).toEqual({
      imported: 0,
      skipped: 12,
      failed: 0,
      failures: [],
      memoryTokens: 0,
      ...kept,
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

    // A line the vault would refuse no longer takes its batch down with it
    // (a caller's own vector, in a vault of the deployment's: refused by line).
    const batch = [
      JSON.stringify({ content: 'fine alone and fine together' }),
      JSON.stringify({ content: 'own vector', embedding: [1, 2, 3] }),
    ].join('\n');
    const refused = await workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: batch,
    });
    expect(await refused.json()).toMatchObject({
      imported: 1,
      failed: 1,
      failures: [{ line: 2, code: 'EMBEDDING_MISMATCH' }],
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
    expect(await response.json()).toEqual({
      imported: 250,
      skipped: 0,
      failed: 0,
      failures: [],
      memoryTokens: 2_500,
      embeddingModel: 'use-lite-static-384@1',
      dimensions: 384,
    });
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

  it("refuses another vault's snapshot, and a snapshot whose count disagrees with its header", async () => {
    const { api, admin, adminToken, keyId } = await newKey();
    await seed(api, 'mine', 4);
    await seed(api, 'other', 6);
    await snapshotNow(keyId, 'other');
    await snapshotNow(keyId, 'mine');
    const mine = { kind: 'SESSION' as const, id: 'mine' };
    const [other] = (
      await admin.request(VaultSnapshotsDocument, {
        keyId,
        vault: { kind: 'SESSION', id: 'other' },
      })
    ).vaultSnapshots;
    // Another vault's snapshot, even of the same key, is not this vault's to restore.
    const foreign = await post(
      RestoreVaultDocument,
      { keyId, vault: mine, snapshot: other!.key },
      adminToken,
    );
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });

    // One line short, with a checksum that matches the lines left: only the count tells.
    const [own] = (await admin.request(VaultSnapshotsDocument, { keyId, vault: mine }))
      .vaultSnapshots;
    const [headerText, ...linesAndTrailer] = (await (await env.SNAPSHOTS.get(own!.key))!.text())
      .trimEnd()
      .split('\n');
    // Written as the two-pass writer did (checksum in the header, no trailer).
    const kept = linesAndTrailer.slice(1, -1).map((line) => `${line}\n`);
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(kept.join(''))),
    );
    const header = {
      ...JSON.parse(headerText!),
      checksum: `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`,
    };
    await env.SNAPSHOTS.put(own!.key, `${JSON.stringify(header)}\n${kept.join('')}`);
    const short = await post(RestoreVaultDocument, { keyId, vault: mine }, adminToken);
    expect(short.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'SNAPSHOT_DAMAGED',
    });
    expect(short.errors?.[0]?.message).toContain('count 3/4');
    for (const [id, count] of [
      ['mine', 4],
      ['other', 6],
    ] as const) {
      const { vault } = await api.request(GetVaultDocument, { selector: { kind: 'SESSION', id } });
      expect(vault!.memoryCount, id).toBe(count);
    }
  });

  it('voids a snapshot raced by a delete, and writes it again once writes settle', async () => {
    const { api, keyId } = await newKey();
    // Two pages of rows (256 a page), so the snapshot streams them while the delete lands.
    for (let round = 0; round < 3; round++) {
      await api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: round < 2 ? 100 : 90 }, (_, i) => ({
          content: `fact ${round}-${i}`,
          vault: { kind: 'SESSION' as const, id: 'race' },
        })),
      });
    }
    const stub = vaultStub(keyId, 'SESSION', 'race');
    const address = sessionAddress(keyId, 'race');
    for (const when of ['after the upload', 'while the lines stream'] as const) {
      const retry = await runAlarmWithDeleteDuringSnapshot(stub, address, when);
      // Nothing is kept of the voided snapshot; it is tried again once writes settle.
      expect(await snapshotKeys(address), when).toEqual([]);
      expect(retry, when).toBeGreaterThan(Date.now());
    }
    await runAlarm(stub, settle);
    const keys = await snapshotKeys(address);
    expect(keys).toHaveLength(1);
    const written = await env.SNAPSHOTS.head(keys[0]!);
    expect(written?.customMetadata?.count).toBe('288');
  });

  it('writes a row changed in place while its lines stream as it was when the snapshot began, and the file restores', async () => {
    // Before (two passes): the change voided the snapshot (SNAPSHOT_RACED),
    // and earlier still, left a file whose checksum failed at restore.
    const { api, keyId, adminToken } = await newKey();
    for (let round = 0; round < 3; round++) {
      await api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: round < 2 ? 100 : 90 }, (_, i) => ({
          content: `fact ${round}-${i}`,
          vault: { kind: 'SESSION' as const, id: 'inplace' },
        })),
      });
    }
    const stub = vaultStub(keyId, 'SESSION', 'inplace');
    const address = sessionAddress(keyId, 'inplace');
    const due = await runAlarmWithDeleteDuringSnapshot(
      stub,
      address,
      'while the lines stream',
      'rewrite in place',
    );
    expect(due).toBe(0); // written: no retry planned
    const keys = await snapshotKeys(address);
    expect(keys).toHaveLength(1);
    const text = await (await env.SNAPSHOTS.get(keys[0]!))!.text();
    expect(text).toContain('"content":"fact 2-89"');
    expect(text).not.toContain('FACT 2-89');
    const restored = await post(
      'mutation ($keyId: ID!) { restoreVault(keyId: $keyId, vault: { kind: SESSION, id: "inplace" }) { restored } }',
      { keyId },
      adminToken,
    );
    expect(restored.errors).toBeUndefined();
    expect(restored.data).toEqual({ restoreVault: { restored: 290 } });
  });

  it('restores a snapshot written in two passes (checksum in the header, no trailer), refuses a one-pass file without its trailer, and imports a one-pass file elsewhere', async () => {
    const { api, keyId, adminToken, secret } = await newKey();
    await seed(api, 'forms', 6);
    await snapshotNow(keyId, 'forms');
    const address = sessionAddress(keyId, 'forms');
    const [key] = await snapshotKeys(address);
    const text = await (await env.SNAPSHOTS.get(key!))!.text();
    const [headerText, ...rest] = text.trimEnd().split('\n');
    const trailer = JSON.parse(rest.at(-1)!);
    expect(trailer).toMatchObject({ trailer: true, count: 6 });
    const lines = rest.slice(0, -1).map((line) => `${line}\n`);
    // The file as the two-pass writer left it, under an older key.
    const header = { ...JSON.parse(headerText!), checksum: trailer.checksum };
    const older = key!.replace(
      /\/(\d{15})-/,
      (_, time: string) => `/${String(Number(time) - 60_000).padStart(15, '0')}-`,
    );
    await env.SNAPSHOTS.put(older, `${JSON.stringify(header)}\n${lines.join('')}`);
    const restore = (snapshot: string) =>
      post(
        'mutation ($keyId: ID!, $snapshot: String) { restoreVault(keyId: $keyId, vault: { kind: SESSION, id: "forms" }, snapshot: $snapshot) { restored } }',
        { keyId, snapshot },
        adminToken,
      );
    const old = await restore(older);
    expect(old.errors).toBeUndefined();
    expect(old.data).toEqual({ restoreVault: { restored: 6 } });
    // A one-pass file cut short (its trailer lost): damaged, and the vault as it was.
    await env.SNAPSHOTS.put(key!, `${headerText}\n${lines.join('')}`);
    const cut = await restore(key!);
    expect(cut.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'SNAPSHOT_DAMAGED',
    });
    expect(cut.errors?.[0]?.message).toContain('cut short');
    // A one-pass file, trailer and all, is an export's format: it imports.
    const imported = await workerFetch(`${BASE_URL}/v1/vaults/session/forms-copy/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: text,
    });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ imported: 6, failed: 0 });
  });

  it('keeps the newest snapshots only, and clearVault deletes them all', async () => {
    const { api, keyId, admin, adminToken } = await newKey();
    const takenAround: [number, number][] = [];
    for (let round = 0; round < 5; round++) {
      await seed(api, 'ret', 1);
      const before = Date.now();
      await snapshotNow(keyId, 'ret');
      takenAround.push([before, Date.now()]);
    }
    const vault = { kind: 'SESSION' as const, id: 'ret' };
    const kept = (await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots;
    expect(kept.map((s) => s.count)).toEqual([5, 4, 3]);
    // Each says when it was taken.
    kept.forEach((snapshot, index) => {
      const [before, after] = takenAround[4 - index]!;
      const createdAt = new Date(snapshot.createdAt as string).getTime();
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(after);
    });
    await api.request(ClearVaultDocument, { selector: vault });
    expect((await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots).toEqual(
      [],
    );
    // A restore after the clear says why there is nothing to restore.
    // Before: only "no such snapshot of this vault" (review201 F6).
    const restore = await post(
      'mutation ($keyId: ID!) { restoreVault(keyId: $keyId, vault: { kind: SESSION, id: "ret" }) { restored } }',
      { keyId },
      adminToken,
    );
    expect(restore.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/clearing a vault .*deletes its snapshots/),
      extensions: { code: 'NOT_FOUND', reason: 'SNAPSHOT_NOT_FOUND' },
    });
  });
});

/** The vault's snapshot store, reached by name (vault-object.ts keeps `cold`). */
type ColdOf = { cold: { bucket: R2Bucket } };

/** R2 in an outage for deletes: every `delete` throws; the rest is the real bucket. */
function failingDeletes(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, name) {
      if (name === 'delete') return () => Promise.reject(new Error('R2 is unavailable'));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe('clearVault while R2 fails', () => {
  it('answers the clear, never lists or restores the snapshots from before it, and the alarm deletes them', async () => {
    const { api, admin, adminToken, keyId, secret } = await newKey();
    await seed(api, 'r2out', 4);
    await snapshotNow(keyId, 'r2out');
    const address = sessionAddress(keyId, 'r2out');
    const vault = { kind: 'SESSION' as const, id: 'r2out' };
    expect(await snapshotKeys(address)).toHaveLength(1);
    const stub = vaultStub(keyId, 'SESSION', 'r2out');
    const setBucket = (make: (bucket: R2Bucket) => R2Bucket) =>
      runInDurableObject(stub, (instance) => {
        const cold = (instance as unknown as ColdOf).cold;
        cold.bucket = make(cold.bucket);
      });
    let real: R2Bucket | null = null;
    await setBucket((bucket) => {
      real = bucket;
      return failingDeletes(bucket);
    });

    // Before: "Unexpected error." after the vault was cleared, and the
    // snapshot, still listed, brought the memories back on restoreVault.
    const cleared = await post<{ clearVault: number }>(
      'mutation { clearVault(selector: { kind: SESSION, id: "r2out" }) }',
      {},
      secret,
    );
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data).toEqual({ clearVault: 4 });
    expect(await snapshotKeys(address)).toHaveLength(1); // R2 kept it
    expect((await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots).toEqual(
      [],
    );
    const restore = await post(RestoreVaultDocument, { keyId, vault }, adminToken);
    expect(restore.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'SNAPSHOT_NOT_FOUND',
    });

    // R2 is back: the alarm the clear armed deletes the old snapshot.
    await setBucket(() => real!);
    await runAlarm(stub, (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) =>
        sql.exec("UPDATE meta SET value = '0' WHERE key = 'snapshot_prune_due_at'"),
      ),
    );
    expect(await snapshotKeys(address)).toEqual([]);
  });
});

describe('clearVault while a snapshot is being written', () => {
  it('leaves no snapshot that would bring the cleared memories back', async () => {
    const { api, admin, adminToken, keyId } = await newKey();
    await seed(api, 'wiperace', 6);
    const address = sessionAddress(keyId, 'wiperace');
    const vault = { kind: 'SESSION' as const, id: 'wiperace' };
    const stub = vaultStub(keyId, 'SESSION', 'wiperace');
    // The clear lands after the last line is sent and before R2 assembles
    // the file: its own deletes find nothing yet, so only the snapshot's
    // check after the upload can take the file away again.
    const cleared = await runInDurableObject(stub, async (instance, state) => {
      const object = instance as unknown as ColdOf & {
        alarm(): Promise<void>;
        clear(address: unknown): Promise<{ ok: boolean; removed?: number }>;
      };
      const bucket = object.cold.bucket;
      let removed: number | undefined;
      object.cold.bucket = new Proxy(bucket, {
        get(target, name) {
          if (name === 'createMultipartUpload')
            return async (key: string, options: R2MultipartOptions) => {
              const upload = await target.createMultipartUpload(key, options);
              return new Proxy(upload, {
                get(inner, method) {
                  if (method === 'complete')
                    return async (parts: R2UploadedPart[]) => {
                      removed = (await object.clear(address)).removed;
                      return inner.complete(parts);
                    };
                  const value = Reflect.get(inner, method) as unknown;
                  return typeof value === 'function' ? (value as () => unknown).bind(inner) : value;
                },
              });
            };
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      });
      settle(state, object);
      try {
        await object.alarm();
      } finally {
        object.cold.bucket = bucket;
        await state.storage.deleteAlarm();
      }
      return removed;
    });
    expect(cleared, 'the clear ran during the snapshot').toBe(6);
    // Without the check after the upload (tried), the file stood in R2 after
    // the clear, there for a restore to bring the 6 memories back.
    expect(await snapshotKeys(address)).toEqual([]);
    expect((await admin.request(VaultSnapshotsDocument, { keyId, vault })).vaultSnapshots).toEqual(
      [],
    );
    const restore = await post(RestoreVaultDocument, { keyId, vault }, adminToken);
    expect(restore.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'SNAPSHOT_NOT_FOUND',
    });
  });
});

/** R2 in an outage for multipart uploads once begun: every part and every abort fails. */
function failingParts(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, name) {
      if (name === 'createMultipartUpload')
        return async (key: string, options: R2MultipartOptions) => {
          const upload = await target.createMultipartUpload(key, options);
          return new Proxy(upload, {
            get(inner, method) {
              if (method === 'uploadPart' || method === 'abort')
                return () => Promise.reject(new Error('R2 is unavailable'));
              const value = Reflect.get(inner, method) as unknown;
              return typeof value === 'function' ? (value as () => unknown).bind(inner) : value;
            },
          });
        };
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/** Whether R2 still holds an unfinished multipart upload: one that takes a part. */
async function uploadLive(upload: { key: string; uploadId: string }): Promise<boolean> {
  try {
    await env.SNAPSHOTS.resumeMultipartUpload(upload.key, upload.uploadId).uploadPart(1, 'x');
    return true;
  } catch {
    return false;
  }
}

describe('a snapshot whose upload R2 fails', () => {
  it('records the upload before sending parts, and once the object restarts its alarm aborts the upload left in R2', async () => {
    const { api, keyId } = await newKey();
    await seed(api, 'partfail', 5);
    const address = sessionAddress(keyId, 'partfail');
    const stub = vaultStub(keyId, 'SESSION', 'partfail');
    const left = await runInDurableObject(stub, async (instance, state) => {
      const object = instance as unknown as ColdOf & { alarm(): Promise<void> };
      const bucket = object.cold.bucket;
      object.cold.bucket = failingParts(bucket);
      settle(state, object);
      try {
        await expect(object.alarm()).rejects.toThrow('R2 is unavailable');
      } finally {
        object.cold.bucket = bucket;
        await state.storage.deleteAlarm();
        // The next snapshot later (settle's due time 0 is no time to arm an
        // alarm for): what the restart's alarm does is the clean-up alone.
        setSnapshotDue(state, object, Date.now() + DAY);
      }
      const [row] = state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'snapshot_upload'")
        .toArray();
      return row ? (JSON.parse(row.value) as { key: string; uploadId: string }) : null;
    });
    // R2 could not abort it: the upload stands, recorded (before: not
    // recorded anywhere, and R2 kept its parts for 7 days).
    expect(left).not.toBeNull();
    expect(left!.key).toMatch(/^vaults\/[0-9a-f]+\/snapshots\/\d{15}-\d+\.jsonl$/);
    expect(await uploadLive(left!)).toBe(true);
    expect(await snapshotKeys(address)).toEqual([]);

    // The object restarts (as after dying mid-snapshot): its alarm is armed
    // to clean up, and aborts the upload.
    await evictDurableObject(stub);
    const armed = await armedAlarm(stub);
    expect(armed).not.toBeNull();
    expect(armed!).toBeLessThanOrEqual(Date.now());
    await runAlarm(stub);
    expect(await uploadLive(left!)).toBe(false);
    const record = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec("SELECT value FROM meta WHERE key IN ('snapshot_upload', 'snapshot_prune_due_at')")
        .toArray(),
    );
    expect(record).toEqual([]);
    // Snapshots go on as before.
    await snapshotNow(keyId, 'partfail');
    expect(await snapshotKeys(address)).toHaveLength(1);
  });
});
