import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createClient as createSseClient } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import type { VaultObject } from '../src/durable/vault/vault-object';
import { vaultObjectName } from '../src/vaults/address';
import { BASE_URL, newKey, post, workerFetch } from './helpers/graphql';

/**
 * `updateMemory`: an app corrects a fact in place. Everything through the
 * public GraphQL API against real vault objects.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!) {
    storeMemories(inputs: $inputs) {
      id
      content
      createdAt
      tokens
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateMemoryInput!) {
    updateMemory(input: $input) {
      id
      content
      role
      metadata
      createdAt
      tokens
    }
  }
`;
const GET = /* GraphQL */ `
  query Get($id: ID!) {
    memory(id: $id) {
      id
      content
      role
      metadata
      createdAt
      tokens
    }
  }
`;
const SEARCH = /* GraphQL */ `
  query Search($input: SearchInput!) {
    search(input: $input) {
      hits {
        memory {
          id
          content
        }
      }
    }
  }
`;
const COUNT = /* GraphQL */ `
  query Count($selector: VaultSelector!) {
    vault(selector: $selector) {
      memoryCount
    }
  }
`;

type Memory = {
  id: string;
  content: string;
  role: string;
  metadata: unknown;
  createdAt: string;
  tokens: number;
};

async function store(secret: string, inputs: object[]): Promise<Memory[]> {
  const result = await post<{ storeMemories: Memory[] }>(STORE, { inputs }, secret);
  expect(result.errors).toBeUndefined();
  return result.data!.storeMemories;
}

async function update(secret: string, input: object) {
  return post<{ updateMemory: Memory }>(UPDATE, { input }, secret);
}

async function get(secret: string, id: string): Promise<Memory | null> {
  return (await post<{ memory: Memory | null }>(GET, { id }, secret)).data!.memory;
}

async function contentsFound(
  secret: string,
  query: string,
  mode: string,
  vaults?: object[],
): Promise<string[]> {
  const result = await post<{ search: { hits: { memory: { content: string } }[] } }>(
    SEARCH,
    { input: { query, mode, ...(vaults ? { vaults } : {}) } },
    secret,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search.hits.map((hit) => hit.memory.content);
}

describe('updateMemory', () => {
  it('replaces the content: searchable at once, the old text no longer matches, id and createdAt kept', async () => {
    const { secret } = await newKey();
    const [paris] = await store(secret, [
      { content: 'I live in Paris near the river' },
      { content: 'My sister plays the cello' },
    ]);
    expect(await contentsFound(secret, 'Paris', 'TEXT')).toContain(paris!.content);

    const edited = await update(secret, {
      id: paris!.id,
      content: 'I moved to Berlin last spring',
    });
    expect(edited.errors).toBeUndefined();
    expect(edited.data!.updateMemory).toMatchObject({
      id: paris!.id,
      content: 'I moved to Berlin last spring',
      createdAt: paris!.createdAt,
    });
    // Billed as a store of the new content.
    const tokens = edited.data!.updateMemory.tokens;
    expect(tokens).toBeGreaterThan(0);
    expect(edited.extensions?.memory).toMatchObject({ memoryTokens: tokens });

    expect(await get(secret, paris!.id)).toMatchObject({
      content: 'I moved to Berlin last spring',
      createdAt: paris!.createdAt,
    });
    for (const mode of ['TEXT', 'HYBRID', 'VECTOR']) {
      const berlin = await contentsFound(secret, 'Berlin', mode);
      expect(berlin[0], mode).toBe('I moved to Berlin last spring');
      expect(berlin, mode).not.toContain('I live in Paris near the river');
    }
    expect(await contentsFound(secret, 'Paris river', 'TEXT')).toEqual([]);
    const count = await post<{ vault: { memoryCount: number } }>(
      COUNT,
      { selector: { kind: 'CORE' } },
      secret,
    );
    expect(count.data!.vault.memoryCount).toBe(2);
  });

  it('bills nothing for content identical to the stored content', async () => {
    const { secret } = await newKey();
    const [memory] = await store(secret, [{ content: 'Prefers tea over coffee' }]);
    // Before: re-embedded and billed as a store of it (memoryTokens 4).
    const same = await update(secret, { id: memory!.id, content: 'Prefers tea over coffee' });
    expect(same.errors).toBeUndefined();
    expect(same.data!.updateMemory).toMatchObject({
      id: memory!.id,
      content: 'Prefers tea over coffee',
      createdAt: memory!.createdAt,
      tokens: memory!.tokens,
    });
    expect(same.extensions?.memory).toMatchObject({ memoryTokens: 0 });
    // With a role beside it: the role changes, the content still bills nothing.
    const withRole = await update(secret, {
      id: memory!.id,
      content: 'Prefers tea over coffee',
      role: 'ASSISTANT',
    });
    expect(withRole.data!.updateMemory).toMatchObject({ role: 'ASSISTANT' });
    expect(withRole.extensions?.memory).toMatchObject({ memoryTokens: 0 });
    expect(await contentsFound(secret, 'tea', 'TEXT')).toEqual(['Prefers tea over coffee']);
  });

  it('edits role and metadata alone, keeping the content; null removes the metadata', async () => {
    const { secret } = await newKey();
    const [memory] = await store(secret, [
      { content: 'Prefers tea over coffee', metadata: { topic: 'drinks', v: 1 } },
    ]);
    const edited = await update(secret, {
      id: memory!.id,
      role: 'ASSISTANT',
      metadata: { topic: 'food', v: 2 },
    });
    expect(edited.errors).toBeUndefined();
    expect(edited.data!.updateMemory).toMatchObject({
      content: 'Prefers tea over coffee',
      role: 'ASSISTANT',
      metadata: { topic: 'food', v: 2 },
      tokens: memory!.tokens,
    });
    // No content written: nothing billed.
    expect(edited.extensions?.memory).toMatchObject({ memoryTokens: 0 });
    // The search's metadata filter sees the new metadata, not the old.
    const byTopic = async (topic: string) =>
      (
        await post<{ search: { hits: unknown[] } }>(
          SEARCH,
          { input: { query: 'tea', mode: 'TEXT', metadata: { topic } } },
          secret,
        )
      ).data!.search.hits.length;
    expect(await byTopic('food')).toBe(1);
    expect(await byTopic('drinks')).toBe(0);

    const cleared = await update(secret, { id: memory!.id, metadata: null });
    expect(cleared.data!.updateMemory.metadata).toBeNull();
    expect((await get(secret, memory!.id))!.metadata).toBeNull();
  });

  it('live subscribers get an EDITED event with the new content', async () => {
    const { secret } = await newKey();
    const [memory] = await store(secret, [{ content: 'Works at the bakery' }]);
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
    });
    const events = client.iterate<{
      memoryEvents: { type: string; memoryId: string; content: string | null };
    }>({
      query: `subscription { memoryEvents(vault: { kind: CORE }, lastEventId: "0") { id type memoryId content } }`,
    });
    try {
      // The replayed ADDED event: the positive sign the subscription is live.
      expect((await events.next()).value?.data?.memoryEvents.type).toBe('ADDED');
      await update(secret, { id: memory!.id, content: 'Works at the library now' });
      expect((await events.next()).value?.data?.memoryEvents).toMatchObject({
        type: 'EDITED',
        memoryId: memory!.id,
        content: 'Works at the library now',
      });
    } finally {
      await events.return?.();
      client.dispose();
    }
  });

  it('the export shows the edit', async () => {
    const { secret } = await newKey();
    const [memory] = await store(secret, [
      { vault: { kind: 'SESSION', id: 'exp' }, content: 'Has a red bicycle' },
    ]);
    await update(secret, { id: memory!.id, content: 'Has a blue bicycle' });
    const file = await (
      await workerFetch(`${BASE_URL}/v1/vaults/session/exp/export`, {
        headers: { authorization: `Bearer ${secret}` },
      })
    ).text();
    expect(file).toContain('Has a blue bicycle');
    expect(file).not.toContain('Has a red bicycle');
  });

  it('refuses bad edits with coded errors and changes nothing', async () => {
    const { secret } = await newKey();
    const [memory, deleted] = await store(secret, [
      { content: 'Lives in Lisbon', metadata: { a: 1 } },
      { content: 'deleted before its edit' },
    ]);
    await post(`mutation($id: ID!) { deleteMemory(id: $id) }`, { id: deleted!.id }, secret);
    const before = await get(secret, memory!.id);
    const cases: [object, string, string][] = [
      [{ id: memory!.id, content: '   ' }, 'BAD_USER_INPUT', 'EMPTY_CONTENT'],
      [{ id: memory!.id, metadata: [1, 2] }, 'BAD_USER_INPUT', 'INVALID_METADATA'],
      [{ id: memory!.id, content: 'x'.repeat(40_000) }, 'PAYLOAD_TOO_LARGE', 'CONTENT_TOO_LARGE'],
      [{ id: memory!.id }, 'BAD_USER_INPUT', 'NOTHING_TO_UPDATE'],
      [{ id: memory!.id, embedding: [1, 0, 0] }, 'BAD_USER_INPUT', 'EMBEDDING_WITHOUT_CONTENT'],
    ];
    for (const [input, code, reason] of cases) {
      const result = await update(secret, input);
      expect(result.errors?.[0]?.extensions, reason).toMatchObject({ code, reason });
      expect(result.errors?.[0]?.message, reason).toMatch(/^input/);
    }
    const missing = await update(secret, { id: deleted!.id, content: 'anything' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'MEMORY_NOT_FOUND',
    });
    expect(await get(secret, deleted!.id)).toBeNull();
    expect(await get(secret, memory!.id)).toEqual(before);
    expect(await contentsFound(secret, 'Lisbon', 'TEXT')).toEqual(['Lives in Lisbon']);
  });

  it('a vault of caller vectors wants the new vector with new content (EMBEDDING_MISMATCH otherwise)', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'byov' };
    const [memory] = await store(secret, [
      { vault, content: 'north', embedding: [1, 0, 0, 0] },
      { vault, content: 'east', embedding: [0, 1, 0, 0] },
    ]);
    const refused = await update(secret, { id: memory!.id, content: 'south' });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_MISMATCH',
    });
    expect((await get(secret, memory!.id))!.content).toBe('north');
    const wrongSize = await update(secret, { id: memory!.id, content: 'south', embedding: [1, 0] });
    expect(wrongSize.errors?.[0]?.extensions).toMatchObject({ reason: 'EMBEDDING_DIMENSIONS' });

    const edited = await update(secret, {
      id: memory!.id,
      content: 'south',
      embedding: [0, 0, 1, 0],
    });
    expect(edited.errors).toBeUndefined();
    const nearest = await post<{ search: { hits: { memory: { content: string } }[] } }>(
      SEARCH,
      {
        input: {
          query: 'q',
          mode: 'VECTOR',
          vaults: [vault],
          embedding: [0, 0, 1, 0],
          windows: [{ window: 'HOT', limit: 1 }],
        },
      },
      secret,
    );
    expect(nearest.data!.search.hits.map((hit) => hit.memory.content)).toEqual(['south']);
  });

  it('an edit survives a checkpoint and an eviction: the woken vault finds the new text, not the old', async () => {
    const { secret, keyId } = await newKey();
    const vault = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    const stored = await store(secret, [
      { content: 'The cat is called Miso' },
      { content: 'The dog is called Rufus' },
      { content: 'The parrot is called Kiwi' },
    ]);
    // The checkpoint holds every row: the edit's delete goes through its tombstones.
    await runInDurableObject(vault, (object: VaultObject) => object.checkpoint());
    await update(secret, { id: stored[0]!.id, content: 'The cat is called Pepper' });
    await update(secret, { id: stored[0]!.id, content: 'The cat is called Nutmeg' });
    await evictDurableObject(vault);
    const expectOnlyNutmeg = async () => {
      for (const mode of ['TEXT', 'VECTOR', 'HYBRID']) {
        const found = await contentsFound(secret, 'cat called', mode);
        expect(found, mode).toContain('The cat is called Nutmeg');
        expect(found, mode).not.toContain('The cat is called Miso');
        expect(found, mode).not.toContain('The cat is called Pepper');
        expect(found.length, mode).toBeLessThanOrEqual(3);
      }
      expect(await contentsFound(secret, 'Miso', 'TEXT')).toEqual([]);
    };
    await expectOnlyNutmeg();
    // And once more from a checkpoint written after the edits.
    await runInDurableObject(vault, (object: VaultObject) => object.checkpoint());
    await evictDurableObject(vault);
    await expectOnlyNutmeg();
    const count = await post<{ vault: { memoryCount: number } }>(
      COUNT,
      { selector: { kind: 'CORE' } },
      secret,
    );
    expect(count.data!.vault.memoryCount).toBe(3);
  });

  it('an edit into Chinese or Japanese text is found by its characters', async () => {
    const { secret } = await newKey();
    const [memory] = await store(secret, [{ content: 'Meeting in Tokyo on Friday' }]);
    await update(secret, { id: memory!.id, content: '金曜日に東京で会議があります' });
    expect(await contentsFound(secret, '東京', 'TEXT')).toEqual(['金曜日に東京で会議があります']);
    expect(await contentsFound(secret, 'Tokyo', 'TEXT')).toEqual([]);
  });
});
