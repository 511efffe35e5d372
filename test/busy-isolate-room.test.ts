import { describe, expect, it } from 'vitest';
import { GetVaultDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey, post } from './helpers/graphql';
import { useOwnHotBudget } from './helpers/hot-budget';

// An isolate whose hot budget is spent keeps only each vault's newest
// vectors (hot-rows.ts lets the oldest go). What a vault holds must not
// depend on that: its memoryCount and its room (VAULT_MAX_MEMORIES, 300 in
// the tests) are the vault's own. Before, a vault in a busy isolate counted
// only the memories its index still held, so a full vault took more and
// said it held fewer (a full CI run met it: chat-receipts' VAULT_FULL turn
// was stored).

const SESSION = { kind: 'SESSION' as const, id: 'busy' };

describe('a vault in an isolate over its hot budget', () => {
  useOwnHotBudget(0);

  it('counts every memory it holds and refuses what does not fit', async () => {
    const key = await newKey();
    for (let batch = 0; batch < 3; batch++) {
      const size = batch < 2 ? 100 : 99;
      await key.api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: size }, (_, at) => ({
          content: `filler note ${batch}-${at}`,
          vault: SESSION,
        })),
      });
    }
    const { vault } = await key.api.request(GetVaultDocument, { selector: SESSION, first: 1 });
    expect(vault?.memoryCount).toBe(299);
    expect(vault?.memories.totalCount).toBe(299);

    const refused = await post(
      StoreMemoriesDocument,
      { inputs: ['one more', 'and another'].map((content) => ({ content, vault: SESSION })) },
      key.secret,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'VAULT_FULL',
    });
    const after = await key.api.request(GetVaultDocument, { selector: SESSION, first: 1 });
    expect(after.vault?.memoryCount).toBe(299);
  });
});
