import { createClient } from 'graphql-sse';
import { print } from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatStreamDocument,
  SearchDocument,
  StoreMemoryDocument,
  type ChatStreamSubscription,
} from './generated/graphql';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
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
    const client = createClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test' },
    });
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

  it('stops the upstream call when the client disconnects, and stores nothing', async () => {
    const { secret, api } = await newKey();
    await scriptFake({ host: 'api.openai.com', mode: 'hang' });
    const abort = new AbortController();
    const response = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        'x-provider-key': 'sk-test',
      },
      body: JSON.stringify({ query: print(ChatStreamDocument), variables: { input } }),
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"delta":"Fake')) text += decoder.decode((await reader.read()).value);
    await reader.cancel();
    abort.abort();
    // Well inside the 3 s upstream timeout: the disconnect itself stopped the call.
    await eventually(async () => expect((await fakeCalls())[0]!.cancelled).toBe(true), 2_000);
    const found = await api.request(SearchDocument, {
      input: { query: 'garden', vaults: [{ kind: 'EPHEMERAL', id: 'conv-9' }], mode: 'TEXT' },
    });
    expect(found.search.hits).toEqual([]);
  });
});
