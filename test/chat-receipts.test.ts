import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { countTokens } from '../src/core/tokens';
import { StoreMemoriesDocument, UsageDocument } from './generated/graphql';
import { eventually, resetFakes, scriptFake } from './helpers/fakes';
import { decodeReceipt, postJson, upstreamCalls, vaultContents } from './helpers/drop-in';
import { BASE_URL, newKey } from './helpers/graphql';
import { sendChatRequest, sseEvents } from './helpers/graphql-chat';
import { WorkerWebSocket } from './helpers/websocket';

// What a chat's receipt says against what was billed and stored: the memory
// limit counts the memories' own tokens, a failed chat reports nothing
// billed, and a turn that could not be stored says so.

type Key = Awaited<ReturnType<typeof newKey>>;

const FACTS = [
  'The user keeps bees in the garden',
  'The user takes the night train to Lyon on Fridays',
  'The user prefers green tea to coffee',
  'The user is learning the cello',
  'The user has a dog called Pepper who likes the beach',
];

/** A session vault holding FACTS; returns each one's tokens (Memory.tokens), by content. */
async function sessionWithFacts(key: Key, sessionId: string): Promise<Map<string, number>> {
  const stored = await key.api.request(StoreMemoriesDocument, {
    inputs: FACTS.map((content) => ({
      content,
      vault: { kind: 'SESSION' as const, id: sessionId },
    })),
  });
  return new Map(stored.storeMemories.map((memory) => [memory.content, memory.tokens]));
}

async function usageOf(key: Key): Promise<number> {
  return (await key.api.request(UsageDocument, {})).usage.memoryTokens;
}

const question = 'what does the user like: bees, train, tea, cello, dog?';

function completions(key: Key, headers: Record<string, string>) {
  return postJson(
    '/v1/chat/completions',
    { model: 'gpt-4o', messages: [{ role: 'user', content: question }] },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      // Six hits in HOT, where all of FACTS are.
      'x-memory-recency-bias': 'high',
      ...headers,
    },
  );
}

const CHAT_RECEIPT = `mutation($input: ChatInput!) {
  chat(input: $input) {
    content
    memory {
      memoryTokens storedMemoryTokens billedMemoryTokens
      hits { memory { content tokens } }
      turn { stored memories memoryTokens reason message }
    }
  }
}`;

function chatGraphql(key: Key, input: Record<string, unknown>, providerKey = 'sk-test') {
  return sendChatRequest(
    key.secret,
    CHAT_RECEIPT,
    {
      input: {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: question }],
        windows: [{ window: 'HOT', limit: 10 }],
        ...input,
      },
    },
    { providerKey },
  );
}

interface ChatBody {
  data: {
    chat: {
      content: string;
      memory: {
        memoryTokens: number;
        storedMemoryTokens: number | null;
        billedMemoryTokens: number | null;
        hits: { memory: { content: string; tokens: number } }[];
        turn: {
          stored: boolean;
          memories: number;
          memoryTokens: number;
          reason: string | null;
          message: string | null;
        };
      };
    } | null;
  } | null;
  errors?: { message: string; extensions: Record<string, unknown> }[];
  extensions?: { memory?: { memoryTokens: number } };
}

describe('X-Memory-Context-Limit and contextLimit count the memories’ own tokens', () => {
  beforeEach(resetFakes);

  it('injects the memories whose tokens fit the limit, and meters exactly those', async () => {
    const key = await newKey();
    const tokens = await sessionWithFacts(key, 'limit1');
    const all = [...tokens.values()].reduce((a, b) => a + b, 0);
    const smallest = Math.min(...tokens.values());

    // No limit: every memory found (the deployment's budget is far larger).
    const before = await usageOf(key);
    // Read only: what is billed is the injected memory alone, not a stored turn too.
    const open = await completions(key, { 'x-session-id': 'limit1', 'x-memory-mode': 'read' });
    expect(open.status).toBe(200);
    expect(Number(open.headers.get('x-memory-tokens'))).toBe(all);
    expect(decodeReceipt(open.headers.get('x-memory-receipt')).hits).toHaveLength(FACTS.length);
    expect((await usageOf(key)) - before).toBe(all);

    // A limit of the smallest memory's tokens injects exactly one memory of that size.
    const tight = await completions(key, {
      'x-session-id': 'limit1',
      'x-memory-context-limit': String(smallest),
    });
    expect(Number(tight.headers.get('x-memory-tokens'))).toBe(smallest);
    const [upstream] = (await upstreamCalls('api.openai.com')).slice(-1);
    const system = upstream!.body.messages[0].content as string;
    const injected = FACTS.filter((fact) => system.includes(JSON.stringify(fact)));
    expect(injected).toHaveLength(1);
    expect(tokens.get(injected[0]!)).toBe(smallest);

    // A limit one short of everything leaves something out; never more than asked.
    const most = await completions(key, {
      'x-session-id': 'limit1',
      'x-memory-context-limit': String(all - 1),
    });
    const mostTokens = Number(most.headers.get('x-memory-tokens'));
    expect(mostTokens).toBeLessThanOrEqual(all - 1);
    expect(mostTokens).toBeGreaterThanOrEqual(all - Math.max(...tokens.values()));
  });

  it('GraphQL chat takes the same limit, and its receipt is what was billed', async () => {
    const key = await newKey();
    const tokens = await sessionWithFacts(key, 'limit2');
    const smallest = Math.min(...tokens.values());
    const before = await usageOf(key);
    const response = await chatGraphql(key, { sessionId: 'limit2', contextLimit: smallest });
    const body = (await response.json()) as ChatBody;
    expect(body.errors).toBeUndefined();
    const memory = body.data!.chat!.memory;
    expect(memory.hits).toHaveLength(1);
    expect(memory.memoryTokens).toBe(smallest);
    // The response's own count is all it metered: the memory injected, and the turn it stored.
    expect(memory.turn.stored).toBe(true);
    const metered = body.extensions!.memory!.memoryTokens;
    const turnTokens =
      (await countTokens(question)) + (await countTokens(body.data!.chat!.content));
    expect(metered).toBe(smallest + turnTokens);
    expect((await usageOf(key)) - before).toBe(metered);

    const refused = await chatGraphql(key, { sessionId: 'limit2', contextLimit: -1 });
    const refusal = (await refused.json()) as ChatBody;
    expect(refusal.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('a chat receipt adds up to what the request billed', () => {
  beforeEach(resetFakes);

  it('GraphQL: memoryTokens is the read part, storedMemoryTokens the turn, billedMemoryTokens both', async () => {
    // Before: ChatResult.memory.memoryTokens said 9 while extensions.memory
    // said 22 (billed 22), and nothing named the 13 the turn stored.
    const key = await newKey();
    await sessionWithFacts(key, 'bill1');
    const before = await usageOf(key);
    const body = (await (await chatGraphql(key, { sessionId: 'bill1' })).json()) as ChatBody;
    expect(body.errors).toBeUndefined();
    const chat = body.data!.chat!;
    const memory = chat.memory;
    const turnTokens = (await countTokens(question)) + (await countTokens(chat.content));
    expect(memory.memoryTokens).toBeGreaterThan(0);
    expect(memory.turn).toMatchObject({ stored: true, memories: 2, memoryTokens: turnTokens });
    expect(memory.storedMemoryTokens).toBe(turnTokens);
    expect(memory.billedMemoryTokens).toBe(memory.memoryTokens + turnTokens);
    expect(body.extensions!.memory!.memoryTokens).toBe(memory.billedMemoryTokens);
    expect((await usageOf(key)) - before).toBe(memory.billedMemoryTokens);
  });

  it('drop-in, non-streamed: X-Memory-Tokens-Stored and -Billed, and the same in the receipts', async () => {
    // Before: X-Memory-Tokens 29 with 41 billed; a new session with the
    // receipt in the body said 0 with 21 billed.
    const key = await newKey();
    await sessionWithFacts(key, 'bill2');
    for (const [sessionId, inBody] of [
      ['bill2', false],
      ['bill-new', true],
    ] as const) {
      const before = await usageOf(key);
      const response = await completions(key, {
        'x-session-id': sessionId,
        ...(inBody ? { 'x-memory-receipt-in-body': 'true' } : {}),
      });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as {
        choices: { message: { content: string } }[];
        memory?: Record<string, unknown>;
      };
      const billed = (await usageOf(key)) - before;
      const read = Number(response.headers.get('x-memory-tokens'));
      const stored = Number(response.headers.get('x-memory-tokens-stored'));
      const turnTokens =
        (await countTokens(question)) + (await countTokens(answer.choices[0]!.message.content));
      expect(stored, sessionId).toBe(turnTokens);
      expect(read + stored, sessionId).toBe(billed);
      expect(Number(response.headers.get('x-memory-tokens-billed')), sessionId).toBe(billed);
      if (sessionId === 'bill-new') expect(read).toBe(0);
      else expect(read).toBeGreaterThan(0);
      const receipt = decodeReceipt(response.headers.get('x-memory-receipt')) as Record<
        string,
        unknown
      >;
      const parts = {
        memoryTokens: read,
        storedMemoryTokens: stored,
        billedMemoryTokens: billed,
        turn: expect.objectContaining({ stored: true, memoryTokens: stored }),
      };
      expect(receipt).toMatchObject(parts);
      if (inBody) expect(answer.memory).toMatchObject(parts);
    }
  });

  it('drop-in, streamed: the headers carry the read part only; usage has the rest', async () => {
    const key = await newKey();
    await sessionWithFacts(key, 'bill3');
    const before = await usageOf(key);
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: question }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': 'bill3',
      },
    );
    const read = Number(response.headers.get('x-memory-tokens'));
    // The headers left before the turn was stored: no stored or billed figure.
    expect(response.headers.has('x-memory-tokens-stored')).toBe(false);
    expect(response.headers.has('x-memory-tokens-billed')).toBe(false);
    const answer = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map(
        (line) =>
          (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]
            ?.delta.content ?? '',
      )
      .join('');
    expect(answer).not.toBe('');
    const turnTokens = (await countTokens(question)) + (await countTokens(answer));
    // The turn is stored as the stream ends (waitUntil); usage counts it then.
    await eventually(async () => expect((await usageOf(key)) - before).toBe(read + turnTokens));
  });
});

describe('a failed chat’s receipt says nothing was billed', () => {
  beforeEach(resetFakes);

  it('the mutation: UPSTREAM_ERROR with extensions.memory.memoryTokens 0, usage unchanged', async () => {
    const key = await newKey();
    await sessionWithFacts(key, 'fail1');
    const before = await usageOf(key);
    await scriptFake({ host: 'llm.local.test', status: 500 });
    const response = await chatGraphql(key, { model: 'compatible/fail500', sessionId: 'fail1' });
    const body = (await response.json()) as ChatBody;
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(body.extensions!.memory!.memoryTokens).toBe(0);
    expect(await usageOf(key)).toBe(before);
  });

  it('the subscription: a refused call reports 0, a call broken mid-answer reports what it billed', async () => {
    const key = await newKey();
    const tokens = await sessionWithFacts(key, 'fail2');
    const all = [...tokens.values()].reduce((a, b) => a + b, 0);
    const subscribe = (model: string) =>
      sendChatRequest(
        key.secret,
        `subscription($input: ChatInput!) { chat(input: $input) { delta done result { memory { memoryTokens } } } }`,
        {
          input: {
            model,
            messages: [{ role: 'USER', content: question }],
            sessionId: 'fail2',
            windows: [{ window: 'HOT', limit: 10 }],
          },
        },
        { stream: true },
      );
    const events = (response: Response) => sseEvents<ChatBody & { data: unknown }>(response);

    const before = await usageOf(key);
    await scriptFake({ host: 'llm.local.test', status: 500 });
    const refused = await events(await subscribe('compatible/fail500'));
    const refusal = refused.find((event) => event.errors)!;
    expect(refusal.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(refusal.extensions!.memory!.memoryTokens).toBe(0);
    expect(await usageOf(key)).toBe(before);

    await scriptFake({ host: 'api.openai.com', mode: 'midstream-error' });
    const broken = await events(await subscribe('gpt-4o'));
    const error = broken.find((event) => event.errors)!;
    expect(error.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'STREAM_BROKEN',
    });
    expect(error.extensions!.memory!.memoryTokens).toBe(all);
    expect((await usageOf(key)) - before).toBe(all);
  });
});

describe('the receipt over WebSocket', () => {
  beforeEach(resetFakes);

  it('a refused call reports 0 billed, a finished one what it billed, beside the result', async () => {
    const key = await newKey();
    const tokens = await sessionWithFacts(key, 'ws1');
    const all = [...tokens.values()].reduce((a, b) => a + b, 0);
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${key.secret}`, providerKey: 'sk-test' },
      retryAttempts: 0,
      lazy: true,
    });
    const run = async (model: string) => {
      const results: ChatBody[] = [];
      for await (const result of client.iterate({
        query: `subscription($input: ChatInput!) { chat(input: $input) { done result { memory { memoryTokens } } } }`,
        variables: {
          input: {
            model,
            messages: [{ role: 'USER', content: question }],
            sessionId: 'ws1',
            memoryMode: 'READ',
            windows: [{ window: 'HOT', limit: 10 }],
          },
        },
      }))
        results.push(result as unknown as ChatBody);
      return results;
    };
    await scriptFake({ host: 'llm.local.test', status: 500 });
    const [refused] = await run('compatible/fail500');
    expect(refused!.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(refused!.extensions!.memory!.memoryTokens).toBe(0);

    const answered = await run('gpt-4o');
    const last = answered.at(-1)!;
    expect(last.extensions!.memory!.memoryTokens).toBe(all);
    // Deltas carry no receipt; only the final event does.
    expect(answered.slice(0, -1).every((event) => event.extensions === undefined)).toBe(true);
    await client.dispose();
  });
});

describe('a date-only question in chat', () => {
  beforeEach(resetFakes);

  it('injects the memory stored that day for an ISO date among function words', async () => {
    const key = await newKey();
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'My favourite colour is teal', createdAt: '2026-10-04T09:00:00Z' },
        { content: 'Booked the dentist for Friday', createdAt: '2026-10-20T09:00:00Z' },
      ],
    });
    // Before: HYBRID dropped the day's memory as evidence-free; nothing was injected.
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'what did I do on 2026-10-04' }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-memory-mode': 'read',
      },
    );
    expect(response.status).toBe(200);
    const [upstream] = await upstreamCalls('api.openai.com');
    const system = upstream!.body.messages[0].content as string;
    expect(system).toContain('My favourite colour is teal');
    expect(system).not.toContain('dentist');
  });
});

describe('a turn that could not be stored says so', () => {
  beforeEach(resetFakes);

  /** A session vault one memory short of VAULT_MAX_MEMORIES (300 in tests): a turn of two does not fit. */
  async function nearlyFull(key: Key, sessionId: string) {
    for (let batch = 0; batch < 3; batch++) {
      const size = batch < 2 ? 100 : 99;
      await key.api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: size }, (_, at) => ({
          content: `filler note ${batch}-${at}`,
          vault: { kind: 'SESSION' as const, id: sessionId },
        })),
      });
    }
  }

  it('GraphQL: the answer arrives and memory.turn says VAULT_FULL; a turn that fits says stored', async () => {
    const key = await newKey();
    await nearlyFull(key, 'full1');
    const response = await chatGraphql(key, { sessionId: 'full1' });
    const body = (await response.json()) as ChatBody;
    expect(body.errors).toBeUndefined();
    expect(body.data!.chat!.content).toContain('heard');
    expect(body.data!.chat!.memory.turn).toMatchObject({
      stored: false,
      memories: 0,
      memoryTokens: 0,
      reason: 'VAULT_FULL',
    });
    expect(body.data!.chat!.memory.turn.message).toMatch(/not stored.*full/);

    const roomy = await chatGraphql(key, { sessionId: 'roomy1' });
    const stored = (await roomy.json()) as ChatBody;
    expect(stored.data!.chat!.memory.turn).toEqual({
      stored: true,
      memories: 2,
      memoryTokens: expect.any(Number),
      reason: null,
      message: null,
    });
  });

  it('drop-in: X-Memory-Turn and the receipt say the turn was not stored and why', async () => {
    const key = await newKey();
    await nearlyFull(key, 'full2');
    const response = await completions(key, {
      'x-session-id': 'full2',
      'x-memory-receipt-in-body': 'true',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-memory-turn')).toBe('not-stored');
    expect(response.headers.get('x-memory-turn-reason')).toBe('VAULT_FULL');
    const body = (await response.json()) as {
      choices: unknown[];
      memory: { turn: { stored: boolean; reason: string } };
    };
    expect(body.choices).toHaveLength(1);
    expect(body.memory.turn).toMatchObject({ stored: false, reason: 'VAULT_FULL' });
    const receipt = decodeReceipt(response.headers.get('x-memory-receipt')) as { turn?: unknown };
    expect(receipt.turn).toMatchObject({ stored: false, reason: 'VAULT_FULL' });

    const roomy = await completions(key, { 'x-session-id': 'roomy2' });
    expect(roomy.headers.get('x-memory-turn')).toBe('stored');
    expect(roomy.headers.get('x-memory-turn-reason')).toBeNull();
  });
});

describe('a turn left unstored on purpose says why', () => {
  beforeEach(resetFakes);

  it('GraphQL: memory.turn names the mode, or the tool calls the answer waits on', async () => {
    const key = await newKey();
    const turnOf = async (input: Record<string, unknown>) => {
      const body = (await (await chatGraphql(key, input)).json()) as ChatBody;
      expect(body.errors).toBeUndefined();
      return body.data!.chat!.memory.turn;
    };
    expect(await turnOf({ memoryMode: 'READ' })).toEqual({
      stored: false,
      memories: 0,
      memoryTokens: 0,
      reason: 'MEMORY_MODE_READ',
      message: expect.stringMatching(/not stored.*read/),
    });
    expect(await turnOf({ memoryMode: 'OFF' })).toMatchObject({
      stored: false,
      reason: 'MEMORY_MODE_OFF',
    });
    expect(
      await turnOf({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }),
    ).toMatchObject({ stored: false, reason: 'AWAITING_TOOL_RESULTS' });
  });

  it('a chat without a user message (titling, classifying) stores nothing and says NO_USER_MESSAGE', async () => {
    const key = await newKey();
    const titling = 'Give this conversation a short title';
    // GraphQL's chat needs a USER message (INVALID_MESSAGES), so a drop-in
    // route is where such a chat arrives. Before: the model's answer alone
    // was stored as a memory ("stored").
    const dropIn = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'system', content: titling }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': 'titles',
        'x-memory-receipt-in-body': 'true',
      },
    );
    expect(dropIn.status).toBe(200);
    expect([
      dropIn.headers.get('x-memory-turn'),
      dropIn.headers.get('x-memory-turn-reason'),
    ]).toEqual(['not-stored', 'NO_USER_MESSAGE']);
    const body = (await dropIn.json()) as { memory: { turn: { reason: string } } };
    expect(body.memory.turn).toMatchObject({ stored: false, reason: 'NO_USER_MESSAGE' });
    expect(await vaultContents(key.api, titling, { kind: 'SESSION', id: 'titles' })).toEqual([]);
  });

  it('a Claude model through OpenAI chat completions: memory: false on the user words keeps the turn out, and says so', async () => {
    const key = await newKey();
    const ask = (headers: Record<string, string>) =>
      postJson(
        '/v1/chat/completions',
        {
          model: 'anthropic/claude-sonnet-4',
          messages: [{ role: 'user', content: 'my locker code is 4411', memory: false }],
        },
        {
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-ant-test',
          'x-session-id': 'locker',
          ...headers,
        },
      );
    const kept = await ask({});
    expect([kept.headers.get('x-memory-turn'), kept.headers.get('x-memory-turn-reason')]).toEqual([
      'not-stored',
      'EXCLUDED_BY_CALLER',
    ]);
    // Asked for by name, the answer alone is stored.
    const answerOnly = await ask({ 'x-memory-store-response': 'true' });
    expect(answerOnly.headers.get('x-memory-turn')).toBe('stored');
    const receipt = decodeReceipt(answerOnly.headers.get('x-memory-receipt')) as {
      turn?: { memories: number };
    };
    expect(receipt.turn).toMatchObject({ memories: 1 });
  });
});
