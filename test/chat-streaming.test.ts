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
import {
  chatClient,
  chatSseClient,
  expectOnlyTheNextTurn,
  readUntil,
  sendChatRequest,
} from './helpers/graphql-chat';
import { eventually, fakeCalls, releaseHeld, resetFakes, scriptFake } from './helpers/fakes';
import { keyWithMemory, usageTokens } from './helpers/drop-in';
import { withWorkerVars } from './helpers/worker-vars';

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

/** The rest of a stream as text, once it ends. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

/** The `data:` of each `next` event in SSE text, parsed. */
const nextEvents = (text: string) =>
  text
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: next\n'))
    .map((frame) => JSON.parse(frame.split('\ndata: ')[1]!) as Record<string, unknown>);

/**
 * The SSE request of a chat subscription, and whether its response (status and
 * headers) has arrived yet: the tests below look at it once the provider
 * holds the call, before it has answered anything.
 */
function subscribeWatched(
  secret: string,
  chatInput: Record<string, unknown>,
  signal?: AbortSignal,
) {
  const state = { answered: false };
  const response = sendChatRequest(
    secret,
    ChatStreamDocument,
    { input: chatInput },
    { stream: true, signal },
  ).then((answer) => {
    state.answered = true;
    return answer;
  });
  return { state, response };
}

/** The provider fake holds one call to api.openai.com (it has answered nothing, headers included). */
const providerHoldsTheCall = () =>
  // Generous: as a file's first request the Worker's modules load first.
  eventually(async () => expect(await fakeCalls()).toHaveLength(1), 25_000);

// review274 F1: `subscribe` used to await the provider's answer, so over SSE
// no status, header or keep-alive comment went out until the provider had
// answered; a model silent before its headers left the client with nothing
// for up to UPSTREAM_TIMEOUT_MS. The fakes below hold their answer until the
// test has seen the response begin; a minute's UPSTREAM_TIMEOUT_MS keeps the
// project's 3 s from ending a held call on a loaded machine.
describe('Subscription.chat over SSE answers before the provider does', () => {
  beforeEach(resetFakes);

  it('sends the status, headers and a keep-alive comment while the provider is silent before its headers; the answer then streams', () =>
    withWorkerVars({ UPSTREAM_TIMEOUT_MS: '60000' }, async () => {
      const { secret } = await newKey();
      await scriptFake({ host: 'api.openai.com', mode: 'held' });
      const { state, response } = subscribeWatched(secret, input);
      try {
        await providerHoldsTheCall();
        expect(state.answered, 'the response began before the provider answered').toBe(true);
        const answer = await response;
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/text\/event-stream/);
        const reader = answer.body!.getReader();
        // Bytes the client (and any proxy between) sees meanwhile: the
        // stream's opening comment; the same writer adds one every 12 s.
        expect(await readUntil(reader, ':\n\n')).toBe(':\n\n');
        expect((await fakeCalls())[0]!.cancelled).toBe(false);

        await releaseHeld();
        const text = await readToEnd(reader);
        const events = nextEvents(text).map((event) => event.data as ChatStreamSubscription);
        for (const event of events) expect(event).toBeDefined();
        const deltas = events.filter((event) => !event.chat.done).map((event) => event.chat.delta);
        expect(deltas.join('')).toBe('Fake api.openai.com heard: tell me about my garden plans');
        expect(events.at(-1)!.chat).toMatchObject({
          done: true,
          result: { content: deltas.join('') },
        });
        expect(text.endsWith('event: complete\ndata:\n\n')).toBe(true);
      } finally {
        await releaseHeld();
      }
    }));

  // A refusal used to be the error of `subscribe` itself; it is now the
  // stream's one event, whose field throws it, answered as before: `{ errors }`
  // and the receipt, no `data: null` (use-refused-opening.ts).
  const refusals: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'a 429 with Retry-After',
      { mode: 'held', status: 429, headers: { 'retry-after': '7' } },
      { reason: 'PROVIDER_4XX', status: 429, providerStatus: 429, retryAfter: 7 },
    ],
    [
      'a 401 (a bad provider key)',
      { mode: 'held', status: 401 },
      { reason: 'PROVIDER_4XX', status: 401, providerStatus: 401, providerCode: 'invalid_api_key' },
    ],
    ['a provider down', { mode: 'unreachable' }, { reason: 'UNREACHABLE', status: 502 }],
  ];
  for (const [kind, script, extensions] of refusals) {
    it(`${kind}: the response has begun; the refusal is its one event, coded, then it completes; nothing billed`, () =>
      withWorkerVars({ UPSTREAM_TIMEOUT_MS: '60000' }, async () => {
        const key = await keyWithMemory('My garden plan: tomatoes along the south fence');
        const before = await usageTokens(key);
        await scriptFake({ host: 'api.openai.com', ...script });
        const { state, response } = subscribeWatched(key.secret, input);
        try {
          if (script.mode === 'held') {
            await providerHoldsTheCall();
            expect(state.answered, 'the response began before the provider refused').toBe(true);
            await releaseHeld();
          }
          const answer = await response;
          expect(answer.status).toBe(200);
          const text = await answer.text();
          expect(text.startsWith(':\n\n')).toBe(true);
          expect(nextEvents(text)).toStrictEqual([
            {
              errors: [
                {
                  message: expect.stringContaining('openai') as unknown,
                  locations: [{ line: 2, column: 3 }],
                  path: ['chat'],
                  extensions: {
                    code: 'UPSTREAM_ERROR',
                    provider: 'openai',
                    requestId: answer.headers.get('x-memory-request-id'),
                    ...(script.mode === 'held'
                      ? { providerRequestId: expect.any(String) as unknown }
                      : {}),
                    ...(script.status === 429 ? { providerCode: 'rate_limit_exceeded' } : {}),
                    ...extensions,
                  },
                },
              ],
              // The receipt: memory was read for the call, none of it billed.
              extensions: { memory: expect.objectContaining({ memoryTokens: 0 }) as unknown },
            },
          ]);
          expect(text.endsWith('event: complete\ndata:\n\n')).toBe(true);
          expect(await usageTokens(key)).toBe(before);
        } finally {
          await releaseHeld();
        }
      }));
  }

  it('a client that leaves while the provider is silent before its headers aborts the call: nothing billed, no turn stored', () =>
    withWorkerVars({ UPSTREAM_TIMEOUT_MS: '60000' }, async () => {
      const key = await keyWithMemory('My garden plan: tomatoes along the south fence');
      const before = await usageTokens(key);
      // Nothing at all, headers included, until the call is aborted.
      await scriptFake({ host: 'api.openai.com', mode: 'stall' });
      const abort = new AbortController();
      const leaving = { model: input.model, messages: input.messages, sessionId: 'left-early' };
      const { state, response } = subscribeWatched(key.secret, leaving, abort.signal);
      await providerHoldsTheCall();
      expect(state.answered, 'the response began before the provider answered').toBe(true);
      const reader = (await response).body!.getReader();
      await readUntil(reader, ':\n\n');
      await reader.cancel();
      abort.abort();
      await eventually(async () => expect((await fakeCalls())[0]!.cancelled).toBe(true), 10_000);

      await expectOnlyTheNextTurn(key, input.model, 'left-early', before);
    }));
});
