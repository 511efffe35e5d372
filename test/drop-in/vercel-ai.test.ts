import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { keyWithMemory, upstreamCalls } from '../helpers/drop-in';

/** The Vercel AI SDK's providers with only their base URL changed (and the key slot holding the memory key). */
const providers = (secret: string) => ({
  openai: createOpenAI({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    headers: { 'x-provider-key': 'sk-test-openai' },
  }),
  anthropic: createAnthropic({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    headers: { 'x-provider-key': 'sk-ant-test' },
  }),
});

const weatherTool = tool({
  description: 'Current weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, sky: 'clear', celsius: 22 }),
});

describe('the Vercel AI SDK pointed at MemoryRouter', () => {
  beforeEach(resetFakes);

  for (const [label, model, host] of [
    [
      '@ai-sdk/openai',
      (p: ReturnType<typeof providers>) => p.openai.chat('gpt-4o'),
      'api.openai.com',
    ],
    [
      '@ai-sdk/openai responses',
      (p: ReturnType<typeof providers>) => p.openai.responses('gpt-4o'),
      'api.openai.com',
    ],
    [
      '@ai-sdk/anthropic',
      (p: ReturnType<typeof providers>) => p.anthropic('claude-sonnet-4-5'),
      'api.anthropic.com',
    ],
  ] as const) {
    it(`${label}: generateText runs a multi-step tool loop`, async () => {
      const { secret } = await keyWithMemory();
      const result = await generateText({
        model: model(providers(secret)),
        tools: { get_weather: weatherTool },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        prompt: 'I live here: what is the weather in Paris?',
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0]!.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
        ['get_weather', { city: 'Paris' }],
      ]);
      expect(result.text).toBe(
        `Fake ${host} heard tool result: {"city":"Paris","sky":"clear","celsius":22}`,
      );
      expect(result.totalUsage.inputTokens).toBeGreaterThan(0);
      const calls = await upstreamCalls(host);
      expect(calls).toHaveLength(2);
      expect(JSON.stringify(calls[1]!.body)).toContain('The user lives in Lisbon');
    });

    it(`${label}: streamText streams the answer`, async () => {
      const { secret } = await keyWithMemory();
      const result = streamText({
        model: model(providers(secret)),
        maxRetries: 0,
        prompt: 'where do I live?',
      });
      const pieces: string[] = [];
      for await (const piece of result.textStream) pieces.push(piece);
      expect(pieces.length).toBeGreaterThan(2);
      expect(pieces.join('')).toBe(`Fake ${host} heard: where do I live?`);
      expect((await result.usage).outputTokens).toBeGreaterThan(0);
    });
  }

  it('structured object output through OpenAI’s json_schema', async () => {
    const { secret } = await keyWithMemory();
    const result = await generateText({
      model: providers(secret).openai.chat('gpt-4o'),
      output: Output.object({ schema: z.object({ city: z.string(), population: z.number() }) }),
      maxRetries: 0,
      prompt: 'Tell me about Lisbon',
    });
    expect(result.output).toEqual({ city: 'Lisbon', population: 1 });
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.response_format.type).toBe('json_schema');
  });

  it('structured object output with Claude', async () => {
    const { secret } = await keyWithMemory();
    const result = await generateText({
      model: providers(secret).anthropic('claude-sonnet-4-5'),
      output: Output.object({ schema: z.object({ city: z.string(), population: z.number() }) }),
      maxRetries: 0,
      prompt: 'Tell me about Lisbon',
    });
    expect(result.output).toEqual({ city: 'Lisbon', population: 1 });
  });
});
