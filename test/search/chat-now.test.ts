import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ChatDocument,
  ChatStreamDocument,
  SearchDocument,
  type ChatStreamSubscription,
} from '../generated/graphql';
import { withoutRequestId, post } from '../helpers/graphql';
import { resetFakes } from '../helpers/fakes';
import { chatClient, postChat, streamChat } from '../helpers/graphql-chat';
import { postJson, upstreamCalls } from '../helpers/drop-in';
import { keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * Chat reads the user's dates in the user's calendar when told it (an
 * outside review's finding, "review 100": chat's memory search read
 * "yesterday" in UTC's day whatever the user's zone). `ChatInput.now` and
 * the drop-in routes' X-Memory-Now take a search's `now`, offset and all.
 */

/** One instant, written in UTC and in UTC−8 (20:00 on the 26th there). */
const NOW_UTC = '2026-11-27T04:00:00Z';
const NOW_PACIFIC = '2026-11-26T20:00:00-08:00';
/** The same, with the space RFC 3339 allows between date and time. */
const NOW_PACIFIC_SPACED = '2026-11-26 20:00:00-08:00';

const RAMEN = 'Lunch was ramen at the noodle bar';
const TACOS = 'Lunch was tacos at the food truck';
const NOTES = {
  // Noon on the 25th in UTC−8: "yesterday" there at NOW_PACIFIC; in UTC the
  // 25th, the day before yesterday.
  ramen: [RAMEN, '2026-11-25T20:00'],
  // Noon on the 26th in UTC−8 ("today" there); the 26th in UTC, "yesterday".
  tacos: [TACOS, '2026-11-26T20:00'],
} as const;

const QUESTION = 'What did I have for lunch yesterday?';

/** Both notes are in WORKING at that instant; one hit shows which one the day favours. */
const ONE_HIT = [{ window: 'WORKING' as const, limit: 1 }];

/** The lunch note a provider call was given, read from the request the fake recorded. */
function lunchIn(rawBody: string): string[] {
  return [RAMEN, TACOS].filter((note) => rawBody.includes(note));
}

const keyWithLunches = () => keyWithDatedNotes(NOTES);

const graphqlChat = (key: Key) => chatClient(key.secret, 'sk-test');

describe("chat's `now`: the user's calendar for dates said relative to today", () => {
  beforeEach(resetFakes);

  it('GraphQL chat: the same question at the same instant injects the day of the offset `now` is written in', async () => {
    const key = await keyWithLunches();
    const asked = async (now: string) => {
      const { chat } = await graphqlChat(key).request(ChatDocument, {
        input: {
          model: 'gpt-4o',
          messages: [{ role: 'USER', content: QUESTION }],
          memoryMode: 'READ',
          windows: ONE_HIT,
          now,
        },
      });
      const call = (await upstreamCalls('api.openai.com')).at(-1)!;
      expect(chat.memory.hits.map((hit) => hit.memory.content)).toEqual(lunchIn(call.rawBody));
      return lunchIn(call.rawBody);
    };
    expect(await asked(NOW_UTC)).toEqual([TACOS]);
    expect(await asked(NOW_PACIFIC)).toEqual([RAMEN]);
    const sent = (await upstreamCalls('api.openai.com')).at(-1)!.rawBody;
    expect(sent).toContain('It is now Thu 2026-11-26T20:00:00-08:00;');
    expect(sent).toContain('[Wed 2026-11-25T12:00:00-08:00 · ');
    // RFC 3339 lets a space stand for the `T` (outside review 103 #8).
    expect(await asked(NOW_PACIFIC_SPACED)).toEqual([RAMEN]);
    // A search with the same `now` agrees.
    for (const now of [NOW_PACIFIC, NOW_PACIFIC_SPACED]) {
      const searched = await key.api.request(SearchDocument, {
        input: { query: QUESTION, windows: ONE_HIT, now },
      });
      expect(
        searched.search.hits.map((hit) => hit.memory.content),
        now,
      ).toEqual([RAMEN]);
    }
  });

  it('the chat subscription takes the same `now`', async () => {
    const key = await keyWithLunches();
    const streamed = async (now: string) => {
      const result = await streamChat<NonNullable<ChatStreamSubscription['chat']['result']>>(
        key.secret,
        ChatStreamDocument,
        {
          model: 'gpt-4o',
          messages: [{ role: 'USER', content: QUESTION }],
          memoryMode: 'READ',
          windows: ONE_HIT,
          now,
        },
      );
      return result.memory.hits.map((hit) => hit.memory.content);
    };
    expect(await streamed(NOW_UTC)).toEqual([TACOS]);
    expect(await streamed(NOW_PACIFIC)).toEqual([RAMEN]);
  });

  const ROUTES = {
    // Native OpenAI, native Anthropic, and a Claude model over the OpenAI
    // format (the chat pipeline, translated).
    'chat completions': {
      path: '/v1/chat/completions',
      headers: (s: string) => ({ authorization: `Bearer ${s}`, 'x-provider-key': 'sk-test' }),
      body: { model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] },
      host: 'api.openai.com',
    },
    messages: {
      path: '/v1/messages',
      headers: (s: string) => ({ 'x-api-key': s, 'x-provider-key': 'sk-ant-test' }),
      body: {
        model: 'claude-sonnet-4',
        max_tokens: 50,
        messages: [{ role: 'user', content: QUESTION }],
      },
      host: 'api.anthropic.com',
    },
    'chat completions, cross-format': {
      path: '/v1/chat/completions',
      headers: (s: string) => ({ authorization: `Bearer ${s}`, 'x-provider-key': 'sk-ant-test' }),
      body: { model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: QUESTION }] },
      host: 'api.anthropic.com',
    },
    gemini: {
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
      headers: (s: string) => ({ 'x-goog-api-key': s, 'x-provider-key': 'AIza-test' }),
      body: { contents: [{ role: 'user', parts: [{ text: QUESTION }] }] },
      host: 'generativelanguage.googleapis.com',
    },
  };

  for (const [route, { path, headers, body, host }] of Object.entries(ROUTES)) {
    it(`${route}: X-Memory-Now sets the calendar; without it, UTC's day at server time`, async () => {
      const key = await keyWithLunches();
      const asked = async (now: string | null) => {
        const response = await postJson(
          path,
          { ...body, memory_mode: 'read' },
          {
            ...headers(key.secret),
            'x-memory-windows': 'WORKING=1',
            ...(now === null ? {} : { 'x-memory-now': now }),
          },
        );
        expect(response.status).toBe(200);
        return lunchIn((await upstreamCalls(host)).at(-1)!.rawBody);
      };
      expect(await asked(NOW_UTC)).toEqual([TACOS]);
      expect(await asked(NOW_PACIFIC)).toEqual([RAMEN]);
      // The model reads the same calendar (review 253 F1): the time now and
      // each memory's time in the offset `now` was written in.
      const sent = (await upstreamCalls(host)).at(-1)!.rawBody;
      expect(sent).toContain('It is now Thu 2026-11-26T20:00:00-08:00;');
      expect(sent).toContain('[Wed 2026-11-25T12:00:00-08:00 · ');
      expect(await asked(NOW_PACIFIC_SPACED)).toEqual([RAMEN]);
      // Whole milliseconds, as GraphQL's DateTime takes them: UTC's calendar.
      expect(await asked(String(Date.parse(NOW_UTC)))).toEqual([TACOS]);
      // Without it, server time in UTC's calendar (the server's clock moved
      // to that instant): the user in UTC−8 gets the UTC day's lunch.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.parse(NOW_UTC));
        expect(await asked(null)).toEqual([TACOS]);
        const sent = (await upstreamCalls(host)).at(-1)!.rawBody;
        expect(sent).toContain('It is now Fri 2026-11-27T04:00:00Z;');
        expect(sent).toContain('[Thu 2026-11-26T20:00:00Z · ');
      } finally {
        vi.useRealTimers();
      }
    });
  }

  it("a `now` that cannot be read is refused alike by search, GraphQL chat and X-Memory-Now, in each surface's shape, and the provider is never called", async () => {
    const key = await keyWithLunches();
    // The header's text, the same value as a GraphQL variable (milliseconds
    // are a JSON number there), and the reason all three answer.
    const cases: [string, string | number, string][] = [
      ['2026-11-26T20:00:00', '2026-11-26T20:00:00', 'INVALID_DATE_TIME'],
      // A space for the `T` is taken only with an offset.
      ['2026-11-26 20:00:00', '2026-11-26 20:00:00', 'INVALID_DATE_TIME'],
      ['yesterday', 'yesterday', 'INVALID_DATE_TIME'],
      ['1795700000', 1795700000, 'TIMESTAMP_IN_SECONDS'],
      // Outside review 102 #6. An empty header was read as no header (server
      // time); times no memory can have (before 1970) or days past the
      // server's clock were taken, and
      // chat then injected nothing with no sign why.
      ['', '', 'INVALID_DATE_TIME'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 'TIME_OUT_OF_RANGE'],
      ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59Z', 'TIME_OUT_OF_RANGE'],
      ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59Z', 'TIME_OUT_OF_RANGE'],
      ['253402300799000', 253402300799000, 'TIME_OUT_OF_RANGE'],
      // README: a number below 1e11 is TIMESTAMP_IN_SECONDS when, read as
      // seconds, it is a time from 2001 on (2001-01-01 here); any other
      // number before 2001, as `5`, is TIME_OUT_OF_RANGE.
      ['978307200', 978307200, 'TIMESTAMP_IN_SECONDS'],
      ['5', 5, 'TIME_OUT_OF_RANGE'],
      ['978307199', 978307199, 'TIME_OUT_OF_RANGE'],
      // Past any date a JavaScript Date holds.
      ['99999999999999999999', 1e20, 'TIME_OUT_OF_RANGE'],
    ];
    for (const [now, variable, reason] of cases) {
      const searched = await post(
        'query($now: DateTime) { search(input: { query: "lunch", now: $now }) { hits { score } } }',
        { now: variable },
        key.secret,
      );
      expect(searched.errors?.[0]?.extensions, now).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason,
      });
      const chatted = await postChat(key.secret, ChatDocument, {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: QUESTION }],
        now: variable,
      });
      expect(chatted.errors?.[0]?.extensions, now).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason,
      });

      const openAi = await postJson(
        '/v1/chat/completions',
        { model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test', 'x-memory-now': now },
      );
      expect(openAi.status, now).toBe(400);
      const openAiError = ((await openAi.json()) as { error: Record<string, string> }).error;
      expect(openAiError, now).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      expect(openAiError.message).toMatch(/^X-Memory-Now /);
      if (typeof variable === 'number' && variable > Number.MAX_SAFE_INTEGER) {
        // The message says what the reason does (it read "must be a whole
        // number of milliseconds", which 99999999999999999999 is).
        expect(openAiError.message).toMatch(/^X-Memory-Now is out of range: the latest time is /);
        expect(chatted.errors?.[0]?.message).toMatch(/is out of range: the latest time is /);
      }

      const anthropic = await postJson(
        '/v1/messages',
        {
          model: 'claude-sonnet-4',
          max_tokens: 50,
          messages: [{ role: 'user', content: QUESTION }],
        },
        { 'x-api-key': key.secret, 'x-provider-key': 'sk-ant-test', 'x-memory-now': now },
      );
      expect(anthropic.status, now).toBe(400);
      const anthropicBody = (await anthropic.json()) as {
        type: string;
        error: Record<string, string>;
      };
      expect(anthropicBody.type).toBe('error');
      expect(anthropicBody.error, now).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
    expect(await upstreamCalls('api.anthropic.com')).toEqual([]);
  });

  it('a `now` minutes ahead of the server (a device whose clock runs fast) is taken; two days ahead is refused', async () => {
    const key = await keyWithLunches();
    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
    const outcome = async (now: string) => {
      const searched = await post(
        'query($now: DateTime) { search(input: { query: "lunch", now: $now }) { hits { score } } }',
        { now },
        key.secret,
      );
      const chatted = await postChat(key.secret, ChatDocument, {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: QUESTION }],
        now,
      });
      const openAi = await postJson(
        '/v1/chat/completions',
        { model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test', 'x-memory-now': now },
      );
      return [
        searched.errors?.[0]?.extensions?.reason ?? 'ok',
        chatted.errors?.[0]?.extensions?.reason ?? 'ok',
        openAi.status === 200
          ? 'ok'
          : ((await openAi.json()) as { error: { reason: string } }).error.reason,
      ];
    };
    expect(await outcome(ahead(10 * 60_000))).toEqual(['ok', 'ok', 'ok']);
    expect(await outcome(ahead(2 * 24 * 60 * 60_000))).toEqual([
      'TIME_OUT_OF_RANGE',
      'TIME_OUT_OF_RANGE',
      'TIME_OUT_OF_RANGE',
    ]);
  });

  it('a `now` past the server’s clock is refused by a chat that searches nothing too, and says the range', async () => {
    const key = await keyWithLunches();
    for (const [content, memoryMode] of [
      ['thanks!', 'READ_WRITE'],
      [QUESTION, 'WRITE'],
      [QUESTION, 'OFF'],
    ] as const) {
      const result = await postChat(key.secret, ChatDocument, {
        model: 'gpt-4o',
        memoryMode,
        now: '9999-12-31T23:59:59Z',
        messages: [{ role: 'USER', content }],
      });
      expect(
        result.errors?.map((error) => withoutRequestId(error.extensions)),
        memoryMode,
      ).toEqual([{ code: 'BAD_USER_INPUT', reason: 'TIME_OUT_OF_RANGE' }]);
      expect(result.errors?.[0]?.message).toMatch(
        /^now must be from 1970-01-01T00:00:00.000Z to a day past the server's clock .*; 9999-12-31T23:59:59.000Z is after it/,
      );
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });
});
