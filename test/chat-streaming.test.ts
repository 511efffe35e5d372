import { print } from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatDocument,
  ChatStreamDocument,
  GetVaultDocument,
  SearchDocument,
  StoreMemoryDocument,
  type ChatStreamSubscription,
} from './generated/graphql';
import { newKey } from './helpers/graphql';
import { chatClient, chatSseClient, readUntil, sendChatRequest } from './helpers/graphql-chat';
import { eventually, fakeCalls, resetFakes, scriptFake } from './helpers/fakes';

const input = {
  model: 'openai/gpt-4o',
  messages: [{ role: 'USER', content: 'tell me about my garden plans' }],
  conversationId: 'conv-9',
};

describe('Subscription.chat over Server-Sent Events', () => {
  beforeEach(resetFakes);

  it('streams deltas with the graphql-sse client, then one final event with the result', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, {
      input: { content: 'Garden plan: tomatoes along the south fence' },
    });
    const client = chatSseClient(secret);
    const events: ChatStreamSubscription['chat'][] = [];
    for await (const result of client.iterate<ChatStreamSubscription>({
      query: print(ChatStreamDocument),
      variables: { input },
    })) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.chat);
    }
    const deltas = events.filter((event) => !event.done).map((event) => event.delta);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('Fake api.openai.com heard: tell me about my garden plans');
    const last = events.at(-1)!;
    expect(last).toMatchObject({ done: true, delta: null });
    expect(last.result!.content).toBe(deltas.join(''));
    expect(last.result!.memory.hits.map((hit) => hit.memory.content)).toEqual([
      'Garden plan: tomatoes along the south fence',
    ]);
    // The turn goes to the conversation's EPHEMERAL vault.
    await eventually(async () => {
      const found = await api.request(SearchDocument, {
        input: {
          query: 'garden plans',
          vaults: [{ kind: 'EPHEMERAL', id: 'conv-9' }],
          mode: 'TEXT',
        },
      });
      expect(found.search.hits).toHaveLength(2);
    });
  });

  it('stops the upstream call when the client disconnects, and stores nothing of that turn', async () => {
    const { secret, api } = await newKey();
    // The provider keeps sending (text-less events) and never finishes, so no
    // idle timeout ends the call: only the client's disconnect can.
    await scriptFake({ host: 'api.openai.com', mode: 'trickle' });
    const abort = new AbortController();
    const response = await sendChatRequest(
      secret,
      ChatStreamDocument,
      { input },
      { stream: true, signal: abort.signal },
    );
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    await readUntil(reader, '"delta":"Fake');
    await reader.cancel();
    abort.abort();
    await eventually(async () => expect((await fakeCalls())[0]!.cancelled).toBe(true), 10_000);

    // The next turn of the same conversation runs to the end and is stored
    // after the cancelled one would have been; the vault holds that turn only.
    const chat = chatClient(secret);
    const next = { ...input, messages: [{ role: 'USER' as const, content: 'and the roses?' }] };
    await chat.request(ChatDocument, { input: next });
    const stored = async () =>
      (
        await api.request(GetVaultDocument, {
          selector: { kind: 'EPHEMERAL', id: 'conv-9' },
          first: 10,
        })
      ).vault?.memories.edges.map((edge) => edge.node.content) ?? [];
    await eventually(async () => expect(await stored()).toContain('and the roses?'));
    expect((await stored()).sort()).toEqual([
      'Fake api.openai.com heard: and the roses?',
      'and the roses?',
    ]);
  });
});
