import { GoogleGenAI } from '@google/genai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { anthropicClient, keyWithMemory, openAiClient, upstreamCalls } from '../helpers/drop-in';

/**
 * The providers' own request headers reach the provider as the client sent
 * them, through the official SDKs: a retry's Idempotency-Key (OpenAI,
 * Anthropic), Google's billed project (x-goog-user-project) and the client
 * library the SDK names itself with (x-goog-api-client).
 */
describe('the providers’ own request headers are forwarded', () => {
  beforeEach(resetFakes);

  it('Idempotency-Key to OpenAI (chat and Responses) and Anthropic', async () => {
    const { secret } = await keyWithMemory();
    const client = openAiClient(secret);
    await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'Idempotency-Key': 'retry-chat-1' } },
    );
    await client.responses.create(
      { model: 'gpt-4o', input: 'hi' },
      { headers: { 'Idempotency-Key': 'retry-responses-1' } },
    );
    expect(
      (await upstreamCalls('api.openai.com')).map((call) => call.headers['idempotency-key']),
    ).toEqual(['retry-chat-1', 'retry-responses-1']);

    const anthropic = anthropicClient(secret);
    await anthropic.messages.create(
      { model: 'claude-sonnet-4', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'Idempotency-Key': 'retry-messages-1' } },
    );
    const [call] = await upstreamCalls('api.anthropic.com');
    expect(call!.headers['idempotency-key']).toBe('retry-messages-1');
  });

  it('x-goog-user-project and the SDK’s x-goog-api-client to Google', async () => {
    const { secret } = await keyWithMemory();
    const ai = new GoogleGenAI({
      apiKey: secret,
      httpOptions: {
        baseUrl: BASE_URL,
        fetch: workerFetch,
        headers: { 'x-provider-key': 'AIza-test', 'x-goog-user-project': 'billing-project-7' },
      },
    });
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    const [call] = await upstreamCalls('generativelanguage.googleapis.com');
    expect(call!.headers['x-goog-user-project']).toBe('billing-project-7');
    expect(call!.headers['x-goog-api-client']).toMatch(/google-genai-sdk\//);
  });
});
