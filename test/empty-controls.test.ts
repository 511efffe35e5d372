import { withoutRequestId } from './helpers/graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument } from './generated/graphql';
import { keyWithMemory, postJson, upstreamCalls, vaultContents } from './helpers/drop-in';
import { eventually, fakeCalls, resetFakes } from './helpers/fakes';
import { postChat } from './helpers/graphql-chat';

/**
 * A control sent empty is refused, never read as left out (outside review
 * 103 #5). Before, an empty X-Session-Id, `session_id: ""` or GraphQL
 * `sessionId: ""` answered 200 and stored the turn in the permanent CORE
 * vault (an app whose session variable was blank wrote every chat there),
 * and an empty X-Memory-Mode, X-Memory-Store… took its default. Now each is
 * refused in its surface's own shape, before the provider is called, storing
 * nothing; left out, the default still holds.
 */

type Key = Awaited<ReturnType<typeof keyWithMemory>>;

/** The words every refused chat says: stored anywhere, a refusal stored them. */
const WORDS = 'my locker code is 4471';

/** One drop-in route, as its own SDK calls it, and how its error body carries our reason. */
interface Route {
  name: string;
  send(
    key: Key,
    body: Record<string, unknown>,
    headers: Record<string, string>,
    words?: string,
  ): Promise<Response>;
  reasonOf(body: unknown): string | undefined;
}

type OpenAiError = { error: { type: string; code: string; reason?: string; message: string } };
type AnthropicError = { type: string; error: { type: string; code: string; reason?: string } };
type GoogleError = { error: { status: string; details: { reason: string }[] } };

const openAiReason = (body: unknown) => {
  const { error } = body as OpenAiError;
  expect(error).toMatchObject({ type: 'invalid_request_error', code: 'BAD_USER_INPUT' });
  return error.reason;
};

const ROUTES: Route[] = [
  {
    name: 'OpenAI /v1/chat/completions',
    send: (key, body, headers, words = WORDS) =>
      postJson(
        '/v1/chat/completions',
        { model: 'gpt-4o', messages: [{ role: 'user', content: words }], ...body },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test', ...headers },
      ),
    reasonOf: openAiReason,
  },
  {
    // A Claude model on OpenAI's route: the cross-format path reads the same controls.
    name: 'OpenAI /v1/chat/completions, Claude model',
    send: (key, body, headers, words = WORDS) =>
      postJson(
        '/v1/chat/completions',
        { model: 'claude-sonnet-4', messages: [{ role: 'user', content: words }], ...body },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-ant-test', ...headers },
      ),
    reasonOf: openAiReason,
  },
  {
    name: 'Anthropic /v1/messages',
    send: (key, body, headers, words = WORDS) =>
      postJson(
        '/v1/messages',
        {
          model: 'claude-sonnet-4',
          max_tokens: 50,
          messages: [{ role: 'user', content: words }],
          ...body,
        },
        { 'x-api-key': key.secret, 'x-provider-key': 'sk-ant-test', ...headers },
      ),
    reasonOf: (body) => {
      const shaped = body as AnthropicError;
      expect(shaped.type).toBe('error');
      expect(shaped.error).toMatchObject({ type: 'invalid_request_error', code: 'BAD_USER_INPUT' });
      return shaped.error.reason;
    },
  },
  {
    name: 'Gemini generateContent',
    send: (key, body, headers, words = WORDS) =>
      postJson(
        '/v1beta/models/gemini-2.5-flash:generateContent',
        { contents: [{ role: 'user', parts: [{ text: words }] }], ...body },
        { 'x-goog-api-key': key.secret, 'x-provider-key': 'AIza-test', ...headers },
      ),
    reasonOf: (body) => {
      const { error } = body as GoogleError;
      expect(error.status).toBe('INVALID_ARGUMENT');
      return error.details[0]?.reason;
    },
  },
];

/**
 * Every control header the chat routes read (src/resolvers/chat/memory-controls.ts),
 * sent empty, and the reason it is refused with.
 */
const EMPTY_HEADERS: [header: string, reason: string][] = [
  ['X-Session-Id', 'INVALID_VAULT_ID'],
  ['X-Conversation-Id', 'INVALID_VAULT_ID'],
  ['X-Memory-Mode', 'MEMORY_CONTROL'],
  ['X-Memory-Recency-Bias', 'MEMORY_CONTROL'],
  ['X-Memory-Context-Limit', 'MEMORY_CONTROL'],
  ['X-Memory-Store', 'MEMORY_CONTROL'],
  ['X-Memory-Store-Response', 'MEMORY_CONTROL'],
  ['X-Memory-Store-Tools', 'MEMORY_CONTROL'],
  ['X-Memory-Store-Repeats', 'MEMORY_CONTROL'],
  ['X-Memory-Receipt-In-Body', 'MEMORY_CONTROL'],
  ['X-Memory-Extract', 'MEMORY_CONTROL'],
  ['X-Memory-Windows', 'INVALID_WINDOWS'],
  ['X-Memory-Now', 'INVALID_DATE_TIME'],
];

/** Body fields sent empty. */
const EMPTY_FIELDS: [field: string, reason: string][] = [
  ['session_id', 'INVALID_VAULT_ID'],
  ['memory_mode', 'MEMORY_CONTROL'],
];

/**
 * The refused words are in no vault the chats could have written (CORE, and
 * a session or conversation named "" if one could exist): checked once a
 * later turn in CORE has been stored, so a turn stored after its answer
 * (ctx.waitUntil) would have been too.
 */
async function expectNothingStored(key: Key) {
  const marker = `sentinel_${Math.random().toString(36).slice(2)}`;
  const later = await ROUTES[0]!.send(key, {}, {}, marker);
  expect(later.status).toBe(200);
  await eventually(async () => expect(await vaultContents(key.api, marker)).toContain(marker));
  expect(await vaultContents(key.api, WORDS)).toEqual([]);
}

describe('an empty memory control is refused, never read as left out', () => {
  beforeEach(resetFakes);

  it('drop-in routes: every control header and body field sent empty is a 400 in the route’s shape naming it, no provider called, nothing stored', async () => {
    const key = await keyWithMemory();
    const asked: { route: string; control: string; value: string; reason: string }[] = [];
    for (const route of ROUTES) {
      for (const [header, reason] of EMPTY_HEADERS) {
        // Blank and whitespace alike: HTTP trims a header's value.
        for (const value of ['', '  '])
          asked.push({ route: route.name, control: header, value, reason });
      }
      for (const [field, reason] of EMPTY_FIELDS) {
        asked.push({ route: route.name, control: field, value: '', reason });
      }
    }
    const answered = [];
    for (const { route: name, control, value } of asked) {
      const route = ROUTES.find((candidate) => candidate.name === name)!;
      const isHeader = control.startsWith('X-');
      const response = await route.send(
        key,
        isHeader ? {} : { [control]: value },
        isHeader ? { [control]: value } : {},
      );
      const body = await response.json();
      const message = JSON.stringify(body);
      answered.push({
        route: name,
        control,
        value,
        status: response.status,
        reason: response.status === 400 ? route.reasonOf(body) : message,
        named: message.includes(control),
      });
    }
    expect(answered).toEqual(
      asked.map(({ route, control, value, reason }) => ({
        route,
        control,
        value,
        status: 400,
        reason,
        named: true,
      })),
    );
    expect(await fakeCalls()).toEqual([]);
    await expectNothingStored(key);
  });

  it('drop-in routes: the same controls left out keep their defaults (the turn goes to CORE)', async () => {
    const key = await keyWithMemory();
    for (const [index, route] of ROUTES.entries()) {
      // Words of their own: the same words twice are a repeat, not stored again.
      const response = await route.send(key, {}, {}, `${WORDS}, call ${index}`);
      expect(response.status, route.name).toBe(200);
      expect(response.headers.get('x-memory-turn'), route.name).toBe('stored');
    }
    await eventually(async () =>
      expect(
        (await vaultContents(key.api, WORDS)).filter((text) => text.startsWith(WORDS)),
      ).toEqual(ROUTES.map((_, index) => `${WORDS}, call ${index}`)),
    );
  });

  it('GraphQL chat: `sessionId: ""` or `conversationId: ""` is INVALID_VAULT_ID before the provider is called, in every memory mode, and stores nothing', async () => {
    const key = await keyWithMemory();
    for (const memoryMode of ['READ_WRITE', 'READ', 'WRITE', 'OFF']) {
      for (const field of ['sessionId', 'conversationId']) {
        const refused = await postChat(key.secret, ChatDocument, {
          model: 'openai/gpt-4o',
          memoryMode,
          [field]: '',
          messages: [{ role: 'USER', content: WORDS }],
        });
        expect(
          refused.errors?.map((error) => ({
            ...withoutRequestId(error.extensions),
            message: error.message,
          })),
          `${memoryMode} ${field}`,
        ).toEqual([
          {
            code: 'BAD_USER_INPUT',
            reason: 'INVALID_VAULT_ID',
            message: expect.stringMatching(new RegExp(`^${field} is empty`)),
          },
        ]);
        expect(refused.data ?? null).toBeNull();
      }
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
    await expectNothingStored(key);
  });

  it('a malformed session id is refused before the provider is called in a mode that reads no memory too', async () => {
    // Before, WRITE and OFF checked the id only when storing: after the
    // provider had answered (and been paid for).
    const key = await keyWithMemory();
    for (const mode of ['write', 'off']) {
      const response = await ROUTES[0]!.send(
        key,
        { memory_mode: mode, session_id: 'no spaces' },
        {},
      );
      expect(response.status, mode).toBe(400);
      expect(ROUTES[0]!.reasonOf(await response.json()), mode).toBe('INVALID_VAULT_ID');
      const refused = await postChat(key.secret, ChatDocument, {
        model: 'openai/gpt-4o',
        memoryMode: mode.toUpperCase(),
        sessionId: 'no spaces',
        messages: [{ role: 'USER', content: WORDS }],
      });
      expect(
        refused.errors?.map((error) => withoutRequestId(error.extensions)),
        mode,
      ).toEqual([{ code: 'BAD_USER_INPUT', reason: 'INVALID_VAULT_ID' }]);
    }
    expect(await fakeCalls()).toEqual([]);
  });
});
