import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import {
  anthropicClient,
  errorOf,
  keyWithMemory,
  openAiClient,
  upstreamCalls,
} from '../helpers/drop-in';

// Chat templates of many open models (Mistral's, Llama 2's) allow one leading
// system message and refuse a second: a request to OpenRouter or a
// compatible server gets memory inside the caller's last leading system
// message, never as a message of its own beside it (review 212 F2).

const MEMORY = '"The user lives in Lisbon"';
const roles = (messages: { role: string }[]) => messages.map((message) => message.role);

describe('memory joins the caller’s system message on OpenRouter and compatible servers', () => {
  let secret: string;
  beforeAll(async () => {
    secret = (await keyWithMemory()).secret;
  });
  beforeEach(resetFakes);

  it('compatible/…: a string system message gains the block after a blank line', async () => {
    await openAiClient(secret, { 'x-provider-key': '' }).chat.completions.create({
      model: 'compatible/mistral-7b-instruct',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'where do I live?' },
      ],
    });
    const [call] = await upstreamCalls('llm.local.test');
    expect(roles(call!.body.messages)).toEqual(['system', 'user']);
    const system = call!.body.messages[0].content as string;
    expect(system.startsWith('You are a helpful assistant.\n\n')).toBe(true);
    expect(system).toContain(MEMORY);
    expect(call!.body.messages[1]).toEqual({ role: 'user', content: 'where do I live?' });
  });

  it('openrouter/…: the last of two leading system messages, parts, gains one text part', async () => {
    const parts = [{ type: 'text' as const, text: 'Answer in French.' }];
    await openAiClient(secret, { 'x-provider-key': 'sk-or-test' }).chat.completions.create({
      model: 'openrouter/mistralai/mixtral-8x7b-instruct',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'system', content: parts },
        { role: 'user', content: 'where do I live?' },
      ],
    });
    const [call] = await upstreamCalls('openrouter.ai');
    const messages = call!.body.messages;
    expect(roles(messages)).toEqual(['system', 'system', 'user']);
    expect(messages[0]).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
    expect(messages[1].content.slice(0, 1)).toEqual(parts);
    expect(messages[1].content).toHaveLength(2);
    expect(messages[1].content[1].type).toBe('text');
    expect(messages[1].content[1].text).toContain(MEMORY);
  });

  it('with no system message of the caller’s, one system message leads', async () => {
    await openAiClient(secret, { 'x-provider-key': '' }).chat.completions.create({
      model: 'compatible/mistral-7b-instruct',
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    const [call] = await upstreamCalls('llm.local.test');
    expect(roles(call!.body.messages)).toEqual(['system', 'user']);
    expect(call!.body.messages[0].content).toContain(MEMORY);
  });

  it('a translated call (/v1/messages to compatible/…) joins the translated system prompt too', async () => {
    await anthropicClient(secret, { 'x-provider-key': '' }).messages.create({
      model: 'compatible/mistral-7b-instruct',
      max_tokens: 50,
      system: 'You are a helpful assistant.',
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    const [call] = await upstreamCalls('llm.local.test');
    expect(roles(call!.body.messages)).toEqual(['system', 'user']);
    expect(call!.body.messages[0].content).toMatch(/^You are a helpful assistant\.\n\n/);
    expect(call!.body.messages[0].content).toContain(MEMORY);
  });

  it('OpenAI itself keeps memory in a developer message of its own after the caller’s', async () => {
    await openAiClient(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'where do I live?' },
      ],
    });
    const [call] = await upstreamCalls('api.openai.com');
    expect(roles(call!.body.messages)).toEqual(['developer', 'developer', 'user']);
    expect(call!.body.messages[0].content).toBe('You are a helpful assistant.');
    expect(call!.body.messages[1].content).toContain(MEMORY);
  });
});

// Gemma's chat template refuses any system role: vLLM answers 400
// {"object": "error", "message": "System role not supported", …}, so memory
// as a system message failed every call. X-Memory-Placement: user puts it in
// the first user message instead, as llama.cpp folds a system prompt there.

describe('X-Memory-Placement: user, for templates that refuse a system role', () => {
  let secret: string;
  beforeAll(async () => {
    secret = (await keyWithMemory()).secret;
  });
  beforeEach(resetFakes);

  it('puts memory before the words of the first user message, no system message added', async () => {
    const asked = [
      { role: 'user' as const, content: 'Hello' },
      { role: 'assistant' as const, content: 'Hi!' },
      { role: 'user' as const, content: 'where do I live?' },
    ];
    await openAiClient(secret, {
      'x-provider-key': '',
      'x-memory-placement': 'user',
    }).chat.completions.create({ model: 'compatible/gemma-2-9b-it', messages: asked });
    const [call] = await upstreamCalls('llm.local.test');
    const messages = call!.body.messages;
    expect(roles(messages)).toEqual(['user', 'assistant', 'user']);
    const first = messages[0].content as string;
    expect(first).toContain(MEMORY);
    expect(first.endsWith('\n\nHello')).toBe(true);
    expect(messages.slice(1)).toEqual(asked.slice(1));
  });

  it('a list of parts gets the block as a first text part (OpenRouter)', async () => {
    const parts = [{ type: 'text' as const, text: 'where do I live?' }];
    await openAiClient(secret, {
      'x-provider-key': 'sk-or-test',
      'x-memory-placement': 'USER',
    }).chat.completions.create({
      model: 'openrouter/google/gemma-2-9b-it',
      messages: [{ role: 'user', content: parts }],
    });
    const [call] = await upstreamCalls('openrouter.ai');
    const [message] = call!.body.messages;
    expect(roles(call!.body.messages)).toEqual(['user']);
    expect(message.content).toHaveLength(2);
    expect(message.content[0].type).toBe('text');
    expect(message.content[0].text).toContain(MEMORY);
    expect(message.content.slice(1)).toEqual(parts);
  });

  it('refuses another value, and the header on a route with a system slot, before any call', async () => {
    const ask = (headers: Record<string, string>) =>
      errorOf(() =>
        openAiClient(secret, { 'x-provider-key': '', ...headers }).chat.completions.create({
          model: 'compatible/gemma-2-9b-it',
          messages: [{ role: 'user', content: 'where do I live?' }],
        }),
      );
    expect(await ask({ 'x-memory-placement': 'first-user' })).toMatchObject({
      status: 400,
      error: { code: 'BAD_USER_INPUT', reason: 'MEMORY_CONTROL' },
    });
    const claude = await errorOf(() =>
      anthropicClient(secret, { 'x-memory-placement': 'user' }).messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'where do I live?' }],
      }),
    );
    expect(claude).toMatchObject({
      status: 400,
      error: { error: { code: 'BAD_USER_INPUT', reason: 'MEMORY_CONTROL' } },
    });
    expect(await upstreamCalls('llm.local.test')).toEqual([]);
    expect(await upstreamCalls('api.anthropic.com')).toEqual([]);
  });

  it('a translated call (Anthropic’s route to a compatible model) takes it too', async () => {
    await anthropicClient(secret, {
      'x-provider-key': '',
      'x-memory-placement': 'user',
    }).messages.create({
      model: 'compatible/gemma-2-9b-it',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    const [call] = await upstreamCalls('llm.local.test');
    expect(roles(call!.body.messages)).toEqual(['user']);
    const first = call!.body.messages[0].content as string;
    expect(first).toContain(MEMORY);
    expect(first.endsWith('\n\nwhere do I live?')).toBe(true);
  });
});
