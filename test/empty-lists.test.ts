import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoryDocument } from './generated/graphql';
import { postJson, upstreamCalls } from './helpers/drop-in';
import { resetFakes } from './helpers/fakes';
import { withoutRequestId, newKey, post } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';

/**
 * One rule for a list of vaults or windows (outside review 102 #5): left out,
 * the defaults; sent empty, refused with a coded error that says to leave it
 * out, on every surface that takes one. Before, `search(vaults: [])`
 * answered 200 with no hits, GraphQL chat took `windows: []` when it
 * searched nothing (small talk, WRITE) and an empty X-Memory-Windows header
 * was read as no header.
 */

const NOTE = 'The spare key is under the blue flowerpot';

async function keyWithNote() {
  const key = await newKey();
  await key.api.request(StoreMemoryDocument, { input: { content: NOTE } });
  return key;
}

describe('an empty list of vaults or windows is refused, an omitted one keeps the default', () => {
  beforeEach(resetFakes);

  it('GraphQL search: `vaults: []` is INVALID_VAULTS, saying to leave it out; omitted searches CORE', async () => {
    const key = await keyWithNote();
    const refused = await post(
      SearchDocument,
      { input: { query: 'where is the spare key?', vaults: [] } },
      key.secret,
    );
    expect(refused.errors?.map((error) => withoutRequestId(error.extensions))).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'INVALID_VAULTS' },
    ]);
    expect(refused.errors?.[0]?.message).toMatch(/^vaults: names no vault .*leave it out/);
    expect(refused.data ?? null).toBeNull();

    const { search } = await key.api.request(SearchDocument, {
      input: { query: 'where is the spare key?' },
    });
    expect(search.hits.map((hit) => hit.memory.content)).toEqual([NOTE]);
  });

  it('GraphQL search: `windows: []` is INVALID_WINDOWS, saying to leave it out', async () => {
    const key = await keyWithNote();
    const refused = await post(
      SearchDocument,
      { input: { query: 'where is the spare key?', windows: [] } },
      key.secret,
    );
    expect(refused.errors?.map((error) => withoutRequestId(error.extensions))).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOWS' },
    ]);
    expect(refused.errors?.[0]?.message).toMatch(/leave it out for the defaults/);
  });

  it('GraphQL chat: `windows: []` is INVALID_WINDOWS whatever the message and mode, before the provider is called', async () => {
    const key = await keyWithNote();
    const asked = [
      { content: 'where is the spare key?', memoryMode: 'READ' },
      // Small talk searches no memory, WRITE reads none: the list was let by.
      { content: 'thanks!', memoryMode: 'READ_WRITE' },
      { content: 'where is the spare key?', memoryMode: 'WRITE' },
    ];
    for (const { content, memoryMode } of asked) {
      const { errors } = await postChat(key.secret, ChatDocument, {
        model: 'openai/gpt-4o',
        memoryMode,
        windows: [],
        messages: [{ role: 'USER', content }],
      });
      expect(
        errors?.map((error) => withoutRequestId(error.extensions)),
        `${memoryMode}: ${content}`,
      ).toEqual([{ code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOWS' }]);
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('drop-in routes: an empty X-Memory-Windows is INVALID_WINDOWS in the route’s own shape, before the provider is called', async () => {
    const key = await keyWithNote();
    const openAi = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'where is the spare key?' }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-memory-windows': '',
      },
    );
    expect(openAi.status).toBe(400);
    const openAiError = ((await openAi.json()) as { error: Record<string, string> }).error;
    expect(openAiError).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOWS' });
    expect(openAiError.message).toMatch(/^X-Memory-Windows: names no window/);

    const anthropic = await postJson(
      '/v1/messages',
      {
        model: 'claude-sonnet-4',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'where is the spare key?' }],
      },
      { 'x-api-key': key.secret, 'x-provider-key': 'sk-ant-test', 'x-memory-windows': ' ' },
    );
    expect(anthropic.status).toBe(400);
    const anthropicBody = (await anthropic.json()) as {
      type: string;
      error: Record<string, string>;
    };
    expect(anthropicBody.type).toBe('error');
    expect(anthropicBody.error).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_WINDOWS',
    });

    // `memory_windows` in the body, empty, is refused the same way.
    const inBody = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        memory_windows: '',
        messages: [{ role: 'user', content: 'where is the spare key?' }],
      },
      { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test' },
    );
    expect(inBody.status).toBe(400);
    expect(((await inBody.json()) as { error: Record<string, string> }).error).toMatchObject({
      reason: 'INVALID_WINDOWS',
    });

    expect(await upstreamCalls('api.openai.com')).toEqual([]);
    expect(await upstreamCalls('api.anthropic.com')).toEqual([]);

    // Left out, the defaults: the note is injected.
    const answered = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'where is the spare key?' }] },
      { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test' },
    );
    expect(answered.status).toBe(200);
    expect((await upstreamCalls('api.openai.com')).at(-1)!.rawBody).toContain(NOTE);
  });
});

describe('windows that ask for no hits at all', () => {
  // Outside review 103 #7: every limit 0 searched nothing and answered no
  // hits with `notice: null`, read as "no memory about that".
  it('GraphQL search: every window at limit 0 answers no hits with the NO_HITS_ASKED notice, whatever the words', async () => {
    const key = await keyWithNote();
    for (const query of ['where is the spare key?', 'the']) {
      const { search } = await key.api.request(SearchDocument, {
        input: {
          query,
          windows: [
            { window: 'HOT', limit: 0 },
            { window: 'WORKING', limit: 0 },
          ],
        },
      });
      expect(search.hits, query).toEqual([]);
      expect(search.notice, query).toEqual({
        reason: 'NO_HITS_ASKED',
        message: expect.stringMatching(/^nothing was searched: every window's limit is 0/),
      });
    }
  });

  it('GraphQL search: a limit of 0 for one window of several is taken, with no notice', async () => {
    const key = await keyWithNote();
    const { search } = await key.api.request(SearchDocument, {
      input: {
        query: 'where is the spare key?',
        windows: [
          { window: 'HOT', limit: 2 },
          { window: 'WORKING', limit: 0 },
        ],
      },
    });
    expect(search.hits.map((hit) => hit.memory.content)).toEqual([NOTE]);
    expect(search.notice).toBeNull();
  });
});
