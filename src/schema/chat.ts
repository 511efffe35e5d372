import { z } from 'zod';
import {
  completeChat,
  MAX_CHAT_MESSAGES,
  openChat,
  type ChatInput,
  type ChatOutcome,
  type ChatReceipt,
} from '../chat/pipeline';
import { parseResponseFormat, parseToolChoice, parseTools } from '../chat/tool-input';
import type { MeteredContext } from '../resolvers/request-context';
import type { AnswerUsage, ChatMessage, ToolCall } from '../providers/types';
import { builder } from './builder';
import { RoleEnum } from './enums';
import { SearchHitRef, WindowQueryInput } from './search';

export const MemoryModeEnum = builder.enumType('MemoryMode', {
  description: 'What a chat call does with memory.',
  values: {
    READ_WRITE: { description: 'Inject memory and store the new turn (the default).' },
    READ: { description: 'Inject memory; store nothing.' },
    WRITE: { description: 'Inject nothing; store the new turn.' },
    OFF: { description: 'Neither: a plain call to the model.' },
  } as const,
});

export const ToolCallInput = builder.inputType('ToolCallInput', {
  description:
    'A tool call the model made, sent back in the conversation on its ASSISTANT message.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'The id the model gave the call (ToolCall.id).' }),
    name: t.string({ required: true, description: 'The tool it called.' }),
    arguments: t.field({
      type: 'JSON',
      required: true,
      description: 'Its arguments, as ToolCall.arguments gave them (an object, or JSON text).',
    }),
  }),
});

export const ChatMessageInput = builder.inputType('ChatMessageInput', {
  description: 'One message of the conversation so far.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true, description: 'Who said it.' }),
    content: t.string({
      required: true,
      description:
        'What was said; a tool result message holds the result; may be empty beside toolCalls.',
    }),
    toolCalls: t.field({
      type: [ToolCallInput],
      required: false,
      description: 'On an ASSISTANT message: the tool calls the model made in that turn.',
    }),
    toolCallId: t.string({
      required: false,
      description: 'On a USER message: this message is the result of that tool call (ToolCall.id).',
    }),
  }),
});

export const ChatInputRef = builder.inputType('ChatInput', {
  description: 'A chat call through MemoryRouter with your own provider key (X-Provider-Key).',
  fields: (t) => ({
    model: t.string({
      required: true,
      description:
        'provider/model, e.g. openai/gpt-4o, anthropic/claude-sonnet-4, google/gemini-2.5-flash, openrouter/meta-llama/llama-3.3-70b, compatible/llama3.2; bare gpt-…, claude-… and gemini-… names are inferred',
    }),
    messages: t.field({
      type: [ChatMessageInput],
      required: true,
      description: `The conversation, oldest first (at most ${MAX_CHAT_MESSAGES}); the last USER message is the memory query.`,
      validate: z.array(z.unknown()).min(1).max(MAX_CHAT_MESSAGES),
    }),
    sessionId: t.string({
      required: false,
      description: "Also read (and write) this session's vault.",
    }),
    conversationId: t.string({
      required: false,
      description: "Also read this conversation's EPHEMERAL vault; the turn is stored there.",
    }),
    memoryMode: t.field({
      type: MemoryModeEnum,
      required: false,
      description: 'Default: READ_WRITE.',
    }),
    windows: t.field({
      type: [WindowQueryInput],
      required: false,
      description: 'KRONOS windows and hits to inject; default: HOT 4, WORKING 4, LONG_TERM 4.',
      validate: z.array(z.unknown()).max(4),
    }),
    temperature: t.float({ required: false, description: 'Sampling temperature, 0–2.' }),
    maxTokens: t.int({ required: false, description: 'Most tokens of answer.' }),
    topP: t.float({ required: false, description: 'Nucleus sampling, 0–1.' }),
    stop: t.stringList({
      required: false,
      description: 'Stop sequences (at most 4).',
      validate: z.array(z.string()).max(4),
    }),
    tools: t.field({
      type: 'JSON',
      required: false,
      description:
        'Tools the model may call: a list of { name, description?, parameters? (JSON Schema) }, or OpenAI\'s { type: "function", function: { … } } form. Calls come back in ChatResult.toolCalls and ChatEvent.toolCall; send their results as USER messages with toolCallId.',
    }),
    toolChoice: t.field({
      type: 'JSON',
      required: false,
      description: '"auto" (default), "none", "required", or { name } to force one tool.',
    }),
    responseFormat: t.field({
      type: 'JSON',
      required: false,
      description:
        'Structured output: { type: "json_object" } or { type: "json_schema", schema, name?, strict? } (OpenAI and Gemini models; Anthropic models refuse it).',
    }),
  }),
});

/** GraphQL's ChatInput as the pipeline's: tool calls, results and the JSON fields checked. */
function chatInput(
  raw: {
    messages: {
      role: ChatMessage['role'];
      content: string;
      toolCalls?: { id: string; name: string; arguments?: unknown }[] | null;
      toolCallId?: string | null;
    }[];
    tools?: unknown;
    toolChoice?: unknown;
    responseFormat?: unknown;
  } & Omit<ChatInput, 'messages' | 'tools' | 'toolChoice' | 'responseFormat'>,
): ChatInput {
  const tools = parseTools(raw.tools, 'tools');
  return {
    ...raw,
    messages: raw.messages.map((message) => ({
      role: message.role,
      content: message.content,
      ...(message.toolCalls?.length
        ? {
            toolCalls: message.toolCalls.map((call) => ({
              id: call.id,
              name: call.name,
              arguments:
                typeof call.arguments === 'string'
                  ? call.arguments
                  : JSON.stringify(call.arguments ?? {}),
            })),
          }
        : {}),
      ...(message.toolCallId ? { toolCallId: message.toolCallId } : {}),
    })),
    tools,
    toolChoice: parseToolChoice(raw.toolChoice, tools, 'toolChoice'),
    responseFormat: parseResponseFormat(raw.responseFormat, 'responseFormat'),
  };
}

export const ToolCallRef = builder.objectRef<ToolCall>('ToolCall');
ToolCallRef.implement({
  description:
    'A call the model made to one of the tools offered; run it and send its result back.',
  fields: (t) => ({
    id: t.exposeString('id', {
      description: 'Identifies the call; the result message names it (toolCallId).',
    }),
    name: t.exposeString('name', { description: 'The tool called.' }),
    arguments: t.field({
      type: 'JSON',
      description: 'The arguments, parsed; the raw text when the model wrote invalid JSON.',
      resolve: (call) => {
        try {
          return JSON.parse(call.arguments) as unknown;
        } catch {
          return call.arguments;
        }
      },
    }),
  }),
});

export const ChatUsageRef = builder.objectRef<AnswerUsage>('ChatUsage');
ChatUsageRef.implement({
  description: 'Tokens of the model call as the provider reported them.',
  fields: (t) => ({
    inputTokens: t.exposeInt('inputTokens', {
      nullable: true,
      description: 'Prompt tokens, cached ones included (memory block included).',
    }),
    outputTokens: t.exposeInt('outputTokens', { nullable: true, description: 'Tokens of answer.' }),
  }),
});

export const MemoryReceiptRef = builder.objectRef<ChatReceipt>('MemoryReceipt');
MemoryReceiptRef.implement({
  description: 'The memory injected into a model call.',
  fields: (t) => ({
    hits: t.field({
      type: [SearchHitRef],
      description: 'Memories injected into the model call, with their vault and window.',
      resolve: (receipt) => receipt.hits,
    }),
    memoryTokens: t.exposeInt('memoryTokens', {
      description: 'Tokens of memory injected, as billed.',
    }),
  }),
});

export const ChatResultRef = builder.objectRef<ChatOutcome>('ChatResult');
ChatResultRef.implement({
  description: "A model's whole answer and the memory it was given.",
  fields: (t) => ({
    content: t.exposeString('content', { description: 'The answer.' }),
    model: t.exposeString('model', { description: 'The model asked for.' }),
    provider: t.exposeString('provider', { description: 'The provider that answered.' }),
    memory: t.field({
      type: MemoryReceiptRef,
      description: 'Memory injected.',
      resolve: (result) => result.memory,
    }),
    toolCalls: t.field({
      type: [ToolCallRef],
      description: 'Tool calls the model made (empty for a final answer).',
      resolve: (result) => result.toolCalls,
    }),
    finishReason: t.exposeString('finishReason', {
      nullable: true,
      description:
        "Why the answer ended, in the provider's own words (stop, tool_calls, end_turn, tool_use, STOP, …).",
    }),
    usage: t.field({
      type: ChatUsageRef,
      nullable: true,
      description: 'Tokens as the provider reported them; null when it reported none.',
      resolve: (result) => result.usage,
    }),
  }),
});

interface ChatEventShape {
  delta: string | null;
  toolCall: ToolCall | null;
  done: boolean;
  result: ChatOutcome | null;
}

export const ChatEventRef = builder.objectRef<ChatEventShape>('ChatEvent');
ChatEventRef.implement({
  description: 'One step of a streamed answer.',
  fields: (t) => ({
    delta: t.exposeString('delta', {
      nullable: true,
      description: 'Next piece of the answer; null on the final event and on tool calls.',
    }),
    toolCall: t.field({
      type: ToolCallRef,
      nullable: true,
      description: 'A tool call, as soon as the model has made it whole.',
      resolve: (event) => event.toolCall,
    }),
    done: t.exposeBoolean('done', { description: 'True on the final event.' }),
    result: t.field({
      type: ChatResultRef,
      nullable: true,
      description: 'Present on the final event.',
      resolve: (event) => event.result,
    }),
  }),
});

/**
 * Opens the chat first (so refusals become ordinary GraphQL errors), then
 * streams it. The iterator is hand-written rather than a generator so that
 * `return()` (the client went away) aborts the upstream call at once, even
 * while a read from the provider is pending.
 */
async function chatEvents(
  context: MeteredContext,
  input: ChatInput,
): Promise<AsyncIterableIterator<ChatEventShape>> {
  const abort = new AbortController();
  const chat = await openChat(context, input, abort.signal);
  let finished = false;
  const iterator: AsyncIterableIterator<ChatEventShape> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      const next = await chat.events.next();
      if (!next.done) {
        const event = next.value;
        return {
          done: false,
          value:
            event.type === 'text'
              ? { delta: event.text, toolCall: null, done: false, result: null }
              : { delta: null, toolCall: event.call, done: false, result: null },
        };
      }
      finished = true;
      return {
        done: false,
        value: { delta: null, toolCall: null, done: true, result: next.value },
      };
    },
    async return() {
      finished = true;
      abort.abort();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      finished = true;
      abort.abort();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

builder.mutationFields((t) => ({
  chat: t.withAuth({ activeMemoryKey: true }).field({
    type: ChatResultRef,
    description:
      'Chat with memory, any model; the provider key travels in the X-Provider-Key header.',
    args: {
      input: t.arg({
        type: ChatInputRef,
        required: true,
        description: 'The model, the conversation and what to do with memory.',
      }),
    },
    resolve: (_root, { input }, context) => completeChat(context, chatInput(input), context.signal),
  }),
}));

builder.subscriptionFields((t) => ({
  chat: t.withAuth({ activeMemoryKey: true }).field({
    type: ChatEventRef,
    description:
      'The same pipeline as Mutation.chat, streamed: deltas, then one final event with the result.',
    args: {
      input: t.arg({
        type: ChatInputRef,
        required: true,
        description:
          'The model, the conversation and what to do with memory, as for Mutation.chat.',
      }),
    },
    subscribe: (_root, { input }, context) => chatEvents(context, chatInput(input)),
    resolve: (event) => event,
  }),
}));
