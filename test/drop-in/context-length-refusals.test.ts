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
} from '../helpers/drop-in';

// A provider's refusal for context length said nothing of the memory
// MemoryRouter added (review 256 F7): a user whose own messages fit could not
// tell that the memory block pushed the call over. The refusal keeps the
// provider's status, shape and codes; its message says how many memory
// tokens were added and how to send fewer.

const asked = [{ role: 'user' as const, content: 'where do I live?' }];
const MEMORY_ADDED =
  /MemoryRouter added (\d+) memory tokens.*X-Memory-Context-Limit.*X-Memory-Mode: off/;

describe('a refusal for context length on a drop-in route', () => {
  beforeEach(resetFakes);

  it('openai SDK: context_length_exceeded keeps its status and code, and says how much memory was added', async () => {
    const key = await keyWithMemory();
    await scriptFake({
      host: 'api.openai.com',
      status: 400,
      body: {
        error: {
          message:
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 128410 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    });
    const error = await errorOf(() =>
      openAiClient(key.secret).chat.completions.create({ model: 'gpt-4o', messages: asked }),
    );
    expect(error).toBeInstanceOf(OpenAiError);
    const apiError = error as OpenAiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('context_length_exceeded');
    expect(apiError.param).toBe('messages');
    const added = Number(MEMORY_ADDED.exec(apiError.message)?.[1]);
    expect(added).toBeGreaterThan(0);
  });

  it('Anthropic SDK: "prompt is too long" says it too', async () => {
    const key = await keyWithMemory();
    await scriptFake({
      host: 'api.anthropic.com',
      status: 400,
      body: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 200512 tokens > 200000 maximum',
        },
      },
    });
    const error = await errorOf(() =>
      anthropicClient(key.secret).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 100,
        messages: asked,
      }),
    );
    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as AnthropicError).status).toBe(400);
    expect((error as AnthropicError).message).toMatch(MEMORY_ADDED);
  });

  it("Gemini's token-limit 400 says it too; a call given no memory and other refusals are left as they were", async () => {
    const key = await keyWithMemory();
    const gemini = (headers: Record<string, string> = {}) =>
      postJson(
        '/v1beta/models/gemini-2.5-flash:generateContent',
        { contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }] },
        { 'x-goog-api-key': key.secret, 'x-provider-key': 'AIza-test', ...headers },
      );
    const tooLong = {
      error: {
        code: 400,
        message:
          'The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).',
        status: 'INVALID_ARGUMENT',
      },
    };
    await scriptFake({ host: 'generativelanguage.googleapis.com', status: 400, body: tooLong });
    const refused = await gemini();
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { message: string; status: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(MEMORY_ADDED);

    await scriptFake({ host: 'generativelanguage.googleapis.com', status: 400, body: tooLong });
    const withoutMemory = await gemini({ 'x-memory-mode': 'off' });
    expect(((await withoutMemory.json()) as typeof body).error.message).toBe(tooLong.error.message);

    const other = {
      error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' },
    };
    await scriptFake({ host: 'generativelanguage.googleapis.com', status: 400, body: other });
    expect(((await (await gemini()).json()) as typeof body).error.message).toBe(
      other.error.message,
    );
  });
});
