import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument, UsageDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { decodeReceipt, postJson, upstreamCalls } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { sendChatRequest } from '../helpers/graphql-chat';

// A client resends the conversation with every turn. Its earlier turns are in
// the session vault too (stored as they were said); chat must not inject
// them again: the model has them, they would be billed as memory, and a
// block that repeats the history changes every turn. Their places in a window
// go to the next best memories.

type Key = Awaited<ReturnType<typeof newKey>>;

const SAID = 'My dog Rex is a beagle who loves carrots';
const ANSWERED = 'Rex the beagle loves carrots, apples and peanut butter.';
const ASKED = 'What does my dog Rex love to eat?';
const OTHERS = [
  'Rex was adopted from a shelter in 2019',
  'Rex sleeps on the sofa in the evening',
  'Rex is afraid of thunder',
];

/** A session holding turn 1 as chat stores it, and other memories of Rex; tokens by content. */
async function sessionWithTurn(key: Key, session: string): Promise<Map<string, number>> {
  const stored = await key.api.request(StoreMemoriesDocument, {
    inputs: [
      { content: SAID, role: 'USER' as const },
      { content: ANSWERED, role: 'ASSISTANT' as const },
      ...OTHERS.map((content) => ({ content })),
    ].map((input) => ({ ...input, vault: { kind: 'SESSION' as const, id: session } })),
  });
  return new Map(stored.storeMemories.map((memory) => [memory.content, memory.tokens]));
}

/** The memories of the block injected somewhere in a provider request body. */
function injected(body: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      const block = /<memories>\n([\s\S]*?)\n<\/memories>/.exec(value);
      if (block) {
        for (const line of block[1]!.split('\n'))
          found.push(JSON.parse(line.slice(line.indexOf('] ') + 2)) as string);
      }
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(body);
  return found;
}

interface Surface {
  name: string;
  host: string;
  /** Turn 2 on this surface: turn 1's words and answer, then the new question. */
  send(key: Key, session: string): Promise<Response>;
}

// Two HOT hits and no other window (whose free places would go to HOT's
// next best): the two best memories are turn 1's, so before anything is
// left out they take both places. Read only, so what is billed is the
// injected memory alone.
const LOW = { 'x-memory-windows': 'HOT=2', 'x-memory-mode': 'read' };

const SURFACES: Surface[] = [
  {
    name: 'OpenAI chat completions (case and spacing differ from the stored turn)',
    host: 'api.openai.com',
    send: (key, session) =>
      postJson(
        '/v1/chat/completions',
        {
          model: 'gpt-4o',
          messages: [
            { role: 'system', content: 'You are helpful.' },
            { role: 'user', content: 'my dog REX is a beagle\n  who loves carrots ' },
            { role: 'assistant', content: ANSWERED },
            { role: 'user', content: ASKED },
          ],
        },
        {
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-test',
          'x-session-id': session,
          ...LOW,
        },
      ),
  },
  {
    name: 'Anthropic messages (content blocks)',
    host: 'api.anthropic.com',
    send: (key, session) =>
      postJson(
        '/v1/messages',
        {
          model: 'claude-sonnet-4',
          max_tokens: 100,
          system: 'You are helpful.',
          messages: [
            { role: 'user', content: [{ type: 'text', text: SAID }] },
            { role: 'assistant', content: [{ type: 'text', text: ANSWERED }] },
            { role: 'user', content: ASKED },
          ],
        },
        {
          'x-api-key': key.secret,
          'x-provider-key': 'sk-ant-test',
          'x-session-id': session,
          ...LOW,
        },
      ),
  },
  {
    name: 'Gemini generateContent',
    host: 'generativelanguage.googleapis.com',
    send: (key, session) =>
      postJson(
        '/v1beta/models/gemini-2.5-flash:generateContent',
        {
          contents: [
            { role: 'user', parts: [{ text: SAID }] },
            { role: 'model', parts: [{ text: ANSWERED }] },
            { role: 'user', parts: [{ text: ASKED }] },
          ],
        },
        {
          'x-goog-api-key': key.secret,
          'x-provider-key': 'AIza-test',
          'x-session-id': session,
          ...LOW,
        },
      ),
  },
  {
    name: 'OpenAI Responses API (the answer sent back as output_text)',
    host: 'api.openai.com',
    send: (key, session) =>
      postJson(
        '/v1/responses',
        {
          model: 'gpt-4o',
          input: [
            { role: 'user', content: SAID },
            {
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text: ANSWERED, annotations: [] }],
            },
            { role: 'user', content: ASKED },
          ],
        },
        {
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-test',
          'x-session-id': session,
          ...LOW,
        },
      ),
  },
  {
    name: 'a Claude model through OpenAI chat completions (translated)',
    host: 'api.anthropic.com',
    send: (key, session) =>
      postJson(
        '/v1/chat/completions',
        {
          model: 'anthropic/claude-sonnet-4',
          messages: [
            { role: 'user', content: SAID },
            { role: 'assistant', content: ANSWERED },
            { role: 'user', content: ASKED },
          ],
        },
        {
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-ant-test',
          'x-session-id': session,
          ...LOW,
        },
      ),
  },
  {
    name: 'GraphQL chat',
    host: 'api.openai.com',
    send: (key, session) =>
      sendChatRequest(
        key.secret,
        `mutation($input: ChatInput!) {
          chat(input: $input) { memory { memoryTokens hits { memory { content tokens } } } }
        }`,
        {
          input: {
            model: 'openai/gpt-4o',
            sessionId: session,
            memoryMode: 'READ',
            windows: [{ window: 'HOT', limit: 2 }],
            messages: [
              { role: 'USER', content: SAID },
              { role: 'ASSISTANT', content: ANSWERED },
              { role: 'USER', content: ASKED },
            ],
          },
        },
      ),
  },
];

/** What the response says was injected: memories and memory tokens. */
async function receiptOf(response: Response): Promise<{ hits: number; memoryTokens: number }> {
  if (response.headers.has('x-memory-receipt')) {
    const receipt = decodeReceipt(response.headers.get('x-memory-receipt'));
    expect(Number(response.headers.get('x-memory-tokens'))).toBe(receipt.memoryTokens);
    return { hits: receipt.hits.length, memoryTokens: receipt.memoryTokens };
  }
  const body = (await response.json()) as {
    data: { chat: { memory: { memoryTokens: number; hits: unknown[] } } };
  };
  return {
    hits: body.data.chat.memory.hits.length,
    memoryTokens: body.data.chat.memory.memoryTokens,
  };
}

describe('chat leaves out memories the request already holds', () => {
  beforeEach(resetFakes);

  for (const surface of SURFACES) {
    it(`${surface.name}: turn 1 is not injected nor billed again; the next best memories take its places`, async () => {
      const key = await newKey();
      const session = `rex-${crypto.randomUUID().slice(0, 8)}`;
      const tokens = await sessionWithTurn(key, session);
      const billedBefore = (await key.api.request(UsageDocument, {})).usage.memoryTokens;

      const response = await surface.send(key, session);
      expect(response.status).toBe(200);
      const receipt = await receiptOf(response);
      const [call] = await upstreamCalls(surface.host);
      const memories = injected(call!.body);

      // Both HOT places go to other memories of Rex, not to the turn the model already has.
      expect(memories).toHaveLength(2);
      for (const memory of memories) expect(OTHERS).toContain(memory);
      const expected = memories.reduce((sum, memory) => sum + tokens.get(memory)!, 0);
      expect(receipt).toEqual({ hits: 2, memoryTokens: expected });
      const billed = (await key.api.request(UsageDocument, {})).usage.memoryTokens - billedBefore;
      expect(billed).toBe(expected);
    });
  }
});

describe('a turn resent in another Unicode form', () => {
  beforeEach(resetFakes);

  it('is not injected again when the client resends it decomposed (NFD)', async () => {
    const key = await newKey();
    const session = `nfd-${crypto.randomUUID().slice(0, 8)}`;
    const said = 'Rex loves the crème brûlée at Café Müller'; // NFC, as stored
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: said, role: 'USER' as const },
        ...OTHERS.map((content) => ({ content })),
      ].map((input) => ({ ...input, vault: { kind: 'SESSION' as const, id: session } })),
    });
    expect(said.normalize('NFD')).not.toBe(said);
    const response = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: said.normalize('NFD') },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: 'What does Rex love at Café Müller?' },
        ],
      },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': session,
        ...LOW,
      },
    );
    expect(response.status).toBe(200);
    const [call] = await upstreamCalls('api.openai.com');
    const memories = injected(call!.body);
    expect(memories.length).toBeGreaterThan(0);
    expect(memories).not.toContain(said);
  });
});

describe('tool plumbing the request holds', () => {
  beforeEach(resetFakes);

  it('stored tool calls and results (X-Memory-Store-Tools) are not injected beside the same call and result', async () => {
    const key = await newKey();
    const session = `tools-${crypto.randomUUID().slice(0, 8)}`;
    const others = ['Oslo trip is booked for March', 'The Oslo hotel is near the harbour'];
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        // As X-Memory-Store-Tools stored them from the call before.
        { content: 'called get_weather({"city":"Oslo"})', role: 'ASSISTANT' as const },
        { content: 'tool result: snow in Oslo, -3°C', role: 'SYSTEM' as const },
        ...others.map((content) => ({ content })),
      ].map((input) => ({ ...input, vault: { kind: 'SESSION' as const, id: session } })),
    });
    const response = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'weather in Oslo?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'snow in Oslo, -3°C' },
        ],
      },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': session,
        ...LOW,
      },
    );
    expect(response.status).toBe(200);
    const [call] = await upstreamCalls('api.openai.com');
    expect(injected(call!.body).sort()).toEqual([...others].sort());
  });
});
