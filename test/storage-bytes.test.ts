import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { newKey, post } from './helpers/graphql';
import {
  freshAddress,
  memory,
  ok,
  searchRequest,
  allTime,
  storeRequest,
  vaultStub,
} from './helpers/vaults';
import { recordVaultCalls } from './helpers/vault-calls';
import { Sql } from '../src/durable/sqlite/sql';

/** Counts how often vault objects (they run in this isolate) measure their database's size. */
function countMeasures() {
  const measure = vi.spyOn(Sql.prototype, 'databaseSize', 'get');
  return { count: () => measure.mock.calls.length };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a vault's storageBytes, measured only when asked", () => {
  it('a read measures the size unless its call says it need not (a previous release asks for it always)', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('the heron waits by the reeds')])));
    const search = { type: 'search' as const, request: searchRequest('heron', [allTime(3)]) };

    const asBefore = ok(await vault.read(address, [search]));
    expect(asBefore.stats.storageBytes).toBeGreaterThan(0);

    const measures = countMeasures();
    const sizeless = ok(await vault.read(address, [search], { storageBytes: false }));
    expect(sizeless.stats.storageBytes).toBeUndefined();
    expect(sizeless.stats.memoryCount).toBe(1);
    expect(measures.count()).toBe(0);

    const sized = ok(await vault.read(address, [{ type: 'stats' }], { storageBytes: true }));
    expect(sized.stats.storageBytes).toBe(asBefore.stats.storageBytes);
    expect(measures.count()).toBe(1);
  });

  it('a search through the API measures no size, and one showing storageBytes answers what the vault itself says', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'the heron waits by the reeds' },
        { content: 'a heron flew over the lake' },
        { content: 'the lake froze in january', vault: { kind: 'SESSION', id: 'walks' } },
      ],
    });
    const vaults = `[{ kind: CORE }, { kind: SESSION, id: "walks" }]`;

    const measures = countMeasures();
    const arrived = recordVaultCalls();
    const plain = await post<{ search: { hits: unknown[] } }>(
      `{ search(input: { query: "heron lake", vaults: ${vaults} }) { hits { memory { content vault { kind memoryCount } } } } }`,
      {},
      secret,
    );
    arrived.stop();
    expect(plain.errors).toBeUndefined();
    expect(plain.data!.search.hits.length).toBeGreaterThan(0);
    expect(measures.count()).toBe(0);
    // The leading vault calls the other: one read per vault, and no more
    // than the light word-statistics call a search over several vaults
    // makes first (shared-word-statistics.test.ts).
    expect(arrived.calls.sort()).toEqual([
      'read core',
      'read session:walks',
      'textStatistics core',
      'textStatistics session:walks',
    ]);

    type Sized = { kind: string; storageBytes: number };
    const shown = await post<{ search: { hits: { memory: { vault: Sized } }[] } }>(
      `{ search(input: { query: "heron lake", vaults: ${vaults} }) { hits { memory { vault { kind storageBytes } } } } }`,
      {},
      secret,
    );
    expect(shown.errors).toBeUndefined();
    // Read after the search (which wrote its usage): nothing was written since.
    const own = await post<{ core: { storageBytes: number }; walks: { storageBytes: number } }>(
      `{ core: vault(selector: { kind: CORE }) { storageBytes }
         walks: vault(selector: { kind: SESSION, id: "walks" }) { storageBytes } }`,
      {},
      secret,
    );
    expect(own.errors).toBeUndefined();
    const byKind = new Map(
      shown.data!.search.hits.map(({ memory }) => [memory.vault.kind, memory.vault]),
    );
    expect([...byKind.keys()].sort()).toEqual(['CORE', 'SESSION']);
    expect(byKind.get('CORE')!.storageBytes).toBe(own.data!.core.storageBytes);
    expect(byKind.get('SESSION')!.storageBytes).toBe(own.data!.walks.storageBytes);
    expect(own.data!.core.storageBytes).toBeGreaterThan(0);
  });
});
