import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument } from '../generated/graphql';
import { chatClient, postWithProviderKey } from '../helpers/graphql-chat';
import { resetFakes } from '../helpers/fakes';
import {
  anthropicClient,
  errorOf,
  keyWithMemory,
  openAiClient,
  postJson,
  upstreamCalls,
} from '../helpers/drop-in';

// Gemma models served by the Gemini API refuse any systemInstruction (400
// INVALID_ARGUMENT "Developer instruction is not enabled for
// models/gemma-…"), so memory in the system slot failed every call with
// memory to add. They get it before the words of the first user turn, as
// llama.cpp folds a system prompt there; any Gemini model can be asked to.

const GOOGLE = 'generativelanguage.googleapis.com';
const MEMORY = '"The user lives in Lisbon"';

const gemini = (secret: string, model: string, body: unknown, headers = {}) =>
  postJson(`/v1beta/models/${model}:generateContent`, body, {
    'x-goog-api-key': secret,
    'x-provider-key': 'AIza-test',
    ...headers,
  });

const lastGoogleBody = async () => (await upstreamCalls(GOOGLE)).at(-1)!.body;

const question = { role: 'user', parts: [{ text: 'where do I live?' }] };

describe('memory for models that refuse a system instruction (Gemma on the Gemini API)', () => {
  beforeEach(resetFakes);

  it('a Gemma model gets memory as a text part before the first user turn’s words', async () => {
    const { secret } = await keyWithMemory();
    const earlier = [
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Hi!' }] },
    ];
    const response = await gemini(secret, 'gemma-3-27b-it', {
      contents: [...earlier, question],
      generationConfig: { temperature: 0.2 },
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('x-memory-chunks-retrieved'))).toBe(1);
    const body = await lastGoogleBody();
    expect(body.systemInstruction).toBeUndefined();
    expect(body.system_instruction).toBeUndefined();
    const [lead, hello] = body.contents[0].parts;
    expect(lead.text).toContain(MEMORY);
    expect(lead.text.endsWith('\n\n')).toBe(true);
    expect(hello).toEqual({ text: 'Hello' });
    // Everything else as the caller sent it.
    expect(body.contents.slice(1)).toEqual([earlier[1], question]);
    expect(body.generationConfig).toEqual({ temperature: 0.2 });
  });

  it('X-Memory-Placement: system is the caller’s choice: Google’s refusal comes back as Google wrote it', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(
      secret,
      'gemma-3-27b-it',
      { contents: [question] },
      { 'x-memory-placement': 'system' },
    );
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { message: string; status: string } };
    expect(answer.error).toMatchObject({
      message: 'Developer instruction is not enabled for models/gemma-3-27b-it',
      status: 'INVALID_ARGUMENT',
    });
  });

  it('X-Memory-Placement: user moves it on any Gemini model; the caller’s system instruction stays', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(
      secret,
      'gemini-2.5-flash',
      {
        system_instruction: { parts: [{ text: 'Answer briefly.' }] },
        contents: [question],
      },
      { 'x-memory-placement': 'user' },
    );
    expect(response.status).toBe(200);
    const body = await lastGoogleBody();
    expect(body.system_instruction).toEqual({ parts: [{ text: 'Answer briefly.' }] });
    expect(body.contents[0].parts[0].text).toContain(MEMORY);
    expect(body.contents[0].parts[1]).toEqual({ text: 'where do I live?' });
  });

  it('GraphQL chat: a Gemma model gets the caller’s system text and memory in its first user turn', async () => {
    const { secret } = await keyWithMemory();
    const chat = chatClient(secret, 'AIza-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'google/gemma-3-27b-it',
        memoryMode: 'READ',
        messages: [
          { role: 'SYSTEM', content: 'Be brief.' },
          { role: 'USER', content: 'where do I live?' },
        ],
      },
    });
    expect(result.provider).toBe('google');
    const body = await lastGoogleBody();
    expect(body.systemInstruction).toBeUndefined();
    const [lead, words] = body.contents[0].parts;
    expect(lead.text.startsWith('Be brief.\n\n')).toBe(true);
    expect(lead.text).toContain(MEMORY);
    expect(words).toEqual({ text: 'where do I live?' });
  });

  it('GraphQL chat: memoryPlacement USER is served for Gemini models, still refused for Anthropic ones', async () => {
    const { secret } = await keyWithMemory();
    const chat = chatClient(secret, 'AIza-test');
    await chat.request(ChatDocument, {
      input: {
        model: 'google/gemini-2.5-flash',
        memoryMode: 'READ',
        memoryPlacement: 'USER',
        messages: [
          { role: 'SYSTEM', content: 'Be brief.' },
          { role: 'USER', content: 'where do I live?' },
        ],
      },
    });
    const body = await lastGoogleBody();
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(body.contents[0].parts[0].text).toContain(MEMORY);
    const refused = await postWithProviderKey(
      secret,
      `mutation ($input: ChatInput!) { chat(input: $input) { content } }`,
      {
        input: {
          model: 'anthropic/claude-sonnet-4',
          memoryPlacement: 'USER',
          messages: [{ role: 'USER', content: 'where do I live?' }],
        },
      },
      'sk-ant-test',
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'MEMORY_PLACEMENT',
    });
  });

  it('a translated call to Gemma (OpenAI’s route) is served the same way', async () => {
    const { secret } = await keyWithMemory();
    const client = openAiClient(secret, { 'x-provider-key': 'AIza-test' });
    const completion = await client.chat.completions.create({
      model: 'google/gemma-3-27b-it',
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    expect(completion.choices[0]?.message.content).toContain('where do I live?');
    const body = await lastGoogleBody();
    expect(body.systemInstruction).toBeUndefined();
    expect(body.contents[0].parts[0].text).toContain(MEMORY);
  });

  it('Anthropic’s route still refuses X-Memory-Placement: user for Claude, before any call', async () => {
    const { secret } = await keyWithMemory();
    const refused = await errorOf(() =>
      anthropicClient(secret, { 'x-memory-placement': 'user' }).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'where do I live?' }],
      }),
    );
    expect(refused).toMatchObject({
      status: 400,
      error: { error: { code: 'BAD_USER_INPUT', reason: 'MEMORY_CONTROL' } },
    });
    expect(await upstreamCalls('api.anthropic.com')).toEqual([]);
  });
});
