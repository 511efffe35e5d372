import { z } from 'zod';
import { MAX_CHAT_MESSAGES, type ChatInput } from '../resolvers/chat/pipeline';
import { MAX_CONTEXT_LIMIT } from '../resolvers/chat/memory-controls';
import { parseResponseFormat, parseToolChoice, parseTools } from '../resolvers/chat/tool-input';
import type { ChatMessage } from '../providers/types';
import { builder } from './builder';
import { RoleEnum } from './enums';
import { DEFAULT_WINDOWS_DESCRIPTION, WindowQueryInput } from './search';
import { VaultSelectorInput } from './vault-selector';

// What a chat call takes: the model, the conversation (tool calls and
// results included) and what to do with memory. The answer's types and the
// chat fields are in chat.ts.

export const MemoryModeEnum = builder.enumType('MemoryMode', {
  description: 'What a chat call does with memory.',
  values: {
    READ_WRITE: { description: 'Inject memory and store the new turn (the default).' },
    READ: { description: 'Inject memory; store nothing.' },
    WRITE: { description: 'Inject nothing; store the new turn.' },
    OFF: { description: 'Neither: a plain call to the model.' },
  } as const,
});

export const MemoryPlacementEnum = builder.enumType('MemoryPlacement', {
  description:
    "Where a chat call's memory block goes; the drop-in routes' X-Memory-Placement (system, user).",
  values: {
    SYSTEM: {
      description:
        "The provider's system slot (the default, but for Gemma models on the Gemini API).",
    },
    USER: {
      description:
        'Before the words of the first user message, no system message added: for chat templates that refuse a system role (Gemma on vLLM or OpenRouter; the default for Gemma on the Gemini API, which refuses any system instruction). OpenAI, OpenRouter, compatible and Gemini models; Anthropic models refuse it (BAD_USER_INPUT, MEMORY_PLACEMENT).',
    },
  } as const,
});

export const ToolCallInput = builder.inputType('ToolCallInput', {
  description:
    'A tool call the model made, sent back in the conversation on its ASSISTANT message.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'The id the model gave the call (ToolCall.id).' }),
    name: t.string({ required: true, description: 'The tool it called.' }),
    signature: t.string({
      required: false,
      description:
        'The signature the call came with (ToolCall.signature), sent back unchanged; Gemini 3 models refuse a tool call without it.',
    }),
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
      description:
        "Also read (and write) this session's vault. Sent empty it is refused (INVALID_VAULT_ID): leave it out for the CORE vault alone.",
    }),
    conversationId: t.string({
      required: false,
      description:
        "Also read this conversation's EPHEMERAL vault; the turn is stored there. Sent empty it is refused (INVALID_VAULT_ID).",
    }),
    memoryMode: t.field({
      type: MemoryModeEnum,
      required: false,
      description: 'Default: READ_WRITE.',
    }),
    extract: t.boolean({
      required: false,
      description:
        'With a mode that stores (READ_WRITE, WRITE): the same model also extracts short facts from the turn and reconciles them with the vault (ADD, UPDATE supersedes, DELETE, NONE) before the answer completes; the receipt (memory.facts) lists them. Extraction calls are billed by your provider. Default: false.',
    }),
    factsVault: t.field({
      type: VaultSelectorInput,
      required: false,
      description:
        "With extract: where the facts go and are reconciled. { kind: CORE } keeps facts about the user where every chat reads them, whatever its sessionId (a fact said in one session supersedes one said in another). Left out: the turn's vault (the sessionId's, conversationId's, or CORE), where only chats with that id read them. The drop-in routes' X-Memory-Facts-Vault: core.",
    }),
    windows: t.field({
      type: [WindowQueryInput],
      required: false,
      description: `KRONOS windows and hits to inject; ${DEFAULT_WINDOWS_DESCRIPTION}; left out, CORE (the vault of lasting facts) is also read in ARCHIVE, with as many hits as the default gives LONG_TERM. Listed, exactly the windows listed are read in every vault.`,
      validate: z.array(z.unknown()).max(4),
    }),
    contextLimit: t.int({
      required: false,
      description: `Most memory tokens to inject, 0–${MAX_CONTEXT_LIMIT}: the memories' own tokens (Memory.tokens), as billed; default MEMORY_TOKEN_BUDGET, never more than a quarter of the model's context. The drop-in routes' X-Memory-Context-Limit.`,
      validate: z.number().int().min(0).max(MAX_CONTEXT_LIMIT),
    }),
    storeRepeats: t.boolean({
      required: false,
      description:
        'Store the turn even when the vault holds the same words from the last 24 hours (and, with extract, extract from it): for an app whose user says the same thing on purpose (a diary, "took my evening pill"). Identical turns racing then may all be stored. The drop-in routes\' X-Memory-Store-Repeats. Default: false, a repeat is DUPLICATE.',
    }),
    now: t.field({
      type: 'DateTime',
      required: false,
      description:
        'Reference time of the memory search, as SearchInput.now: its windows, and dates the user\'s words say relative to today ("yesterday", "last Friday", "in May") read in the calendar of the offset it is written in (2026-11-26T20:00:00-08:00: the user\'s day in UTC−8); default: server time, in UTC\'s calendar. The same range as SearchInput.now (TIME_OUT_OF_RANGE outside it), refused whether or not the call reads memory. The turn is stored at server time. The drop-in routes\' X-Memory-Now.',
    }),
    memoryPlacement: t.field({
      type: MemoryPlacementEnum,
      required: false,
      description:
        "Where the memory block goes: SYSTEM or USER, the first user message, for models whose template refuses a system role (OpenAI, OpenRouter, compatible and Gemini models; refused for Anthropic: MEMORY_PLACEMENT, before any call). Left out: SYSTEM, except for Gemma models on the Gemini API (google/gemma-…), which refuse any system instruction: USER, the messages' SYSTEM text leading the first user message too. The drop-in routes' X-Memory-Placement.",
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
export function chatInput(
  raw: {
    messages: {
      role: ChatMessage['role'];
      content: string;
      toolCalls?:
        { id: string; name: string; signature?: string | null; arguments?: unknown }[] | null;
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
              ...(call.signature ? { signature: call.signature } : {}),
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
