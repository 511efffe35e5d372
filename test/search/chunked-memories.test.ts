import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { runAlarm } from '../helpers/alarms';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import { chunkSpans } from '../../src/text/chunks';
import { vaultObjectName } from '../../src/vaults/address';
import {
  ClearVaultDocument,
  DeleteMemoryDocument,
  RestoreVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
} from '../generated/graphql';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { ANSWER_CORE, QUESTION, longDocument } from '../helpers/long-document';
import {
  embedder,
  failed,
  freshAddress,
  memory,
  storeRequest,
  vaultStub,
  writeMetaBeneath,
} from '../helpers/vaults';

const MODES = ['TEXT', 'VECTOR', 'HYBRID'] as const;
const SHORT = [
  'The plumber comes on Thursday at nine',
  'Our wifi password changed last week',
  'Remember to water the tomatoes',
];

async function setUp(session: string) {
  const key = await newKey();
  const vault = { kind: 'SESSION' as const, id: session };
  const document = longDocument();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [...SHORT, document].map((content) => ({ content, vault })),
  });
  const stub = env.VAULT.get(
    env.VAULT.idFromName(
      vaultObjectName({ kind: 'SESSION', keyId: key.keyId, externalId: session }),
    ),
  );
  const search = async (mode: (typeof MODES)[number], query = QUESTION, limit = 5) =>
    (
      await key.api.request(SearchDocument, {
        input: { query, vaults: [vault], windows: [{ window: 'HOT', limit }], mode },
      })
    ).search;
  return { ...key, vault, document, stub, search };
}

/** The text of each chunk of a long memory. */
const chunkTexts = (content: string) =>
  chunkSpans(content).map(({ start, end }) => content.slice(start, end));

/** The text a hit's match span covers. */
const matched = (hit: { match: { start: number; end: number }; memory: { content: string } }) =>
  hit.memory.content.slice(hit.match.start, hit.match.end);

describe('long memories, indexed in chunks', () => {
  it('finds the one paragraph that answers, as one hit for the memory with the span of its chunk', async () => {
    const { document, search, stub } = await setUp('long-1');
    const spans = chunkSpans(document);
    expect(spans.length).toBeGreaterThan(3);
    for (const mode of MODES) {
      const result = await search(mode);
      const hits = result.hits.filter((hit) => hit.memory.content === document);
      expect(hits, mode).toHaveLength(1); // one hit per memory, however many chunks matched
      const [hit] = hits;
      // By words it is the best hit and its best passage is the answer. By the
      // offline table's vectors alone, a 25-word answer is diluted in a
      // 300-word chunk's mean (every chunk scores 0.82–0.83), so VECTOR
      // promises the memory and a chunk's span, not which chunk.
      if (mode !== 'VECTOR') expect(result.hits[0], mode).toBe(hit);
      if (mode !== 'VECTOR') expect(matched(hit!), mode).toContain(ANSWER_CORE);
      expect(
        spans.map(({ start, end }) => [start, end]),
        mode,
      ).toContainEqual([hit!.match.start, hit!.match.end]);
      // Billing stays per memory: the whole memory's tokens, once.
      expect(result.memoryTokens).toBe(
        result.hits.reduce((sum, found) => sum + found.memory.tokens, 0),
      );
    }
    // The vector side holds one row per chunk; the vault still counts one memory per store.
    const rows = await runInDurableObject(stub, (instance: VaultObject) =>
      (instance as unknown as HotInternals).hot.rows(),
    );
    expect(rows).toBe(SHORT.length + spans.length);
  });

  it('keeps its chunks through a checkpoint, a restart, later writes and a delete', async () => {
    const { api, document, search, stub, vault } = await setUp('long-2');
    await runInDurableObject(stub, (instance: VaultObject) => instance.checkpoint());
    // A second long memory after the checkpoint: replayed from SQLite on wake-up.
    const later = longDocument(30, 25).replace('blue flowerpot', 'green watering can');
    const [stored] = (
      await api.request(StoreMemoriesDocument, { inputs: [{ content: later, vault }] })
    ).storeMemories;
    await evictDurableObject(stub);

    for (const mode of MODES) {
      const hits = (await search(mode, 'Is the spare key hidden under the green watering can?'))
        .hits;
      const found = hits.find((hit) => hit.memory.content === later);
      const first = (await search(mode)).hits.find((hit) => hit.memory.content === document);
      expect(found, mode).toBeDefined();
      expect(first, mode).toBeDefined();
      // Which chunk the vectors pick: see the test above.
      if (mode === 'VECTOR') continue;
      expect(matched(found!), mode).toContain('green watering can');
      expect(matched(first!), mode).toContain(ANSWER_CORE);
    }

    await api.request(DeleteMemoryDocument, { id: stored!.id });
    const first = (await search('VECTOR')).hits.find((hit) => hit.memory.content === document)!;
    await api.request(DeleteMemoryDocument, { id: first.memory.id });
    await evictDurableObject(stub);
    for (const mode of MODES) {
      const contents = (await search(mode)).hits.map((hit) => hit.memory.content);
      expect(contents, mode).not.toContain(document);
      expect(contents, mode).not.toContain(later);
    }
  });

  it('clears with the vault', async () => {
    const { api, search, vault } = await setUp('long-3');
    expect((await api.request(ClearVaultDocument, { selector: vault })).clearVault).toBe(
      SHORT.length + 1,
    );
    for (const mode of MODES) expect((await search(mode)).hits, mode).toEqual([]);
  });

  it('refuses chunk vectors that do not match the chunks of the content, storing nothing', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    const document = longDocument();
    const good = memory('a short memory stored in the same batch');
    const bad = {
      ...memory(document),
      chunkVectors: [embedder.embedOne('one'), embedder.embedOne('two')],
    };
    const refused = failed(await vault.store(address, storeRequest([good, bad])));
    expect([refused.code, refused.reason]).toEqual(['BAD_USER_INPUT', 'CHUNKS_MISMATCH']);
    expect((await vault.stats(address)) as unknown).toMatchObject({ stats: { memoryCount: 0 } });
  });
});

const stubOf = (keyId: string, session: string) =>
  env.VAULT.get(
    env.VAULT.idFromName(vaultObjectName({ kind: 'SESSION', keyId, externalId: session })),
  );

/** Rows of the vault's hot index (one per chunk of a chunked memory). */
const indexRows = (keyId: string, session: string) =>
  runInDurableObject(stubOf(keyId, session), (instance: VaultObject) =>
    (instance as unknown as HotInternals).hot.rows(),
  );

/** The object's in-memory index, reached from inside it (not part of its RPC surface). */
interface HotInternals {
  /** Rows of the hot index, loading it first when the object just woke up. */
  hot: { rows(): number };
}

async function setUpThree(session: string) {
  const key = await newKey();
  const document = longDocument();
  await key.api.request(StoreMemoriesDocument, {
    inputs: ['Buy oat milk', 'The dentist moved to Elm Street', document].map((content) => ({
      content,
      vault: { kind: 'SESSION' as const, id: session },
    })),
  });
  /** The long memory's hit by vector: its score and the text its match covers. */
  const vectorHit = async (id: string) => {
    const { hits } = (
      await key.api.request(SearchDocument, {
        input: {
          query: QUESTION,
          vaults: [{ kind: 'SESSION', id }],
          windows: [{ window: 'HOT', limit: 3 }],
          mode: 'VECTOR',
        },
      })
    ).search;
    const hit = hits.find((found) => found.memory.content === document)!;
    return { score: hit.score, text: document.slice(hit.match.start, hit.match.end) };
  };
  return { ...key, document, vectorHit, chunks: chunkSpans(document).length };
}

describe('long memories in exports, imports and snapshots', () => {
  it('exports the chunk vectors and imports them, so the copy finds the same chunk', async () => {
    const { secret, keyId, vectorHit, chunks, document } = await setUpThree('long-from');
    const exported = await workerFetch(`${BASE_URL}/v1/vaults/session/long-from/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    const file = new TextDecoder().decode(await exported.arrayBuffer());
    const lines = file
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { chunkEmbeddings?: string });
    const chunked = lines.filter((line) => line.chunkEmbeddings !== undefined);
    expect(chunked).toHaveLength(1);
    const bytes = atob(chunked[0]!.chunkEmbeddings!.replace(/-/g, '+').replace(/_/g, '/')).length;
    expect(bytes).toBe(chunks * 384 * 4);

    const imported = await workerFetch(`${BASE_URL}/v1/vaults/session/long-to/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
      body: file,
    });
    expect(await imported.json()).toMatchObject({ imported: 3, failed: 0 });
    expect(await indexRows(keyId, 'long-to')).toBe(2 + chunks);
    const [original, copy] = [await vectorHit('long-from'), await vectorHit('long-to')];
    expect(chunkTexts(document)).toContain(original.text);
    expect(copy).toEqual(original);
  });

  it('restores the chunk vectors from a snapshot', async () => {
    const { admin, keyId, vectorHit, chunks } = await setUpThree('long-dr');
    const stub = stubOf(keyId, 'long-dr');
    await runAlarm(stub, (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) => {
        sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
        // Writes have settled: the alarm writes a due snapshot only then.
        sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
      }),
    );
    const before = await vectorHit('long-dr');

    await runInDurableObject(stub, async (_, state) => state.storage.deleteAll());
    await evictDurableObject(stub);
    const restored = (
      await admin.request(RestoreVaultDocument, {
        keyId,
        vault: { kind: 'SESSION', id: 'long-dr' },
      })
    ).restoreVault;
    expect(restored.restored).toBe(3);
    expect(await indexRows(keyId, 'long-dr')).toBe(2 + chunks);
    expect(await vectorHit('long-dr')).toEqual(before);
  });
});
