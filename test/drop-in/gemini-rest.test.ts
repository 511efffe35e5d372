import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { keyWithMemory, postJson, replay, upstreamCalls, vaultContents } from '../helpers/drop-in';

const GOOGLE = 'generativelanguage.googleapis.com';
const MEMORY = '"The user lives in Lisbon"';

/** A Gemini REST call as Google's curl examples write it, with a memory key. */
const gemini = (secret: string, path: string, body: unknown, headers = {}) =>
  postJson(`/v1beta/models/gemini-2.5-flash:${path}`, body, {
    'x-goog-api-key': secret,
    'x-provider-key': 'AIza-test',
    ...headers,
  });

const lastGoogleCall = async () => (await upstreamCalls(GOOGLE)).at(-1)!;

describe('Gemini REST bodies in snake_case (the spelling of Google’s curl examples)', () => {
  beforeEach(resetFakes);

  it('adds memory to the caller’s system_instruction, never beside it as systemInstruction', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(secret, 'generateContent', {
      system_instruction: { parts: [{ text: 'Answer briefly.' }] },
      contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
      generation_config: { temperature: 0.1, max_output_tokens: 50 },
    });
    expect(response.status).toBe(200);
    const { body } = await lastGoogleCall();
    expect(body.systemInstruction).toBeUndefined();
    expect(body.system_instruction.parts[0]).toEqual({ text: 'Answer briefly.' });
    expect(body.system_instruction.parts[1].text).toContain(MEMORY);
    expect(body.generation_config).toEqual({ temperature: 0.1, max_output_tokens: 50 });
  });

  it('names the system instruction it adds in the body’s own spelling', async () => {
    const { secret } = await keyWithMemory();
    await gemini(secret, 'generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
      safety_settings: [],
    });
    const snake = (await lastGoogleCall()).body;
    expect(Object.keys(snake)).not.toContain('systemInstruction');
    expect(snake.system_instruction.parts[0].text).toContain(MEMORY);

    await gemini(secret, 'generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
    });
    const camel = (await lastGoogleCall()).body;
    expect(Object.keys(camel)).not.toContain('system_instruction');
    expect(camel.systemInstruction.parts[0].text).toContain(MEMORY);
  });

  it('sees cached_content, and puts memory in the user’s turn after its function_response parts', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(secret, 'generateContent', {
      cached_content: 'cachedContents/abc123',
      contents: [
        { role: 'user', parts: [{ text: 'weather in Rome?' }] },
        {
          role: 'model',
          parts: [{ function_call: { name: 'get_weather', args: { city: 'Rome' } } }],
        },
        {
          role: 'user',
          parts: [
            { function_response: { name: 'get_weather', response: { sky: 'clear' } } },
            { text: 'and where do I live?' },
          ],
        },
      ],
    });
    expect(response.status).toBe(200);
    const { body } = await lastGoogleCall();
    expect(body.system_instruction).toBeUndefined();
    expect(body.systemInstruction).toBeUndefined();
    const parts = body.contents[2].parts;
    expect(parts[0]).toEqual({
      function_response: { name: 'get_weather', response: { sky: 'clear' } },
    });
    expect(parts[1].text).toContain(MEMORY);
    expect(parts[2]).toEqual({ text: 'and where do I live?' });
  });

  it('stores function_call and function_response parts as tool plumbing when asked', async () => {
    const { secret, api } = await keyWithMemory();
    const response = await gemini(
      secret,
      'generateContent',
      {
        contents: [
          { role: 'user', parts: [{ text: 'weather in Oslo?' }] },
          {
            role: 'model',
            parts: [{ function_call: { name: 'get_weather', args: { city: 'Oslo' } } }],
          },
          {
            role: 'user',
            parts: [{ function_response: { name: 'get_weather', response: { sky: 'snow' } } }],
          },
        ],
      },
      { 'x-memory-store-tools': 'true', 'x-session-id': 'snake-tools' },
    );
    expect(response.status).toBe(200);
    await eventually(async () =>
      expect(
        await vaultContents(api, 'Oslo snow weather get_weather', {
          kind: 'SESSION',
          id: 'snake-tools',
        }),
      ).toEqual([
        'Fake generativelanguage.googleapis.com heard tool result: {"sky":"snow"}',
        'called get_weather({"city":"Oslo"})',
        'tool result get_weather: {"sky":"snow"}',
        'weather in Oslo?',
      ]),
    );
  });
});

/** The chunks of a Gemini SSE stream, as parsed JSON. */
const sseChunks = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);

type Chunk = { candidates?: { content: { parts: { text?: string }[] } }[]; error?: unknown };
const textOf = (chunks: Chunk[]) =>
  chunks.map((chunk) => chunk.candidates?.[0]?.content.parts[0]?.text ?? '').join('');

describe('streamGenerateContent without ?alt=sse: Gemini’s streamed JSON array', () => {
  beforeEach(resetFakes);

  it('answers application/json, an array of the chunks alt=sse would carry, and stores the turn', async () => {
    const { secret, api } = await keyWithMemory();
    const response = await gemini(
      secret,
      'streamGenerateContent',
      { contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }] },
      { 'x-session-id': 'array-stream' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-memory-tokens-retrieved')).not.toBe('0');
    const text = await response.text();
    expect(text).toMatch(/^\[\{.*\},\r\n\{/s);
    const chunks = JSON.parse(text) as Chunk[];
    expect(textOf(chunks)).toBe('Fake generativelanguage.googleapis.com heard: where do I live?');

    const call = await lastGoogleCall();
    expect(call.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(chunks).toEqual(sseChunks(await (await replay(call)).text()));
    await eventually(async () =>
      expect(
        await vaultContents(api, 'where live', { kind: 'SESSION', id: 'array-stream' }),
      ).toEqual([
        'Fake generativelanguage.googleapis.com heard: where do I live?',
        'where do I live?',
      ]),
    );
  });

  it('sends each chunk as it comes, before the answer ends', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: GOOGLE, mode: 'hang' });
    const response = await gemini(secret, 'streamGenerateContent', {
      contents: [{ role: 'user', parts: [{ text: 'tell me a story' }] }],
    });
    const reader = response.body!.getReader();
    // The model went silent after its first words: they are here, the array still open.
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first.startsWith('[{')).toBe(true);
    expect(textOf(JSON.parse(`${first}]`) as Chunk[])).toBe('Fake ');
    await reader.cancel();
  });

  it('ends a broken stream with Google’s error as the array’s last element', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: GOOGLE, mode: 'midstream-error' });
    const response = await gemini(secret, 'streamGenerateContent', {
      contents: [{ role: 'user', parts: [{ text: 'tell me a story' }] }],
    });
    const chunks = JSON.parse(await response.text()) as Chunk[];
    // The provider's own error event, as it sent it (its 503), with our reason beside it.
    expect(chunks.at(-1)).toMatchObject({
      error: {
        code: 503,
        status: 'UNAVAILABLE',
        message: expect.stringMatching(/overloaded/),
        details: expect.arrayContaining([
          expect.objectContaining({ domain: 'memoryrouter', reason: 'STREAM_BROKEN' }),
        ]),
      },
    });
    expect(textOf(chunks.slice(0, -1))).toBe('Fake ');
  });
});
