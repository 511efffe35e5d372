import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { anthropicClient, errorOf, keyWithMemory, openAiClient } from '../helpers/drop-in';

/**
 * The APIs an SDK client exposes beside chat that MemoryRouter does not
 * serve: each call raises the SDK's own typed error, a 501 whose body (in
 * the SDK's shape) carries reason ROUTE_NOT_SERVED and a message naming the
 * call and saying to make it at the provider; no provider is called.
 */

const gemini = (secret: string) =>
  new GoogleGenAI({
    apiKey: secret,
    httpOptions: { baseUrl: BASE_URL, fetch: workerFetch, headers: { 'x-provider-key': 'AIza' } },
  });

/** An OpenAI or Anthropic SDK's APIError for a call not served, with its body's error. */
function notServed(error: unknown, provider: string, route: RegExp) {
  expect(error).toBeInstanceOf(provider === 'Anthropic' ? Anthropic.APIError : OpenAI.APIError);
  const { status, message } = error as { status: number; message: string };
  expect(status).toBe(501);
  expect(message).toMatch(route);
  expect(message).toContain(`make this call to ${provider} directly`);
  // Never "use POST for this path": the SDK did nothing wrong.
  expect(message).not.toMatch(/use POST/);
  return (error as { error: Record<string, unknown> }).error;
}

/** @google/genai's ApiError for a call not served: the message is Google's error body as JSON. */
function geminiNotServed(error: unknown, route: RegExp) {
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(501);
  const body = JSON.parse((error as ApiError).message) as {
    error: { code: number; status: string; message: string; details: { reason: string }[] };
  };
  expect(body.error).toMatchObject({ code: 501, status: 'UNIMPLEMENTED' });
  expect(body.error.message).toMatch(route);
  expect(body.error.message).toContain('make this call to Google directly');
  expect(body.error.details[0]!.reason).toBe('ROUTE_NOT_SERVED');
}

describe('calls beside chat that MemoryRouter does not serve', () => {
  beforeEach(resetFakes);

  it('OpenAI SDK: Files, stored chat completions, conversations, batches, compact: a coded 501 in its shape', async () => {
    const { secret } = await keyWithMemory();
    const openai = openAiClient(secret);
    const file = new File(['{"a":1}\n'], 'rows.jsonl', { type: 'application/jsonl' });
    const calls: [() => Promise<unknown>, RegExp][] = [
      [
        () => openai.files.create({ file, purpose: 'user_data' }),
        /POST \/v1\/files, OpenAI's Files API/,
      ],
      [() => openai.files.list(), /GET \/v1\/files, OpenAI's Files API/],
      [() => openai.files.content('file-1'), /GET \/v1\/files\/file-1\/content/],
      [
        () => openai.chat.completions.list({ limit: 2 }),
        /GET \/v1\/chat\/completions, OpenAI's chat\.completions\.list/,
      ],
      [
        () => openai.chat.completions.retrieve('chatcmpl-1'),
        /GET \/v1\/chat\/completions\/chatcmpl-1, OpenAI's stored chat completions \(chat\.completions\.retrieve\)/,
      ],
      [
        () => openai.chat.completions.update('chatcmpl-1', { metadata: { a: 'b' } }),
        /POST \/v1\/chat\/completions\/chatcmpl-1, .*chat\.completions\.update/,
      ],
      [
        () => openai.chat.completions.delete('chatcmpl-1'),
        /DELETE \/v1\/chat\/completions\/chatcmpl-1, .*chat\.completions\.delete/,
      ],
      [
        () => openai.chat.completions.messages.list('chatcmpl-1'),
        /GET \/v1\/chat\/completions\/chatcmpl-1\/messages, .*chat\.completions\.messages\.list/,
      ],
      [
        () => openai.conversations.create({}),
        /POST \/v1\/conversations, OpenAI's Conversations API/,
      ],
      [() => openai.conversations.items.list('conv_1'), /GET \/v1\/conversations\/conv_1\/items/],
      [
        () =>
          openai.batches.create({
            input_file_id: 'file-1',
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
          }),
        /POST \/v1\/batches, OpenAI's Batch API/,
      ],
      [
        () => openai.responses.compact({ model: 'gpt-4o' }),
        /POST \/v1\/responses\/compact, OpenAI's responses\.compact/,
      ],
      [
        () => openai.models.delete('ft:gpt-4o-mini:org::abc'),
        /DELETE \/v1\/models\/ft:gpt-4o-mini:org::abc, OpenAI's models\.delete/,
      ],
      [
        () =>
          openai.uploads.create({
            bytes: 1,
            filename: 'a',
            mime_type: 'text/plain',
            purpose: 'batch',
          }),
        /POST \/v1\/uploads, OpenAI's Uploads API/,
      ],
    ];
    for (const [call, route] of calls) {
      const error = notServed(await errorOf(call), 'OpenAI', route);
      expect(error, String(route)).toMatchObject({
        type: 'invalid_request_error',
        code: 'NOT_FOUND',
        reason: 'ROUTE_NOT_SERVED',
        param: null,
      });
    }
    expect(await fakeCalls()).toEqual([]);
  });

  it('Anthropic SDK: Files and message batches: a coded 501 in its shape', async () => {
    const { secret } = await keyWithMemory();
    const anthropic = anthropicClient(secret);
    const file = new File(['hello'], 'notes.txt', { type: 'text/plain' });
    const calls: [() => Promise<unknown>, RegExp][] = [
      [() => anthropic.beta.files.upload({ file }), /POST \/v1\/files, Anthropic's Files API/],
      [() => anthropic.beta.files.list(), /GET \/v1\/files, Anthropic's Files API/],
      [() => anthropic.beta.files.delete('file_1'), /DELETE \/v1\/files\/file_1/],
      [
        () =>
          anthropic.messages.batches.create({
            requests: [
              {
                custom_id: 'a',
                params: {
                  model: 'claude-sonnet-4',
                  max_tokens: 10,
                  messages: [{ role: 'user', content: 'hi' }],
                },
              },
            ],
          }),
        /POST \/v1\/messages\/batches, Anthropic's Message Batches API/,
      ],
      [() => anthropic.messages.batches.list(), /GET \/v1\/messages\/batches/],
      [
        () => anthropic.messages.batches.retrieve('msgbatch_1'),
        /GET \/v1\/messages\/batches\/msgbatch_1/,
      ],
    ];
    for (const [call, route] of calls) {
      const body = notServed(await errorOf(call), 'Anthropic', route);
      expect(body, String(route)).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', code: 'NOT_FOUND', reason: 'ROUTE_NOT_SERVED' },
      });
    }
    expect(await fakeCalls()).toEqual([]);
  });

  it('Gemini SDK: files, embedContent, caches, batches, a coded 501 in its shape', async () => {
    const { secret } = await keyWithMemory();
    const ai = gemini(secret);
    const calls: [() => Promise<unknown>, RegExp][] = [
      [
        () =>
          ai.files.upload({
            file: new Blob(['hello'], { type: 'text/plain' }),
            config: { mimeType: 'text/plain' },
          }),
        /POST \/upload\/v1(beta)?\/files, Google's file uploads/,
      ],
      [() => ai.files.list(), /GET \/v1(beta)?\/files, Google's Files API/],
      [
        () => ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'hello' }),
        /POST \/v1(beta)?\/models\/gemini-embedding-001:batchEmbedContents, Google's embeddings \(models\.embedContent\)/,
      ],
      [
        () => ai.caches.create({ model: 'gemini-2.5-flash', config: { contents: 'hello' } }),
        /POST \/v1(beta)?\/cachedContents, Google's context caching/,
      ],
      [
        () =>
          ai.batches.create({
            model: 'gemini-2.5-flash',
            src: [{ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }],
          }),
        /POST \/v1(beta)?\/models\/gemini-2\.5-flash:batchGenerateContent, Google's Batch API \(batches\.create\)/,
      ],
    ];
    for (const [call, route] of calls) geminiNotServed(await errorOf(call), route);
    expect(await fakeCalls()).toEqual([]);
  });

  it('says not to retry; what is served and unknown paths answer as before', async () => {
    const { secret } = await keyWithMemory();
    const list = await workerFetch(`${BASE_URL}/v1/chat/completions?limit=2`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(list.status).toBe(501);
    expect(list.headers.get('x-should-retry')).toBe('false');
    // The model list is still the catalog; an unknown path is still a 404.
    const models = await openAiClient(secret).models.list();
    expect(models.data.length).toBeGreaterThan(0);
    const unknown = await workerFetch(`${BASE_URL}/v1/nothing-here`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: unknown }).error).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'ROUTE_NOT_FOUND',
    });
    // A method no SDK calls on a served path is still a 405; a Gemini method no SDK has, a 404.
    const put = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(put.status).toBe(405);
    const odd = await workerFetch(`${BASE_URL}/v1beta/models/gemini-2.5-flash:noSuchMethod`, {
      method: 'POST',
      headers: { 'x-goog-api-key': secret, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(odd.status).toBe(404);
    expect(
      ((await odd.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason,
    ).toBe('ROUTE_NOT_FOUND');
  });
});
