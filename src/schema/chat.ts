import { z } from 'zod';
import {
  completeChat,
  MAX_CHAT_MESSAGES,
  openChat,
  type ChatInput,
  type ChatOutcome,
  type ChatReceipt,
} from '../chat/pipeline';
import type { GraphQLContext } from '../context';
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

export const ChatMessageInput = builder.inputType('ChatMessageInput', {
  description: 'One message of the conversation so far.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true, description: 'Who said it.' }),
    content: t.string({ required: true, description: 'What was said.' }),
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
  }),
});

interface ChatEventShape {
  delta: string | null;
  done: boolean;
  result: ChatOutcome | null;
}

export const ChatEventRef = builder.objectRef<ChatEventShape>('ChatEvent');
ChatEventRef.implement({
  description: 'One step of a streamed answer.',
  fields: (t) => ({
    delta: t.exposeString('delta', {
      nullable: true,
      description: 'Next piece of the answer; null on the final event.',
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
  context: GraphQLContext,
  input: ChatInput,
): Promise<AsyncIterableIterator<ChatEventShape>> {
  const abort = new AbortController();
  const chat = await openChat(context, input, abort.signal);
  let finished = false;
  const iterator: AsyncIterableIterator<ChatEventShape> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      const next = await chat.deltas.next();
      if (!next.done)
        return { done: false, value: { delta: next.value, done: false, result: null } };
      finished = true;
      return { done: false, value: { delta: null, done: true, result: next.value } };
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
  chat: t.field({
    type: ChatResultRef,
    authScopes: { memoryKey: true },
    description:
      'Chat with memory, any model; the provider key travels in the X-Provider-Key header.',
    args: { input: t.arg({ type: ChatInputRef, required: true }) },
    resolve: (_root, { input }, context) => completeChat(context, input, context.signal),
  }),
}));

builder.subscriptionFields((t) => ({
  chat: t.field({
    type: ChatEventRef,
    authScopes: { memoryKey: true },
    description:
      'The same pipeline as Mutation.chat, streamed: deltas, then one final event with the result.',
    args: { input: t.arg({ type: ChatInputRef, required: true }) },
    subscribe: (_root, { input }, context) => chatEvents(context, input),
    resolve: (event) => event,
  }),
}));
