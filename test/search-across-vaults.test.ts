import { describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { newKey } from './helpers/graphql';

describe('storing and searching across vaults', () => {
  it('answers storeMemories in the order of its inputs, whichever vault each went to', async () => {
    const { api } = await newKey();
    const inputs = ['one', 'two', 'three', 'four', 'five'].map((word, i) => ({
      content: `input number ${word}`,
      ...(i % 2 ? { vault: { kind: 'SESSION' as const, id: 'odd' } } : {}),
    }));
    const { storeMemories } = await api.request(StoreMemoriesDocument, { inputs });
    expect(storeMemories.map((memory) => [memory.content, memory.vault.kind])).toEqual(
      inputs.map((input) => [input.content, input.vault ? 'SESSION' : 'CORE']),
    );
  });

  it("keeps one copy of a fact stored in several vaults, and each window's limit", async () => {
    const { api } = await newKey();
    const session = { kind: 'SESSION' as const, id: 'trip' };
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The spare key is under the blue flowerpot' },
        { content: 'the spare key is under the blue flowerpot ', vault: session },
        { content: 'A spare key for the bike lock is in the drawer' },
        { content: 'The car key is on the hook by the door', vault: session },
        { content: 'The office key card opens the side entrance', vault: session },
      ],
    });
    const search = (limit: number) =>
      api.request(SearchDocument, {
        input: {
          query: 'where is the spare key',
          vaults: [{ kind: 'CORE' }, session],
          windows: [{ window: 'HOT', limit }],
          mode: 'TEXT',
        },
      });
    const all = (await search(10)).search.hits.map((hit) =>
      hit.memory.content.trim().toLowerCase(),
    );
    expect(
      all.filter((content) => content === 'the spare key is under the blue flowerpot'),
    ).toHaveLength(1);
    expect(new Set(all).size).toBe(all.length);
    // Five memories, four distinct: a limit of 2 across two vaults is 2, not 2 per vault.
    const limited = (await search(2)).search.hits;
    expect(limited).toHaveLength(2);
    expect(limited[0]!.score).toBeGreaterThanOrEqual(limited[1]!.score);
  });

  it('keeps a session and a conversation of the same id apart', async () => {
    const { api } = await newKey();
    const vaults = [
      { kind: 'SESSION' as const, id: 'same-id' },
      { kind: 'EPHEMERAL' as const, id: 'same-id' },
    ];
    for (const vault of vaults) {
      await api.request(StoreMemoryDocument, {
        input: { content: `written to the ${vault.kind.toLowerCase()} vault`, vault },
      });
    }
    for (const vault of vaults) {
      const listed = (await api.request(GetVaultDocument, { selector: vault, first: 10 })).vault!;
      expect(listed.memories.edges.map((edge) => edge.node.content)).toEqual([
        `written to the ${vault.kind.toLowerCase()} vault`,
      ]);
    }
  });
});
