import { ApiError, GoogleGenAI, Type, type Content } from '@google/genai';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { keyWithMemory, postJson, replay, upstreamCalls, vaultContents } from '../helpers/drop-in';

const gemini = (
  secret: string,
  headers: Record<string, string> = { 'x-provider-key': 'AIza-test' },
) =>
  new GoogleGenAI({
    apiKey: secret,
    httpOptions: { baseUrl: BASE_URL, fetch: workerFetch, headers },
  });

const weather = {
  functionDeclarations: [
    {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: {
        type: Type.OBJECT,
        properties: { city: { type: Type.STRING } },
        required: ['city'],
      },
    },
  ],
};

describe('the official @google/genai SDK against the native Gemini route', () => {
  beforeEach(resetFakes);

  it('runs a function call round trip through generateContent', async () => {
    const { secret, api } = await keyWithMemory();
    const ai = gemini(secret, { 'x-provider-key': 'AIza-test', 'x-session-id': 'gemini-1' });
    const contents: Content[] = [
      { role: 'user', parts: [{ text: 'I live here: what is the weather in Rome?' }] },
    ];
    const first = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents,
      config: { tools: [weather], systemInstruction: 'Answer briefly.' },
    });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Rome' } }]);
    const [call] = await upstreamCalls('generativelanguage.googleapis.com');
    // The SDK's own API version (v1 by default), as Google would get it directly.
    expect(call!.path).toBe('/v1/models/gemini-2.5-flash:generateContent');
    expect(call!.headers['x-goog-api-key']).toBe('AIza-test');
    // The client's instruction first, memory as a part after it.
    expect(call!.body.systemInstruction.parts[0]).toEqual({ text: 'Answer briefly.' });
    expect(call!.body.systemInstruction.parts[1].text).toContain('"The user lives in Lisbon"');
    expect(call!.body.tools).toEqual([weather]);

    contents.push(first.candidates![0]!.content!, {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'clear' } } }],
    });
    const second = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents,
      config: { tools: [weather] },
    });
    expect(second.text).toBe(
      'Fake generativelanguage.googleapis.com heard tool result: {"sky":"clear"}',
    );
    expect(second.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    await eventually(async () =>
      expect(
        await vaultContents(api, 'weather Rome clear', { kind: 'SESSION', id: 'gemini-1' }),
      ).toEqual([
        'Fake generativelanguage.googleapis.com heard tool result: {"sky":"clear"}',
        'I live here: what is the weather in Rome?',
      ]),
    );
  });

  it('streams an answer through streamGenerateContent, byte for byte', async () => {
    const { secret } = await keyWithMemory();
    let text = '';
    for await (const chunk of await gemini(secret).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'where do I live?',
    })) {
      text += chunk.text ?? '';
    }
    expect(text).toBe('Fake generativelanguage.googleapis.com heard: where do I live?');
    const [call] = await upstreamCalls('generativelanguage.googleapis.com');
    expect(call!.path).toBe('/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

    const raw = await postJson(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      {
        contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
        generationConfig: { temperature: 0.1 },
      },
      { 'x-goog-api-key': secret, 'x-provider-key': 'AIza-test' },
    );
    const last = (await upstreamCalls('generativelanguage.googleapis.com')).at(-1)!;
    expect(last.body.generationConfig).toEqual({ temperature: 0.1 });
    const body = await raw.text();
    expect(body).toContain('\r\n\r\n');
    expect(body).toBe(await (await replay(last)).text());
  });

  it('asks for a function call while streaming, and keeps a cache’s rules', async () => {
    const { secret } = await keyWithMemory();
    const calls = [];
    for await (const chunk of await gemini(secret).models.generateContentStream({
      model: 'gemini-2.5-pro',
      contents: 'weather in Madrid please',
      config: { tools: [weather] },
    })) {
      calls.push(...(chunk.functionCalls ?? []));
    }
    expect(calls).toEqual([{ name: 'get_weather', args: { city: 'Madrid' } }]);

    // With cachedContent Gemini refuses a systemInstruction: memory goes in the user's turn.
    await gemini(secret).models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'where do I live?',
      config: { cachedContent: 'cachedContents/abc123' },
    });
    const last = (await upstreamCalls('generativelanguage.googleapis.com')).at(-1)!;
    expect(last.body.systemInstruction).toBeUndefined();
    expect(last.body.contents[0].parts[0].text).toContain('"The user lives in Lisbon"');
    expect(last.body.contents[0].parts[1]).toEqual({ text: 'where do I live?' });
  });

  it('raises the SDK’s ApiError in Google’s shape, never quoting the provider key', async () => {
    const { secret } = await keyWithMemory();
    const badKey = (await gemini(secret, { 'x-provider-key': 'not-a-google-key-4321' })
      .models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((error: unknown) => error)) as ApiError;
    expect(badKey).toBeInstanceOf(ApiError);
    expect(badKey.status).toBe(400);
    expect(badKey.message).toMatch(/API key not valid/);
    expect(badKey.message).not.toContain('not-a-google-key-4321');
    // Google's own ErrorInfo, then ours.
    expect(
      JSON.parse(badKey.message).error.details.map((detail: { reason: string }) => detail.reason),
    ).toEqual(['API_KEY_INVALID', 'PROVIDER_4XX']);

    await scriptFake({ host: 'generativelanguage.googleapis.com', mode: 'midstream-error' });
    const stream = await gemini(secret).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'tell me a story',
    });
    const failure = await (async () => {
      try {
        for await (const chunk of stream) void chunk;
        return null;
      } catch (error) {
        return error as ApiError;
      }
    })();
    expect(failure).toBeInstanceOf(ApiError);
    // Google's own error chunk, as it sent it, with our ErrorInfo added.
    expect(failure!.status).toBe(503);
    expect(failure!.message).toMatch(/got status: UNAVAILABLE\. .*The model is overloaded/);
    expect(failure!.message).toContain('"domain":"memoryrouter"');
    expect(failure!.message).toContain('"reason":"STREAM_BROKEN"');
  });
});
