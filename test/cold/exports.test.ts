import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_STORE_BATCH } from '../../src/core/limits';
import type { VaultAddress } from '../../src/vaults/address';
import {
  SearchDocument,
  StoreMemoriesDocument,
  VaultSnapshotsDocument,
} from '../generated/graphql';
import { runAlarm } from '../helpers/alarms';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { embedder, memory, ok, storeRequest, vaultStub, writeMetaBeneath } from '../helpers/vaults';

/** A SESSION vault of the key's with `count` memories, stored through the vault's RPC (quick). */
async function filledVault(keyId: string, externalId: string, count: number) {
  const address: VaultAddress = { kind: 'SESSION', keyId, externalId };
  const stub = vaultStub(address);
  for (let start = 0; start < count; start += MAX_STORE_BATCH) {
    const batch = Array.from({ length: Math.min(MAX_STORE_BATCH, count - start) }, (_, i) =>
      memory(`memory ${start + i} about the piano lesson number ${start + i}`, {
        metadata: { n: start + i },
        createdAt: Date.now() - (count - start - i) * 60_000,
      }),
    );
    ok(await stub.store(address, storeRequest(batch)));
  }
  return { address, stub };
}

const exportOf = (secret: string, vault: string) =>
  workerFetch(`${BASE_URL}/v1/vaults/session/${vault}/export`, {
    headers: { authorization: `Bearer ${secret}` },
  });

const decoder = new TextDecoder();
/** As many memories as a vault holds in the test pool (VAULT_MAX_MEMORIES, vitest.config.ts): less a few for the writes made during an export: three pages. */
const FULL = 290;

/** A whole export file as its lines: header, memory lines, trailer. */
function linesOf(text: string) {
  const lines = text.trimEnd().split('\n');
  return {
    header: JSON.parse(lines[0]!) as Record<string, unknown>,
    memories: lines.slice(1, -1),
    trailer: JSON.parse(lines.at(-1)!) as Record<string, unknown>,
  };
}

async function sha256Of(lines: string[]): Promise<string> {
  const bytes = new TextEncoder().encode(lines.map((line) => `${line}\n`).join(''));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The vault's open exports and the rows they keep copies of (export-views.ts). */
const openExports = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_, state) => ({
    views: state.storage.sql
      .exec<{ read_to: number; max_seq: number }>('SELECT read_to, max_seq FROM open_exports')
      .toArray(),
    copies: state.storage.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM export_preimages')
      .one().n,
  }));

describe('exports', () => {
  it('never push a restore point out: three exports later the earlier snapshot is still listed', async () => {
    const { keyId, secret, admin } = await newKey();
    const { stub } = await filledVault(keyId, 'kept', 5);
    // The vault's own snapshot, as its alarm writes one once writes settle.
    await runAlarm(stub, (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) => {
        sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
        sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
      }),
    );
    const list = async () =>
      (
        await admin.request(VaultSnapshotsDocument, {
          keyId,
          vault: { kind: 'SESSION', id: 'kept' },
        })
      ).vaultSnapshots;
    const before = await list();
    expect(before).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const exported = await exportOf(secret, 'kept');
      expect(exported.status).toBe(200);
      expect(exported.headers.get('x-memory-count')).toBe('5');
      await exported.arrayBuffer();
    }
    expect(await list()).toEqual(before);
  });

  it('streams page by page: the vault answers while a download is paused, and the file is the vault as the export began', async () => {
    const { api, keyId, secret } = await newKey();
    const { address, stub } = await filledVault(keyId, 'big', FULL);
    const response = await exportOf(secret, 'big');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-memory-count')).toBe(String(FULL));
    // Streamed: no length up front, the checksum comes in the last line.
    expect(response.headers.get('content-length')).toBeNull();
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    const read = async () => {
      const { done, value } = await reader.read();
      if (!done) chunks.push(value);
      return !done;
    };
    // The header and a first page arrive while most of the vault is unread.
    while (decoder.decode(concat(chunks)).split('\n').length < 3) await read();
    const midway = await openExports(stub);
    expect(midway.views).toHaveLength(1);
    expect(midway.views[0]!.read_to).toBeGreaterThan(0);
    expect(midway.views[0]!.read_to).toBeLessThan(midway.views[0]!.max_seq);

    // The download pauses; the vault answers a search meanwhile...
    const found = await api.request(SearchDocument, {
      input: { query: 'piano lesson', vaults: [{ kind: 'SESSION', id: 'big' }], mode: 'TEXT' },
    });
    expect(found.search.hits.length).toBeGreaterThan(0);
    // ...takes a new memory (out of this export: it began before)...
    ok(await stub.store(address, storeRequest([memory('stored during the export')])));
    // ...and deletes one the export has not read yet (in, as it was).
    const [last] = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ id: string }>('SELECT id FROM memories ORDER BY seq DESC LIMIT 1 OFFSET 1')
        .toArray(),
    );
    expect(ok(await stub.remove(address, last!.id)).deleted).toBe(true);
    // ...and edits another (in, as it was).
    const [edited] = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ id: string }>('SELECT id FROM memories ORDER BY seq DESC LIMIT 1 OFFSET 3')
        .toArray(),
    );
    ok(
      await stub.update(address, {
        id: edited!.id,
        metadata: JSON.stringify({ edited: true }),
        model: embedder.model,
        dimensions: embedder.dimensions,
      }),
    );
    expect((await openExports(stub)).copies).toBe(2);

    while (await read());
    // The header, a chunk per page (about 256 KiB of lines each), the trailer.
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    const { header, memories, trailer } = linesOf(decoder.decode(concat(chunks)));
    expect(header).toMatchObject({ format: 'memoryrouter.vault', count: FULL, checksum: null });
    expect(memories).toHaveLength(FULL);
    expect(trailer).toEqual({
      format: 'memoryrouter.vault',
      version: 1,
      trailer: true,
      count: FULL,
      checksum: await sha256Of(memories),
    });
    const contents = memories.map((line) => (JSON.parse(line) as { content: string }).content);
    expect(contents).toContain(`memory ${FULL - 2} about the piano lesson number ${FULL - 2}`);
    expect(contents).not.toContain('stored during the export');
    const editedLine = memories.find((line) => line.includes(`"id":"${edited!.id}"`));
    expect(JSON.parse(editedLine!)).toMatchObject({ metadata: { n: FULL - 4 } });
    // Done: the view and its copy of the deleted memory are gone.
    expect(await openExports(stub)).toEqual({ views: [], copies: 0 });
  });

  it('a download given up part-way closes its view and drops the copies it kept', async () => {
    const { keyId, secret } = await newKey();
    const { address, stub } = await filledVault(keyId, 'dropped', FULL);
    const response = await exportOf(secret, 'dropped');
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    const [newest] = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ id: string }>('SELECT id FROM memories ORDER BY seq DESC LIMIT 1')
        .toArray(),
    );
    ok(await stub.remove(address, newest!.id));
    expect((await openExports(stub)).copies).toBe(1);
    await reader.cancel();
    await expect.poll(() => openExports(stub)).toEqual({ views: [], copies: 0 });
  });

  it('a vault cleared during an export ends the download without its trailer, and the file imports as cut short', async () => {
    const { keyId, secret } = await newKey();
    const { address, stub } = await filledVault(keyId, 'cleared', FULL);
    const response = await exportOf(secret, 'cleared');
    const reader = response.body!.getReader();
    const rest: string[] = [];
    for (let read = 0; read < 2; read++) rest.push(decoder.decode((await reader.read()).value));
    ok(await stub.clear(address));
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        rest.push(decoder.decode(value));
      }
    })();
    await reading;
    const file = rest.join('');
    expect(file).not.toContain('"trailer":true');
    // What was downloaded reads as cut short: an import refuses it whole.
    const imported = await workerFetch(`${BASE_URL}/v1/vaults/session/from-cleared/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
      body: file,
    });
    expect(imported.status).toBe(400);
    expect(await imported.json()).toMatchObject({
      error: { code: 'BAD_USER_INPUT', reason: 'COUNT_MISMATCH' },
    });
  });

  it('round trip: an export imported elsewhere exports the same memory lines and checksum', async () => {
    const { api, secret } = await newKey();
    // Stored as a client does, so tokens and vectors are the deployment's own.
    for (let start = 0; start < 200; start += MAX_STORE_BATCH) {
      await api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: MAX_STORE_BATCH }, (_, i) => ({
          content: `fact ${start + i}: the lesson moved to room ${start + i}`,
          vault: { kind: 'SESSION' as const, id: 'from' },
          metadata: { n: start + i },
        })),
      });
    }
    const first = linesOf(decoder.decode(await (await exportOf(secret, 'from')).arrayBuffer()));
    // The file ends in its trailer, which the import checks and does not store.
    expect(first.trailer).toMatchObject({ trailer: true, count: 200 });
    const imported = await workerFetch(`${BASE_URL}/v1/vaults/session/to/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
      body: [JSON.stringify(first.header), ...first.memories, JSON.stringify(first.trailer)]
        .map((line) => `${line}\n`)
        .join(''),
    });
    expect(await imported.json()).toMatchObject({
      imported: 200,
      skipped: 0,
      failed: 0,
      failures: [],
    });
    const second = linesOf(decoder.decode(await (await exportOf(secret, 'to')).arrayBuffer()));
    // Each memory line the same, byte for byte.
    expect([...second.memories].sort()).toEqual([...first.memories].sort());
    expect(second.trailer).toEqual(first.trailer);
    expect(second.header).toMatchObject({
      embeddingModel: first.header.embeddingModel,
      dimensions: first.header.dimensions,
      count: 200,
    });
  });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}
