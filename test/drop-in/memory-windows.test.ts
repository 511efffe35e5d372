import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

type Route = 'chat' | 'messages' | 'responses' | 'gemini';

/** Each drop-in route family: its path, credentials, a request asking `question`, and its upstream host. */
const ROUTES: Record<
  Route,
  {
    path: string;
    headers: (secret: string) => Record<string, string>;
    body: (question: string) => Record<string, unknown>;
    host: string;
  }
> = {
  chat: {
    path: '/v1/chat/completions',
    headers: (s) => ({ authorization: `Bearer ${s}`, 'x-provider-key': 'sk-test' }),
    body: (q) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: q }] }),
    host: 'api.openai.com',
  },
  messages: {
    path: '/v1/messages',
    headers: (s) => ({ 'x-api-key': s, 'x-provider-key': 'sk-ant-test' }),
    body: (q) => ({
      model: 'claude-sonnet-4',
      max_tokens: 50,
      messages: [{ role: 'user', content: q }],
    }),
    host: 'api.anthropic.com',
  },
  responses: {
    path: '/v1/responses',
    headers: (s) => ({ authorization: `Bearer ${s}`, 'x-provider-key': 'sk-test' }),
    body: (q) => ({ model: 'gpt-4o', input: q }),
    host: 'api.openai.com',
  },
  gemini: {
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    headers: (s) => ({ 'x-goog-api-key': s, 'x-provider-key': 'AIza-test' }),
    body: (q) => ({ contents: [{ role: 'user', parts: [{ text: q }] }] }),
    host: 'generativelanguage.googleapis.com',
  },
};

const ALLERGY = 'I am allergic to penicillin';
const QUESTION = 'Which antibiotic am I allergic to?';

/** A key whose CORE vault holds today's Lisbon memory and an allergy noted seven months ago. */
async function keyWithOldAllergy() {
  const key = await keyWithMemory();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [
      { content: ALLERGY, createdAt: new Date(Date.now() - 210 * 86_400_000).toISOString() },
    ],
  });
  return key;
}

/** Our code and reason out of a route's own error shape. */
async function codeOf(route: Route, response: Response) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const body = (await response.json()) as Record<string, any>;
  if (route === 'gemini') {
    return {
      code: body.error.details[0].metadata.code,
      reason: body.error.details[0].reason,
      message: body.error.message,
    };
  }
  if (route === 'messages') expect(body.type).toBe('error');
  return { code: body.error.code, reason: body.error.reason, message: body.error.message };
}

describe('X-Memory-Windows and memory_windows on the drop-in routes', () => {
  beforeEach(resetFakes);

  for (const route of Object.keys(ROUTES) as Route[]) {
    const { path, headers, body, host } = ROUTES[route];

    it(`${route}: a memory older than 90 days is injected only when ARCHIVE is asked for, or from CORE when no windows are named`, async () => {
      const key = await keyWithOldAllergy();
      const asked = async (extraHeaders: Record<string, string>, extraBody = {}) => {
        const response = await postJson(
          path,
          { ...body(QUESTION), ...extraBody, memory_mode: 'read' },
          { ...headers(key.secret), ...extraHeaders },
        );
        expect(response.status).toBe(200);
        const call = (await upstreamCalls(host)).at(-1)!;
        expect(call.rawBody).not.toMatch(/memory_windows|memory_mode/);
        return call.rawBody;
      };
      // Windows named without ARCHIVE: it gets no hits.
      expect(await asked({ 'x-memory-windows': 'HOT=4,WORKING=4,LONG_TERM=4' })).not.toContain(
        ALLERGY,
      );
      // None named: CORE, the vault of lasting facts, is read in ARCHIVE too (review 213 #1).
      expect(await asked({})).toContain(ALLERGY);
      expect(
        await asked({ 'x-memory-windows': 'HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4' }),
      ).toContain(ALLERGY);
      // The body's control, as text or as an object, wins over the header.
      expect(
        await asked({ 'x-memory-windows': 'HOT=4' }, { memory_windows: 'archive:2' }),
      ).toContain(ALLERGY);
      expect(
        await asked(
          { 'x-memory-windows': 'ARCHIVE=4' },
          { memory_windows: { HOT: 4, WORKING: 4 } },
        ),
      ).not.toContain(ALLERGY);
    });

    it(`${route}: a window list that cannot be read is a coded 400 in the route's shape, and the provider is never called`, async () => {
      const key = await keyWithOldAllergy();
      // The reasons of every window list (src/core/window-list.ts): the same
      // as GraphQL's `windows` and KRONOS_DEFAULT_HITS give the same mistake.
      const cases: [Record<string, string>, Record<string, unknown>, string, RegExp][] = [
        [
          { 'x-memory-windows': 'ARCHIV=4' },
          {},
          'INVALID_WINDOWS',
          /X-Memory-Windows: unknown window "ARCHIV"/,
        ],
        [{ 'x-memory-windows': 'HOT=4,HOT=2' }, {}, 'INVALID_WINDOWS', /HOT is listed twice/],
        [
          { 'x-memory-windows': 'ARCHIVE=51' },
          {},
          'OUT_OF_RANGE',
          /ARCHIVE needs a whole number of hits from 0 to 50/,
        ],
        [{ 'x-memory-windows': 'ARCHIVE' }, {}, 'INVALID_WINDOWS', /"ARCHIVE" is not WINDOW=hits/],
        [{ 'x-memory-windows': ',' }, {}, 'INVALID_WINDOWS', /X-Memory-Windows: names no window/],
        [
          {},
          { memory_windows: { ARCHIVE: -1 } },
          'OUT_OF_RANGE',
          /memory_windows: ARCHIVE needs a whole number/,
        ],
        [{}, { memory_windows: ['ARCHIVE'] }, 'INVALID_WINDOWS', /memory_windows: must be a list/],
        [
          { 'x-memory-windows': 'ARCHIVE=4', 'x-memory-recency-bias': 'high' },
          {},
          'MEMORY_CONTROL',
          /send one/,
        ],
      ];
      for (const [extraHeaders, extraBody, reason, message] of cases) {
        const response = await postJson(
          path,
          { ...body(`a question no vault holds ${route}`), ...extraBody },
          { ...headers(key.secret), ...extraHeaders },
        );
        expect(response.status, message.source).toBe(400);
        const error = await codeOf(route, response);
        expect(error, message.source).toMatchObject({ code: 'BAD_USER_INPUT', reason });
        expect(error.message).toMatch(message);
      }
      expect(await upstreamCalls(host)).toEqual([]);
    });
  }
});
