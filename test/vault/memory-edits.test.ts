import { describe, expect, it } from 'vitest';
import {
  allTime,
  embedder,
  failed,
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

/** VaultObject.update at the RPC: what an edit keeps of the row beyond its content. */
describe('VaultObject.update', () => {
  const edit = (id: string, content: string) => ({
    id,
    content,
    tokens: content.split(/\s+/).length,
    vector: embedder.embedOne(content),
    callerVector: false,
    model: embedder.model,
    dimensions: embedder.dimensions,
  });

  it('a superseded memory stays superseded, by the same successor, when its content is edited', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const [old] = ok(await vault.store(address, storeRequest([memory('lives in Porto')]))).memories;
    const [successor] = ok(
      await vault.store(address, {
        ...storeRequest([memory('lives in Madrid')]),
        retire: [{ id: old!.id, byPosition: 0 }],
      }),
    ).memories;

    const edited = ok(await vault.update(address, edit(old!.id, 'lived in Porto until May')));
    expect(edited.memory).toMatchObject({ id: old!.id, supersededBy: successor!.id });
    expect(edited.memory.validUntil).toEqual(expect.any(Number));
    const [stored] = ok(await vault.get(address, [old!.id])).memories;
    expect(stored).toMatchObject({
      content: 'lived in Porto until May',
      supersededBy: successor!.id,
    });

    const search = async (includeSuperseded: boolean) =>
      ok(
        await vault.search(address, [
          { ...searchRequest('Porto May', [allTime()], { mode: 'TEXT' }), includeSuperseded },
        ]),
      ).results[0]![0]!.hits.map((hit) => hit.memory.content);
    // Text ranks with neighbouring memories as context, so the successor may show too.
    expect(await search(false)).not.toContain('lived in Porto until May');
    expect(await search(true)).toContain('lived in Porto until May');
  });

  it('answers NOT_FOUND for an id it does not hold, and writes nothing', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('kept as it is')])));
    expect(failed(await vault.update(address, edit('nope', 'anything')))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'MEMORY_NOT_FOUND',
    });
    const page = ok(await vault.list(address, { first: 10, after: null, order: 'OLDEST_FIRST' }));
    expect(page.memories.map((record) => record.content)).toEqual(['kept as it is']);
  });
});

/**
 * Two stores that each supersede the same memory, as two fact extractions
 * running at once do (each model saw Paris current): the second replaces the
 * current end of the chain instead, so one version stays current (review 98).
 */
describe('VaultObject.store superseding a memory another store superseded meanwhile', () => {
  it('replaces the current version: Paris → Berlin → Rome, one current', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const [paris] = ok(
      await vault.store(address, storeRequest([memory('lives in Paris')])),
    ).memories;
    const [berlin] = ok(
      await vault.store(address, {
        ...storeRequest([memory('lives in Berlin')]),
        retire: [{ id: paris!.id, byPosition: 0 }],
      }),
    ).memories;
    const second = ok(
      await vault.store(address, {
        ...storeRequest([memory('lives in Rome')]),
        retire: [{ id: paris!.id, byPosition: 0 }],
      }),
    );
    const rome = second.memories[0]!;
    expect(second.retired).toEqual([{ id: berlin!.id, supersededBy: rome.id }]);

    const stored = ok(await vault.get(address, [paris!.id, berlin!.id, rome.id])).memories;
    const byId = new Map(stored.map((row) => [row.id, row]));
    expect(byId.get(paris!.id)).toMatchObject({ supersededBy: berlin!.id });
    expect(byId.get(berlin!.id)).toMatchObject({ supersededBy: rome.id });
    expect(byId.get(rome.id)).toMatchObject({ supersededBy: null, validUntil: null });
  });

  it('a version said before the current one arrives replaced by it', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const march = Date.UTC(2026, 2, 1);
    const july = Date.UTC(2026, 6, 1);
    const [paris] = ok(
      await vault.store(
        address,
        storeRequest([memory('lives in Paris', { createdAt: march - 1 })]),
      ),
    ).memories;
    const [berlin] = ok(
      await vault.store(address, {
        ...storeRequest([memory('lives in Berlin', { createdAt: july })]),
        retire: [{ id: paris!.id, byPosition: 0 }],
      }),
    ).memories;
    const second = ok(
      await vault.store(address, {
        ...storeRequest([memory('lives in Lyon', { createdAt: march })]),
        retire: [{ id: paris!.id, byPosition: 0 }],
      }),
    );
    const lyon = second.memories[0]!;
    expect(second.retired).toEqual([{ id: lyon.id, supersededBy: berlin!.id }]);
    const [current] = ok(await vault.get(address, [berlin!.id])).memories;
    expect(current).toMatchObject({ supersededBy: null, validUntil: null });
  });
});
