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
