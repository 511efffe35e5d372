import { beforeEach, describe, expect, it } from 'vitest';
// The package's source, as a Worker that depends on @memoryrouter/client bundles it.
import { createClient } from '../packages/client/src/index';
import type { ChatEvent, ChatMessageInput } from '../packages/client/src/index';
import { keyWithMemory } from './helpers/drop-in';
import { resetFakes } from './helpers/fakes';
import { BASE_URL, workerFetch } from './helpers/graphql';

const tools = [
  {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const all: ChatEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/**
 * The typed client's chat() against a provider fake that streams a tool call:
 * what the subscription carries reaches the caller (review 94, finding 2).
 */
describe('@memoryrouter/client chat() with tools', () => {
  beforeEach(resetFakes);

  it('streams the tool call, then a result with finishReason, toolCalls, usage and turn; the tool result round trip answers', async () => {
    const { secret } = await keyWithMemory('The user lives in Lisbon');
    const mr = createClient({ url: BASE_URL, key: secret, fetch: workerFetch });
    const messages: ChatMessageInput[] = [
      { role: 'USER', content: 'What is the weather in Lisbon?' },
    ];
    const input = { model: 'openai/gpt-4o', sessionId: 'tools', messages, tools };

    const first = await collect(mr.chat(input, { providerKey: 'sk-test' }));
    const streamed = first.flatMap((event) => (event.toolCall ? [event.toolCall] : []));
    expect(streamed).toHaveLength(1);
    const call = streamed[0]!;
    expect(call).toMatchObject({ name: 'get_weather', signature: null });
    expect(call.id).toMatch(/\S/);
    expect(call.arguments).toEqual({ city: 'Lisbon' });

    const final = first.at(-1)!;
    expect(final.done).toBe(true);
    expect(final.result).toMatchObject({
      content: '',
      finishReason: 'tool_calls',
      toolCalls: [call],
      model: 'openai/gpt-4o',
      provider: 'openai',
    });
    expect(final.result!.usage?.inputTokens).toBeGreaterThan(0);
    expect(final.result!.usage?.outputTokens).toBeGreaterThan(0);
    // The memory was injected, and the turn waits for the tool's result.
    expect(final.result!.memory.hits.map((hit) => hit.memory.content)).toEqual([
      'The user lives in Lisbon',
    ]);
    expect(final.result!.memory.turn).toMatchObject({
      stored: false,
      reason: 'AWAITING_TOOL_RESULTS',
    });

    // The round trip, as the client README shows it.
    messages.push(
      { role: 'ASSISTANT', content: final.result!.content, toolCalls: final.result!.toolCalls },
      { role: 'USER', content: '{"sky":"clear"}', toolCallId: call.id },
    );
    const second = await collect(mr.chat(input, { providerKey: 'sk-test' }));
    const answer = second.map((event) => event.delta ?? '').join('');
    expect(answer).toBe('Fake api.openai.com heard tool result: {"sky":"clear"}');
    expect(second.at(-1)!.result).toMatchObject({
      content: answer,
      finishReason: 'stop',
      toolCalls: [],
      memory: { turn: { stored: true, reason: null } },
    });
  });
});
