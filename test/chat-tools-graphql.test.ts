import { print } from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatStreamWithToolsDocument,
  ChatWithToolsDocument,
  type ChatMessageInput,
  type ChatStreamWithToolsSubscription,
} from './generated/graphql';
import { eventually, fakeCalls, resetFakes } from './helpers/fakes';
import { chatClient, chatSseClient, postChat } from './helpers/graphql-chat';
import { keyWithMemory, vaultContents } from './helpers/drop-in';

const tools = [
  {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

describe('GraphQL chat with tools', () => {
  beforeEach(resetFakes);

  for (const [model, providerKey, host] of [
    ['openai/gpt-4o', 'sk-test', 'api.openai.com'],
    ['anthropic/claude-sonnet-4', 'sk-ant-test', 'api.anthropic.com'],
    ['google/gemini-2.5-flash', 'AIza-test', 'generativelanguage.googleapis.com'],
  ] as const) {
    it(`${model}: returns tool calls, takes their results, and stores only the finished turn`, async () => {
      const { secret, api } = await keyWithMemory();
      const chat = chatClient(secret, providerKey);
      const messages: ChatMessageInput[] = [
        { role: 'USER', content: 'What is the weather in Paris?' },
      ];
      const first = await chat.request(ChatWithToolsDocument, {
        input: { model, messages, tools, sessionId: 'agent' },
      });
      expect(first.chat.toolCalls).toHaveLength(1);
      const call = first.chat.toolCalls[0]!;
      expect(call).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
      expect(first.chat.usage?.inputTokens).toBeGreaterThan(0);

      messages.push(
        {
          role: 'ASSISTANT',
          content: first.chat.content,
          toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }],
        },
        { role: 'USER', content: '{"sky":"clear"}', toolCallId: call.id },
      );
      const second = await chat.request(ChatWithToolsDocument, {
        input: { model, messages, tools, sessionId: 'agent' },
      });
      expect(second.chat.toolCalls).toEqual([]);
      expect(second.chat.content).toBe(`Fake ${host} heard tool result: {"sky":"clear"}`);
      // The memory query was the user's words both times.
      expect(second.chat.memory.memoryTokens).toBe(first.chat.memory.memoryTokens);
      await eventually(async () =>
        expect(
          await vaultContents(api, 'weather Paris clear', { kind: 'SESSION', id: 'agent' }),
        ).toEqual([
          `Fake ${host} heard tool result: {"sky":"clear"}`,
          'What is the weather in Paris?',
        ]),
      );
    });
  }

  it('runs an agent loop over the subscription: a toolCall event, then the answer', async () => {
    const { secret } = await keyWithMemory();
    const client = chatSseClient(secret, 'sk-ant-test');
    const run = async (messages: ChatMessageInput[]) => {
      const events: ChatStreamWithToolsSubscription['chat'][] = [];
      for await (const result of client.iterate<ChatStreamWithToolsSubscription>({
        query: print(ChatStreamWithToolsDocument),
        variables: { input: { model: 'claude-sonnet-4', messages, tools } },
      })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.chat);
      }
      return events;
    };
    const messages: ChatMessageInput[] = [{ role: 'USER', content: 'Weather in Kyoto?' }];
    const first = await run(messages);
    const toolEvent = first.find((event) => event.toolCall)!;
    expect(toolEvent.toolCall).toMatchObject({ name: 'get_weather', arguments: { city: 'Kyoto' } });
    expect(first.at(-1)).toMatchObject({ done: true, result: { finishReason: 'tool_use' } });

    const call = toolEvent.toolCall!;
    messages.push(
      {
        role: 'ASSISTANT',
        content: '',
        toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }],
      },
      { role: 'USER', content: 'rain, 14°C', toolCallId: call.id },
    );
    const second = await run(messages);
    expect(
      second
        .filter((event) => event.delta)
        .map((event) => event.delta)
        .join(''),
    ).toBe('Fake api.anthropic.com heard tool result: rain, 14°C');
    expect(second.at(-1)).toMatchObject({
      done: true,
      result: { finishReason: 'end_turn', toolCalls: [] },
    });
  });

  it('carries a Gemini 3 function call’s thoughtSignature out and back, streamed or not', async () => {
    const { secret } = await keyWithMemory();
    const chat = chatClient(secret, 'AIza-test');
    const model = 'google/gemini-3-pro-preview';
    const messages: ChatMessageInput[] = [{ role: 'USER', content: 'Weather in Oslo?' }];
    const first = await chat.request(ChatWithToolsDocument, { input: { model, messages, tools } });
    const call = first.chat.toolCalls[0]!;
    expect(call.signature).toBe(btoa('signed call to get_weather'));

    const client = chatSseClient(secret, 'AIza-test');
    const streamed: (string | null | undefined)[] = [];
    for await (const result of client.iterate<ChatStreamWithToolsSubscription>({
      query: print(ChatStreamWithToolsDocument),
      variables: { input: { model, messages, tools } },
    })) {
      if (result.data?.chat.toolCall) streamed.push(result.data.chat.toolCall.signature);
    }
    expect(streamed).toEqual([call.signature]);

    const answered = (signature?: string | null) => [
      ...messages,
      {
        role: 'ASSISTANT' as const,
        content: '',
        toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments, signature }],
      },
      { role: 'USER' as const, content: '{"sky":"snow"}', toolCallId: call.id },
    ];
    const second = await chat.request(ChatWithToolsDocument, {
      input: { model, messages: answered(call.signature), tools },
    });
    expect(second.chat.content).toBe(
      'Fake generativelanguage.googleapis.com heard tool result: {"sky":"snow"}',
    );
    const sent = (await fakeCalls()).at(-1)!.body as {
      contents: { parts: Record<string, unknown>[] }[];
    };
    expect(sent.contents[1]!.parts[0]).toEqual({
      functionCall: { name: 'get_weather', args: { city: 'Oslo' } },
      thoughtSignature: call.signature,
    });
    // Without it, Gemini 3 refuses the turn (the fake as the real API).
    await expect(
      chat.request(ChatWithToolsDocument, { input: { model, messages: answered(null), tools } }),
    ).rejects.toThrow(/without the thought_signature/);
  });

  it('takes responseFormat for OpenAI and Gemini models, and refuses it for Claude', async () => {
    const { secret } = await keyWithMemory();
    const responseFormat = {
      type: 'json_schema',
      name: 'city',
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    };
    const messages = [{ role: 'USER', content: 'Describe Lisbon as json' }];
    for (const [model, providerKey] of [
      ['gpt-4o', 'sk-test'],
      ['gemini-2.5-flash', 'AIza-test'],
    ]) {
      const result = await chatClient(secret, providerKey!).request(ChatWithToolsDocument, {
        input: { model: model!, messages: messages as ChatMessageInput[], responseFormat },
      });
      expect(JSON.parse(result.chat.content)).toEqual({ city: 'Lisbon' });
    }
    const [openai, gemini] = await fakeCalls();
    expect(openai!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'city', schema: responseFormat.schema },
    });
    expect(gemini!.body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: responseFormat.schema,
    });

    const body = await postChat(
      secret,
      ChatWithToolsDocument,
      { model: 'claude-sonnet-4', messages, responseFormat },
      'sk-ant-test',
    );
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.message).toMatch(/responseFormat is not available for Anthropic/);
    expect(await fakeCalls()).toHaveLength(2);
  });

  it('refuses bad chat input with coded errors before calling any provider', async () => {
    const { secret } = await keyWithMemory();
    const hello = [{ role: 'USER', content: 'hello' }];
    const cases: [string, Record<string, unknown>, string][] = [
      [
        '201 messages',
        { messages: Array.from({ length: 201 }, () => hello[0]) },
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'too many characters',
        { messages: [{ role: 'USER', content: 'x'.repeat(400_001) }] },
        'PAYLOAD_TOO_LARGE',
      ],
      ['no USER message', { messages: [{ role: 'SYSTEM', content: 'be nice' }] }, 'BAD_USER_INPUT'],
      ['temperature 3', { temperature: 3 }, 'BAD_USER_INPUT'],
      ['maxTokens 0', { maxTokens: 0 }, 'BAD_USER_INPUT'],
      ['topP 2', { topP: 2 }, 'BAD_USER_INPUT'],
      ['5 stop sequences', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'PAYLOAD_TOO_LARGE'],
      ['tools not a list', { tools: { name: 'x' } }, 'BAD_USER_INPUT'],
      ['a tool without a name', { tools: [{ description: 'nameless' }] }, 'BAD_USER_INPUT'],
      [
        '129 tools',
        { tools: Array.from({ length: 129 }, (_, i) => ({ name: `t${i}` })) },
        'PAYLOAD_TOO_LARGE',
      ],
      ['toolChoice naming no tool', { tools, toolChoice: { name: 'nope' } }, 'BAD_USER_INPUT'],
      [
        'a result for no call',
        { messages: [...hello, { role: 'USER', content: 'r', toolCallId: 'call_x' }] },
        'BAD_USER_INPUT',
      ],
      ['responseFormat of no known type', { responseFormat: { type: 'yaml' } }, 'BAD_USER_INPUT'],
    ];
    for (const [label, extra, code] of cases) {
      const body = await postChat(secret, ChatWithToolsDocument, {
        model: 'gpt-4o',
        messages: hello,
        ...extra,
      });
      expect(
        body.errors?.map((error) => error.extensions?.code),
        label,
      ).toEqual([code]);
    }
    expect(await fakeCalls()).toEqual([]);
  });
});
