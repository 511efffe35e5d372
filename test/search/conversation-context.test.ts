import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import { vaultObjectName } from '../../src/vaults/address';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey, post } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';
import { resetFakes } from '../helpers/fakes';
import { writeMetaBeneath } from '../helpers/vaults';

/**
 * Context (a memory scored with the turns said around it) is for
 * conversations: a batch of notes an app stores together lends its
 * neighbours nothing, so a search or a chat is not answered, billed or
 * injected with a note that holds no word of the query. Turns that
 * alternate user and assistant, or that name their speakers, keep it.
 */
type Role = 'USER' | 'ASSISTANT' | 'SYSTEM';
interface Stored {
  content: string;
  role?: Role;
  metadata?: Record<string, string>;
}

const SESSION = { kind: 'SESSION' as const, id: 'trip' };
const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateMemoryInput!) {
    updateMemory(input: $input) {
      role
    }
  }
`;

async function vaultOf(memories: Stored[]) {
  const key = await newKey();
  // One batch, one timestamp: as an app stores a list of notes, or a transcript.
  const createdAt = new Date(Date.now() - 60_000).toISOString();
  const { storeMemories } = await key.api.request(StoreMemoriesDocument, {
    inputs: memories.map((memory) => ({ ...memory, createdAt, vault: SESSION })),
  });
  const search = async (query: string, mode: 'TEXT' | 'HYBRID' = 'TEXT') =>
    (
      await key.api.request(SearchDocument, {
        input: { query, vaults: [SESSION], mode, windows: [{ window: 'HOT', limit: 8 }] },
      })
    ).search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
  const stub = env.VAULT.get(
    env.VAULT.idFromName(
      vaultObjectName({ kind: 'SESSION', keyId: key.keyId, externalId: SESSION.id }),
    ),
  );
  return { ...key, ids: storeMemories.map((memory) => memory.id), search, stub };
}

const contents = (hits: { content: string }[]) => hits.map((hit) => hit.content);

describe('context within a conversation only', () => {
  beforeEach(resetFakes);

  it('finds no note of a batch by the words of the note beside it', async () => {
    const { search } = await vaultOf([
      { content: 'I drive a blue Volvo estate from 2019' },
      // A label on one side only: a note, not a turn of a transcript.
      { content: 'Unrelated: my sister is called Jo' },
      { content: 'I am allergic to peanuts' },
      { content: 'My favourite colour is teal' },
    ]);
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      expect(contents(await search('Which car do I drive, a Volvo?', mode)), mode).toEqual([
        'I drive a blue Volvo estate from 2019',
      ]);
      expect(contents(await search('peanuts', mode)), mode).toEqual(['I am allergic to peanuts']);
    }
  });

  it("still finds an assistant's reply through the user turn it answers", async () => {
    const { search } = await vaultOf([
      { content: 'Did you book the flights to Lisbon?', role: 'USER' },
      { content: 'Yes, for the 12th, two window seats', role: 'ASSISTANT' },
    ]);
    const hits = await search('Lisbon flights');
    expect(contents(hits)).toEqual([
      'Did you book the flights to Lisbon?',
      'Yes, for the 12th, two window seats',
    ]);
    // Found by context alone: below the turn holding the words.
    expect(hits[1]!.score).toBeLessThan(hits[0]!.score);
  });

  it('still finds turns that name their speakers, in content or metadata, all of one role', async () => {
    const labelled = await vaultOf([
      { content: 'Jon: Did you end up going to Lisbon?' },
      { content: 'Gina: Yes! Last week, with my sister' },
      { content: 'Jon: How was the food?' },
    ]);
    expect(contents(await labelled.search('Lisbon'))).toEqual([
      'Jon: Did you end up going to Lisbon?',
      'Gina: Yes! Last week, with my sister',
      'Jon: How was the food?',
    ]);
    const saidBy = await vaultOf([
      { content: 'Did you end up going to Lisbon?', metadata: { speaker: 'Jon' } },
      { content: 'Yes! Last week, with my sister', metadata: { author: 'Gina' } },
    ]);
    expect(contents(await saidBy.search('Lisbon'))).toEqual([
      'Did you end up going to Lisbon?',
      'Yes! Last week, with my sister',
    ]);
  });

  it('follows an edit of role or metadata, before and after the vault wakes from its checkpoint', async () => {
    const { secret, ids, search, stub } = await vaultOf([
      { content: 'Did you book the flights to Lisbon?' },
      { content: 'Yes, for the 12th, two window seats' },
    ]);
    const reply = 'Yes, for the 12th, two window seats';
    expect(contents(await search('Lisbon'))).not.toContain(reply);
    await runInDurableObject(stub, (instance: VaultObject) => instance.checkpoint());

    const edit = await post(UPDATE, { input: { id: ids[1], role: 'ASSISTANT' } }, secret);
    expect(edit.errors).toBeUndefined();
    expect(contents(await search('Lisbon'))).toContain(reply);
    await evictDurableObject(stub);
    expect(contents(await search('Lisbon'))).toContain(reply);

    await runInDurableObject(stub, (instance: VaultObject) => instance.checkpoint());
    await post(UPDATE, { input: { id: ids[1], role: 'USER' } }, secret);
    expect(contents(await search('Lisbon'))).not.toContain(reply);
    await evictDurableObject(stub);
    expect(contents(await search('Lisbon'))).not.toContain(reply);
  });

  it('injects into chat no reply that only sat beside a note holding the words', async () => {
    const { secret } = await vaultOf([
      { content: 'We are planning a trip to Kyoto in April' },
      { content: 'Any ideas for our trip?', role: 'USER' },
      { content: 'Sure, noted.', role: 'ASSISTANT' },
    ]);
    const chat = chatClient(secret, 'sk-test-openai');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        sessionId: SESSION.id,
        memoryMode: 'READ',
        messages: [{ role: 'USER', content: 'Where are we going in April?' }],
      },
    });
    expect(result.memory.hits.map((hit) => hit.memory.content)).toEqual([
      'We are planning a trip to Kyoto in April',
    ]);
  });
});

/**
 * Review 266 F3: a heading such as "Note 1:", "Todo:" or "Reminder:" is not a
 * speaker's name, so notes that open with one are notes, and lend each
 * other nothing; names, titled or numbered speakers still make a transcript.
 */
describe('labels that are not speakers', () => {
  beforeEach(resetFakes);

  const NOW = '2026-11-27T12:00:00Z';

  async function pairOf(first: string, second: string) {
    const key = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'notes-label' };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { vault, content: first, createdAt: '2026-11-27T10:00:00Z' },
        { vault, content: second, createdAt: '2026-11-27T10:01:00Z' },
      ],
    });
    const search = async (query: string) =>
      contents(
        (
          await key.api.request(SearchDocument, {
            input: {
              query,
              vaults: [vault],
              mode: 'TEXT',
              windows: [{ window: 'HOT', limit: 3 }],
              now: NOW,
            },
          })
        ).search.hits.map((hit) => ({ content: hit.memory.content })),
      );
    const stub = env.VAULT.get(
      env.VAULT.idFromName(
        vaultObjectName({ kind: 'SESSION', keyId: key.keyId, externalId: vault.id }),
      ),
    );
    return { search, stub };
  }

  it("finds no note by the words of the note beside it when both open with a heading (the reviewer's notes)", async () => {
    const { search } = await pairOf(
      'Note 1: my car is a red Toyota',
      'Note 2: my sister is called Jo',
    );
    expect(await search('what car do I drive?')).toEqual(['Note 1: my car is a red Toyota']);
  });

  it('reads each kind of heading as no speaker, even beside a named turn', async () => {
    // Context needs both neighbours to name a speaker: beside "Caroline: …",
    // each heading alone decides, so each rule is checked on its own.
    for (const heading of ['Todo:', 'Reminder:', 'Update:', 'Q:', 'Room 12:', 'Shopping list:']) {
      const { search } = await pairOf(
        'Caroline: my car is a red Toyota',
        `${heading} my sister is called Jo`,
      );
      expect(await search('what car do I drive?'), heading).toEqual([
        'Caroline: my car is a red Toyota',
      ]);
    }
  });

  it('still reads names, titled names and numbered speakers as speakers', async () => {
    for (const [first, second] of [
      ['Caroline: Did you end up going to Lisbon?', 'Melanie: Yes! Last week, with my sister'],
      ['Dr. Jane Smith: Did you end up going to Lisbon?', 'Ludwig van Beethoven: Yes! Last week'],
      ['Speaker 1: Did you end up going to Lisbon?', 'Speaker 2: Yes! Last week, with my sister'],
      ['李明: Did you end up going to Lisbon?', 'May: Yes! Last week, with my sister'],
    ]) {
      const { search } = await pairOf(first!, second!);
      expect(await search('Lisbon'), first).toEqual([first, second]);
    }
  });

  it('reads no speaker from text pages a checkpoint wrote under the earlier rule', async () => {
    const { search, stub } = await pairOf(
      'Note 1: my car is a red Toyota',
      'Note 2: my sister is called Jo',
    );
    expect(await search('what car do I drive?')).toEqual(['Note 1: my car is a red Toyota']);
    // As a deployment before this rule left them: each memory's voice says it
    // names its speaker (bit 4, turn-voices.ts), and the pages carry no stamp
    // of the rule they were written under.
    await runInDurableObject(stub, (instance: VaultObject, state) => {
      instance.checkpoint();
      writeMetaBeneath(instance, state, ({ sql, meta }) => {
        const pages = sql
          .exec<{ page: number; voices: ArrayBuffer }>('SELECT page, voices FROM text_pages')
          .toArray();
        expect(pages).toHaveLength(1);
        for (const { page, voices } of pages)
          sql.exec(
            'UPDATE text_pages SET voices = ? WHERE page = ?',
            Uint8Array.from(new Uint8Array(voices), (voice) => voice | 4).buffer,
            page,
          );
        meta.set('textPagesVoices', null);
      });
    });
    await evictDurableObject(stub);
    expect(await search('what car do I drive?')).toEqual(['Note 1: my car is a red Toyota']);
  });
});
