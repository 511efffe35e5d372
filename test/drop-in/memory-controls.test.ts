import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from '../generated/graphql';
import { eventually, resetFakes } from '../helpers/fakes';
import {
  decodeReceipt,
  keyWithMemory,
  postJson,
  upstreamCalls,
  vaultContents,
  weatherTool,
} from '../helpers/drop-in';

type Key = Awaited<ReturnType<typeof keyWithMemory>>;

const chat = (key: Key, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postJson('/v1/chat/completions', body, {
    authorization: `Bearer ${key.secret}`,
    'x-provider-key': 'sk-test',
    ...headers,
  });

/**
 * Waits until a later turn in the same vault has been stored: the positive
 * signal that an earlier call's storing (if it stored anything) is done too.
 */
async function afterNextTurn(
  key: Key,
  vault: { kind: 'CORE' | 'SESSION'; id?: string },
  headers: Record<string, string> = {},
) {
  const marker = `sentinel_${Math.random().toString(36).slice(2)}`;
  const response = await chat(
    key,
    { model: 'gpt-4o', messages: [{ role: 'user', content: marker }] },
    headers,
  );
  expect(response.status).toBe(200);
  await eventually(async () =>
    expect((await vaultContents(key.api, marker, vault)).length).toBe(2),
  );
}

describe('memory controls of the system MemoryRouter replaces', () => {
  beforeEach(resetFakes);

  it('takes memory_mode, session_id and per-message memory: false from the body; the provider never sees them', async () => {
    // A memory sharing a word with the question: only such memories are injected.
    const key = await keyWithMemory('The user painted the fence the colour teal');
    const response = await chat(key, {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a helpful assistant about colours.', memory: false },
        { role: 'user', content: 'Remember that my favourite colour is blue.' },
      ],
      memory_mode: 'on',
      session_id: 'user-john',
    });
    expect(response.status).toBe(200);
    const [call] = await upstreamCalls('api.openai.com');
    expect(Object.keys(call!.body).sort()).toEqual(['messages', 'model']);
    expect(call!.rawBody).not.toMatch(/memory_mode|session_id|"memory":/);
    expect(call!.body.messages.map((m: { role: string }) => m.role)).toEqual([
      'system',
      'system',
      'user',
    ]);

    for (const [name, pattern] of [
      ['x-session-id', /^user-john$/],
      ['x-memory-tokens-retrieved', /^[1-9]\d*$/],
      ['x-memory-chunks-retrieved', /^1$/],
      ['x-mr-processing-ms', /^\d+$/],
      ['x-mr-overhead-ms', /^\d+$/],
      ['x-provider-response-ms', /^\d+$/],
      ['x-total-ms', /^\d+$/],
      ['x-embedding-ms', /^\d+$/],
      [
        'server-timing',
        // One list of phases, the chat route's own (key, prompt, provider) among them.
        /^auth;dur=[\d.]+, parse;dur=[\d.]+, key;dur=[\d.]+, embed;dur=[\d.]+, (?:[a-z]+;dur=[\d.]+, )*prompt;dur=[\d.]+, provider;dur=[\d.]+, total;dur=[\d.]+$/,
      ],
    ] as const) {
      expect(response.headers.get(name), name).toMatch(pattern);
    }
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'favourite colour blue', { kind: 'SESSION', id: 'user-john' }),
      ).toEqual([
        'Fake api.openai.com heard: Remember that my favourite colour is blue.',
        'Remember that my favourite colour is blue.',
      ]),
    );
    // The system prompt marked memory: false was not stored anywhere.
    expect(
      await vaultContents(key.api, 'helpful assistant colours', {
        kind: 'SESSION',
        id: 'user-john',
      }),
    ).not.toContain('You are a helpful assistant about colours.');
  });

  it('lets body fields win over their headers', async () => {
    const key = await keyWithMemory();
    await chat(
      key,
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'where do I live?' }],
        memory_mode: 'read',
        session_id: 'from-body',
      },
      { 'x-memory-mode': 'off', 'x-session-id': 'from-header' },
    );
    const [call] = await upstreamCalls('api.openai.com');
    // read: memory injected (the header said off) …
    expect(call!.body.messages[0].content).toContain('"The user lives in Lisbon"');
    // … and nothing stored, in either session.
    await afterNextTurn(key, { kind: 'SESSION', id: 'from-body' }, { 'x-session-id': 'from-body' });
    expect(
      await vaultContents(key.api, 'where do I live', { kind: 'SESSION', id: 'from-body' }),
    ).toEqual([]);
    expect(
      await vaultContents(key.api, 'where do I live', { kind: 'SESSION', id: 'from-header' }),
    ).toEqual([]);
  });

  it('off, write, X-Memory-Store and X-Memory-Store-Response and memory: false decide what is read and stored, and X-Memory-Turn says so', async () => {
    const key = await keyWithMemory();
    const ask = (
      content: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) =>
      chat(
        key,
        {
          model: 'gpt-4o',
          messages: [{ role: 'user', content, ...(extra.message as object) }],
          ...(extra.body as object),
        },
        headers,
      );
    const turns = [
      await ask('alpha question', { body: { memory_mode: 'off' } }),
      await ask('bravo question', { body: { memory_mode: 'write' } }),
      await ask('charlie question', {}, { 'x-memory-store': 'false' }),
      await ask('delta question', {}, { 'x-memory-store-response': 'false' }),
      // memory: false on the user's words keeps the answer out too (it often repeats them) …
      await ask('echo question', { message: { memory: false } }),
      // … unless the answer is asked for by name.
      await ask(
        'foxtrot question',
        { message: { memory: false } },
        { 'x-memory-store-response': 'true' },
      ),
      await ask('golf question', { body: { memory_mode: 'read' } }),
      await ask(
        'hotel question',
        {},
        { 'x-memory-store': 'false', 'x-memory-store-response': 'false' },
      ),
    ].map((response) => [
      response.headers.get('x-memory-turn'),
      response.headers.get('x-memory-turn-reason'),
    ]);
    expect(turns).toEqual([
      ['not-stored', 'MEMORY_MODE_OFF'],
      ['stored', null],
      ['stored', null],
      ['stored', null],
      ['not-stored', 'EXCLUDED_BY_CALLER'],
      ['stored', null],
      ['not-stored', 'MEMORY_MODE_READ'],
      ['not-stored', 'EXCLUDED_BY_CALLER'],
    ]);
    const calls = await upstreamCalls('api.openai.com');
    // off and write inject nothing; the others inject the Lisbon memory.
    expect(calls.map((call) => call.body.messages.length)).toEqual([1, 1, 2, 2, 2, 2, 2, 2]);
    await afterNextTurn(key, { kind: 'CORE' });
    expect(await vaultContents(key.api, 'question')).toEqual([
      'Fake api.openai.com heard: bravo question',
      'Fake api.openai.com heard: charlie question',
      'Fake api.openai.com heard: foxtrot question',
      'bravo question',
      'delta question',
    ]);
  });

  it('memory: false on the user words keeps tool plumbing out too, and a turn that asks for tools says it waits for their results', async () => {
    const key = await keyWithMemory();
    const asked = await chat(
      key,
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in Bergen?' }],
        tools: [weatherTool],
      },
      { 'x-session-id': 'tools-wait', 'x-memory-receipt-in-body': 'true' },
    );
    expect(asked.status).toBe(200);
    expect([asked.headers.get('x-memory-turn'), asked.headers.get('x-memory-turn-reason')]).toEqual(
      ['not-stored', 'AWAITING_TOOL_RESULTS'],
    );
    const body = (await asked.json()) as { memory: { turn: { stored: boolean; reason: string } } };
    expect(body.memory.turn).toMatchObject({ stored: false, reason: 'AWAITING_TOOL_RESULTS' });

    const answered = await chat(
      key,
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'weather in Bergen? my passport is K1234567', memory: false },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Bergen"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'rain, 8°C' },
        ],
      },
      { 'x-session-id': 'tools-wait', 'x-memory-store-tools': 'true' },
    );
    expect([
      answered.headers.get('x-memory-turn'),
      answered.headers.get('x-memory-turn-reason'),
    ]).toEqual(['not-stored', 'EXCLUDED_BY_CALLER']);
    await afterNextTurn(
      key,
      { kind: 'SESSION', id: 'tools-wait' },
      { 'x-session-id': 'tools-wait' },
    );
    expect(
      await vaultContents(key.api, 'Bergen passport rain weather get_weather', {
        kind: 'SESSION',
        id: 'tools-wait',
      }),
    ).toEqual([]);
  });

  it('caps injected memory with X-Memory-Context-Limit and weighs windows with X-Memory-Recency-Bias', async () => {
    const key = await keyWithMemory();
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        ...Array.from({ length: 6 }, (_, i) => ({ content: `garden note ${i}: tomatoes today` })),
        ...Array.from({ length: 6 }, (_, i) => ({
          content: `garden note ${i}: roses long ago`,
          createdAt: tenDaysAgo,
        })),
      ],
    });
    const windows = async (headers: Record<string, string>) => {
      const response = await chat(
        key,
        {
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'garden note' }],
          memory_mode: 'read',
        },
        headers,
      );
      const receipt = decodeReceipt(response.headers.get('x-memory-receipt'));
      return {
        hits: receipt.hits.length,
        tokens: receipt.memoryTokens,
        hot: response.headers.get('x-memory-chunks-retrieved'),
      };
    };
    const high = decodeReceipt(
      (
        await chat(
          key,
          {
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'garden note' }],
            memory_mode: 'read',
          },
          { 'x-memory-recency-bias': 'high' },
        )
      ).headers.get('x-memory-receipt'),
    );
    const low = decodeReceipt(
      (
        await chat(
          key,
          {
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'garden note' }],
            memory_mode: 'read',
          },
          { 'x-memory-recency-bias': 'low' },
        )
      ).headers.get('x-memory-receipt'),
    );
    const count = (hits: { window?: string }[], window: string) =>
      hits.filter((hit) => hit.window === window).length;
    // Each window keeps its own share (high: HOT 6, WORKING 4, LONG_TERM 2;
    // low the reverse); WORKING holds nothing here, so its places go to the
    // next best of the other windows, read a little deeper (chat/memory-picks.ts),
    // which may be either window's (their notes score alike).
    expect(count(high.hits, 'HOT')).toBeGreaterThanOrEqual(6);
    expect(count(high.hits, 'LONG_TERM')).toBeGreaterThanOrEqual(2);
    expect(count(low.hits, 'LONG_TERM')).toBeGreaterThanOrEqual(6);
    expect(count(low.hits, 'HOT')).toBeGreaterThanOrEqual(2);
    for (const receipt of [high, low]) expect(receipt.hits.length).toBeLessThanOrEqual(12);

    const none = await windows({ 'x-memory-context-limit': '0' });
    expect(none).toMatchObject({ hits: 0, tokens: 0, hot: '0' });
    // The limit counts the memories' own tokens (about 8 each here), not the block's wrapping.
    const some = await windows({ 'x-memory-context-limit': '30' });
    expect(some.hits).toBeGreaterThan(0);
    expect(some.hits).toBeLessThan(8);
    expect(some.tokens).toBeLessThanOrEqual(30);
    expect(some.tokens).toBeGreaterThan(30 - 10);
  });

  it('stores tool plumbing only when X-Memory-Store-Tools asks, and adds the receipt to the body only when asked', async () => {
    const key = await keyWithMemory();
    const messages = [
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
      { role: 'tool', tool_call_id: 'call_1', content: 'snow, -3°C' },
    ];
    const plain = await chat(key, { model: 'gpt-4o', messages, session_id: 'tools-off' });
    expect(await plain.json()).not.toHaveProperty('memory');
    const asked = await chat(
      key,
      { model: 'gpt-4o', messages, session_id: 'tools-on' },
      { 'x-memory-store-tools': 'true', 'x-memory-receipt-in-body': 'true' },
    );
    const body = (await asked.json()) as { memory: { memoryTokens: number }; choices: unknown[] };
    expect(body.memory.memoryTokens).toBe(Number(asked.headers.get('x-memory-tokens')));
    expect(body.choices).toHaveLength(1);
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'Oslo snow weather get_weather', {
          kind: 'SESSION',
          id: 'tools-on',
        }),
      ).toEqual([
        'Fake api.openai.com heard tool result: snow, -3°C',
        'called get_weather({"city":"Oslo"})',
        'tool result: snow, -3°C',
        'weather in Oslo?',
      ]),
    );
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'Oslo snow weather get_weather', {
          kind: 'SESSION',
          id: 'tools-off',
        }),
      ).toEqual(['Fake api.openai.com heard tool result: snow, -3°C', 'weather in Oslo?']),
    );
  });

  it('refuses bad controls with a 400 naming them, and calls no provider', async () => {
    const key = await keyWithMemory();
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{ memory_mode: 'sometimes' }, {}, /memory_mode must be one of/],
      [{ memory_mode: 3 }, {}, /memory_mode must be a string/],
      [{ session_id: 'no spaces allowed' }, {}, /session id must be/],
      [{}, { 'x-memory-recency-bias': 'extreme' }, /X-Memory-Recency-Bias/],
      [{}, { 'x-memory-context-limit': 'lots' }, /X-Memory-Context-Limit/],
      [{}, { 'x-memory-store': 'maybe' }, /X-Memory-Store must be true or false/],
      [
        { messages: [{ role: 'user', content: 'hi', memory: 'no' }] },
        {},
        /messages\[0\]\.memory must be true or false/,
      ],
    ];
    for (const [extra, headers, message] of cases) {
      const response = await chat(
        key,
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra },
        headers,
      );
      expect(response.status, JSON.stringify(extra)).toBe(400);
      const body = (await response.json()) as { error: { message: string; code: string } };
      expect(body.error.message).toMatch(message);
      expect(body.error.code).toBe('BAD_USER_INPUT');
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });
});
