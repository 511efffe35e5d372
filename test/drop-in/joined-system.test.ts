import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { anthropicClient, keyWithMemory, openAiClient, upstreamCalls } from '../helpers/drop-in';

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
