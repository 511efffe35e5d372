import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { anthropicClient, openAiClient, postJson, sessionMemories } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// A tool the client forces is structured output (Anthropic's tool-forced
// JSON, OpenAI's named function, Gemini's mode ANY): the call is the answer,
// no result follows it, so the turn is stored at once (review 212 F3).

const SAID = 'I live in Lyon with my cat Mimi';
const PROFILE_SCHEMA = {
  type: 'object' as const,
  properties: { city: { type: 'string' }, pet: { type: 'string' } },
  required: ['city', 'pet'],
};

describe('a turn whose answer is a forced tool call is stored', () => {
  // The file's first Worker call starts the isolate (slow on a busy machine): not in a test's time.
  beforeAll(() => newKey());
  beforeEach(resetFakes);

  it('Anthropic tool_choice {type: tool}: the user’s words and the call’s arguments (anthropic SDK)', async () => {
    const key = await newKey();
    const client = anthropicClient(key.secret, { 'x-session-id': 'forced-ant' });
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: SAID }],
        tools: [{ name: 'record_profile', input_schema: PROFILE_SCHEMA }],
        tool_choice: { type: 'tool', name: 'record_profile' },
      })
      .withResponse();
    const call = data.content.find((block) => block.type === 'tool_use')!;
    expect(data.stop_reason).toBe('tool_use');
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    expect(await sessionMemories(key, 'forced-ant')).toEqual([
      `USER: ${SAID}`,
      `ASSISTANT: ${JSON.stringify(call.input)}`,
    ]);
  });

  it('Anthropic tool_choice {type: any} with X-Memory-Store-Tools: the call is stored too', async () => {
    const key = await newKey();
    const client = anthropicClient(key.secret, {
      'x-session-id': 'forced-any',
      'x-memory-store-tools': 'true',
    });
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: SAID }],
        tools: [{ name: 'record_profile', input_schema: PROFILE_SCHEMA }],
        tool_choice: { type: 'any' },
      })
      .withResponse();
    const call = data.content.find((block) => block.type === 'tool_use')!;
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const args = JSON.stringify(call.input);
    expect(await sessionMemories(key, 'forced-any')).toEqual([
      `USER: ${SAID}`,
      `ASSISTANT: called record_profile(${args})`,
      `ASSISTANT: ${args}`,
    ]);
  });

  it('OpenAI tool_choice naming a function, and `required` (openai SDK)', async () => {
    const key = await newKey();
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'record_profile', parameters: PROFILE_SCHEMA },
      },
    ];
    for (const [session, toolChoice] of [
      ['forced-oai-named', { type: 'function' as const, function: { name: 'record_profile' } }],
      ['forced-oai-required', 'required' as const],
    ] as const) {
      const client = openAiClient(key.secret, { 'x-session-id': session });
      const { data, response } = await client.chat.completions
        .create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: SAID }],
          tools,
          tool_choice: toolChoice,
        })
        .withResponse();
      const call = data.choices[0]!.message.tool_calls![0]!;
      expect(call.type === 'function' && call.function.name).toBe('record_profile');
      expect(response.headers.get('x-memory-turn')).toBe('stored');
      expect(await sessionMemories(key, session)).toEqual([
        `USER: ${SAID}`,
        `ASSISTANT: ${call.type === 'function' ? call.function.arguments : ''}`,
      ]);
    }
  });

  it('Gemini functionCallingConfig.mode ANY', async () => {
    const key = await newKey();
    const response = await postJson(
      '/v1beta/models/gemini-2.5-flash:generateContent',
      {
        contents: [{ role: 'user', parts: [{ text: SAID }] }],
        tools: [{ functionDeclarations: [{ name: 'record_profile', parameters: PROFILE_SCHEMA }] }],
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      },
      { 'x-goog-api-key': key.secret, 'x-provider-key': 'AIza-test', 'x-session-id': 'forced-g' },
    );
    const answer = (await response.json()) as {
      candidates: { content: { parts: { functionCall?: { args: unknown } }[] } }[];
    };
    const args = answer.candidates[0]!.content.parts.find((part) => part.functionCall)!
      .functionCall!.args;
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    expect(await sessionMemories(key, 'forced-g')).toEqual([
      `USER: ${SAID}`,
      `ASSISTANT: ${JSON.stringify(args)}`,
    ]);
  });

  it('a tool call the model chose (tool_choice auto) still waits for its results', async () => {
    const key = await newKey();
    const client = anthropicClient(key.secret, { 'x-session-id': 'forced-auto' });
    const { response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: SAID }],
        tools: [{ name: 'record_profile', input_schema: PROFILE_SCHEMA }],
        tool_choice: { type: 'auto' },
      })
      .withResponse();
    expect(response.headers.get('x-memory-turn-reason')).toBe('AWAITING_TOOL_RESULTS');
    expect(await sessionMemories(key, 'forced-auto')).toEqual([]);
  });
});
