import { APIError as AnthropicError } from '@anthropic-ai/sdk';
import { APIError as OpenAiError } from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import {
  anthropicClient,
  errorOf,
  keyWithMemory,
  openAiClient,
  postJson,
  usageTokens,
} from '../helpers/drop-in';
import { settleWorkerTasks } from '../helpers/worker-tasks';

// A server (or a proxy before it) that ignores `stream: true` and answers one
// JSON body (review 256 F4): the client used to get `Content-Type:
// application/json` carrying an SSE error frame that said the stream ended
// early. Now: a coded error in the surface's own shape, typed JSON, whose
// message says the provider answered without streaming.

const asked = [{ role: 'user' as const, content: 'where do I live?' }];
const WITHOUT_STREAMING = /answered without streaming/;

describe('a streamed call the provider answered with one JSON body', () => {
  beforeEach(resetFakes);

  it('openai SDK: raises a 502 STREAM_BROKEN that says the provider did not stream, not retried', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    await scriptFake({ host: 'api.openai.com', mode: 'json-body' });
    const error = await errorOf(async () => {
      const stream = await openAiClient(key.secret).chat.completions.create({
        model: 'gpt-4o',
        messages: asked,
        stream: true,
      });
      for await (const chunk of stream) void chunk;
    });
    expect(error).toBeInstanceOf(OpenAiError);
    const apiError = error as OpenAiError;
    expect(apiError.status).toBe(502);
    expect(apiError.message).toMatch(WITHOUT_STREAMING);
    expect(apiError.error).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'STREAM_BROKEN' });
    expect(apiError.headers?.get('x-should-retry')).toBe('false');
    // The provider accepted (and billed) the call: its memory is metered, as for a broken stream.
    await settleWorkerTasks();
    expect(await usageTokens(key)).toBeGreaterThan(before);
  });

  it('Anthropic SDK: raises the error in its shape', async () => {
    const key = await keyWithMemory();
    await scriptFake({ host: 'api.anthropic.com', mode: 'json-body' });
    const error = await errorOf(async () => {
      const stream = anthropicClient(key.secret).messages.stream({
        model: 'claude-sonnet-4',
        max_tokens: 100,
        messages: asked,
      });
      await stream.finalMessage();
    });
    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as AnthropicError).status).toBe(502);
    expect((error as AnthropicError).message).toMatch(WITHOUT_STREAMING);
  });

  it('every surface: a JSON error body of its shape, typed application/json', async () => {
    const key = await keyWithMemory();
    const calls: [string, string, unknown, Record<string, string>][] = [
      [
        'api.openai.com',
        '/v1/chat/completions',
        { model: 'gpt-4o', stream: true, messages: asked },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test' },
      ],
      [
        'api.openai.com',
        '/v1/responses',
        { model: 'gpt-4o', stream: true, input: 'where do I live?' },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test' },
      ],
      [
        'api.anthropic.com',
        '/v1/messages',
        { model: 'claude-sonnet-4', max_tokens: 100, stream: true, messages: asked },
        {
          'x-api-key': key.secret,
          'x-provider-key': 'sk-ant-test',
          'anthropic-version': '2023-06-01',
        },
      ],
      [
        'generativelanguage.googleapis.com',
        '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
        { contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }] },
        { 'x-goog-api-key': key.secret, 'x-provider-key': 'AIza-test' },
      ],
    ];
    for (const [host, path, body, headers] of calls) {
      await scriptFake({ host, mode: 'json-body' });
      const response = await postJson(path, body, headers);
      expect(response.status, path).toBe(502);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      const text = await response.text();
      expect(text, path).toMatch(WITHOUT_STREAMING);
      expect(text, path).toContain('STREAM_BROKEN');
      expect(text, path).not.toMatch(/^(data|event):/m);
      // Gemini has no `stream` field: its message names the streaming method (review 268 F1).
      if (host === 'generativelanguage.googleapis.com') {
        expect(text, path).not.toContain('stream: true');
        expect(text, path).toContain(':streamGenerateContent');
      } else expect(text, path).toContain('stream: true');
    }
  });
});
