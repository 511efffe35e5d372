import {
  completeChat,
  openChat,
  type ChatInput,
  type ChatOutcome,
  type ChatReceipt,
  type OpenChat,
} from '../resolvers/chat/pipeline';
import { billedParts, type ReadSkipped, type TurnReceipt } from '../resolvers/chat/memory-turn';
import { noteRefusedOpening } from '../resolvers/refused-openings';
import type { MeteredContext } from '../resolvers/request-context';
import {
  endWithWatch,
  keyStandingCheck,
  standingSchedule,
  watchStanding,
  whileInStanding,
} from '../resolvers/standing-watch';
import type { AnswerEvent, AnswerUsage, ToolCall } from '../providers/types';
import { builder } from './builder';
import { ChatInputRef, chatInput } from './chat-input';
import { FactsReceiptRef } from './facts';
import { SearchHitRef, SearchNoticeRef } from './search';

export const ToolCallRef = builder.objectRef<ToolCall>('ToolCall');
ToolCallRef.implement({
  description:
    'A call the model made to one of the tools offered; run it and send its result back.',
  fields: (t) => ({
    id: t.exposeString('id', {
      description: 'Identifies the call; the result message names it (toolCallId).',
    }),
    name: t.exposeString('name', { description: 'The tool called.' }),
    signature: t.string({
      nullable: true,
      description:
        "An opaque token the provider attached to the call (Gemini's thoughtSignature): send it back unchanged in ToolCallInput.signature, or Gemini 3 models refuse the next turn. Null when the provider gave none.",
      resolve: (call) => call.signature ?? null,
    }),
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

export const TurnReceiptRef = builder.objectRef<TurnReceipt>('TurnReceipt');
TurnReceiptRef.implement({
  description:
    "Whether the chat's turn was stored in its vault. The answer stands either way (the provider was paid); a turn not stored says why.",
  fields: (t) => ({
    stored: t.exposeBoolean('stored', {
      description:
        'True when this call wrote the turn (or the part of it that was new) to the vault; false with reason DUPLICATE when the vault held all of it from the last 24 hours.',
    }),
    memories: t.exposeInt('memories', { description: 'Memories written (0 when not stored).' }),
    memoryTokens: t.exposeInt('memoryTokens', {
      description:
        'Memory tokens the store wrote and billed: the turn, and the facts extracted with it (0 when not stored).',
    }),
    reason: t.exposeString('reason', {
      nullable: true,
      description:
        "Why it was not stored, stable: why no store was tried (MEMORY_MODE_READ, MEMORY_MODE_OFF, AWAITING_TOOL_RESULTS: the answer asks for tools, ANSWER_PAUSED: Anthropic paused a long turn (pause_turn), stored with the call that continues it, EXCLUDED_BY_CALLER, EMPTY_ANSWER, ANSWER_FAILED, ANSWER_REFUSED: the model refused or a safety filter stopped the answer, NO_USER_MESSAGE: a drop-in chat with neither a user message nor tool results, NO_CONTENT_WORDS: the user said nothing to remember, such as a greeting or thanks, DUPLICATE: the vault holds the same turn, whitespace aside, from the last 24 hours, so nothing was stored or billed again), or the store's own refusal (VAULT_FULL, EMBEDDING_MISMATCH, …) or STORE_FAILED; null when stored.",
    }),
    message: t.exposeString('message', {
      nullable: true,
      description: 'The same, for a person; null when stored.',
    }),
  }),
});

export const SkippedReadRef = builder.objectRef<ReadSkipped>('SkippedRead');
SkippedReadRef.implement({
  description: 'Why a chat that reads memory searched none for this call.',
  fields: (t) => ({
    reason: t.exposeString('reason', {
      description:
        'Stable: NO_CONTENT_WORDS, the user\'s message is small talk alone (a greeting, thanks or an acknowledgement, "ok cool", "thanks!"), or holds no word a search reads (function words and question verbs alone, no date: "When was that?", with no earlier user turn to read a follow-up with, or that one none either), so nothing was searched, injected or billed; the message names the words, as `search`\'s NO_CONTENT_WORDS notice does.',
    }),
    message: t.exposeString('message', { description: 'The same, for a person.' }),
  }),
});

export const MemoryReceiptRef = builder.objectRef<ChatReceipt>('MemoryReceipt');
MemoryReceiptRef.implement({
  description:
    "A chat's memory: what was injected into the model call, and (once the answer is complete) what its turn stored and the two billed together.",
  fields: (t) => ({
    hits: t.field({
      type: [SearchHitRef],
      description: 'Memories injected into the model call, with their vault and window.',
      resolve: (receipt) => receipt.hits,
    }),
    memoryTokens: t.exposeInt('memoryTokens', {
      description:
        "Tokens of memory injected (read), as billed: the injected memories' own tokens (Memory.tokens), not MemoryRouter's wrapping. Only the read part: the turn's store is storedMemoryTokens, the request's whole bill billedMemoryTokens (= extensions.memory.memoryTokens).",
    }),
    storedMemoryTokens: t.int({
      nullable: true,
      description:
        'Memory tokens the turn wrote and billed (turn.memoryTokens); null only before the answer is complete.',
      resolve: (receipt) => billedParts(receipt)?.stored ?? null,
    }),
    billedMemoryTokens: t.int({
      nullable: true,
      description:
        "All the memory tokens the chat billed: memoryTokens (read) + storedMemoryTokens (written), the figure `usage` counts and the response's extensions.memory.memoryTokens says; null only before the answer is complete.",
      resolve: (receipt) => billedParts(receipt)?.billed ?? null,
    }),
    turn: t.field({
      type: TurnReceiptRef,
      nullable: true,
      description:
        'Whether the turn was stored, or why not (reason); null only before the answer is complete.',
      resolve: (receipt) => receipt.turn ?? null,
    }),
    readSkipped: t.field({
      type: SkippedReadRef,
      nullable: true,
      description:
        'Why no memory was searched for this call (reason NO_CONTENT_WORDS: the message is small talk alone, or has no word to look up even with the user turn before it); null when memory was searched, or when the memory mode reads none.',
      resolve: (receipt) => receipt.readSkipped ?? null,
    }),
    notice: t.field({
      type: SearchNoticeRef,
      nullable: true,
      description:
        "Why memory was searched and nothing injected, when there is more to say than no memory matched: OLDER_MEMORIES_NOT_SEARCHED, memories older than the LONG_TERM window (ARCHIVE, not read: `windows` left it out) match the message, so list ARCHIVE in `windows` to read them (checked when nothing was found), or, with the memories injected, every date the message names lies before the windows named and a vault read holds memories stored on those dates (a chat that names no windows reads ARCHIVE in every vault); NO_HITS_ASKED, every window's limit is 0. Null otherwise (a message with nothing to search is readSkipped).",
      resolve: (receipt) => receipt.notice ?? null,
    }),
    facts: t.field({
      type: FactsReceiptRef,
      nullable: true,
      description:
        'What fact extraction changed (ChatInput.extract); null when not asked for, or when the turn was left unstored before extraction (turn.reason, e.g. DUPLICATE: no extraction call was made).',
      resolve: (receipt) => receipt.facts ?? null,
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
  /** The chat failed: the field throws this (see chatEvents). */
  error?: unknown;
  /** It failed while it opened, before any answer (refused-openings.ts). */
  opening?: boolean;
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
 * The chat's events, returned at once: the first `next()` opens the chat.
 * Over SSE the response (status, headers, keep-alive comments) goes out as
 * soon as `subscribe` returns, so a model silent before its headers no
 * longer leaves the client with no byte at all (review274 F1). A refusal
 * from opening (bad input, a provider's 401 or 429, a provider down) is the
 * first event, whose field throws it, and the stream then ends: the client
 * reads the same coded GraphQL error it read when `subscribe` threw it.
 * The iterator is hand-written rather than a generator so that `return()`
 * (the client went away) aborts the upstream call at once, even while the
 * chat is opening or a read from the provider is pending.
 */
function chatEvents(
  context: MeteredContext,
  input: ChatInput,
  abort: AbortController,
): AsyncIterableIterator<ChatEventShape> {
  let chat: OpenChat | null = null;
  let finished = false;
  /** A failure delivered as an event whose field throws it, then the end. */
  const failed = (error: unknown, opening: boolean): IteratorResult<ChatEventShape> => {
    finished = true;
    const value = { delta: null, toolCall: null, done: true, result: null, error, opening };
    return { done: false, value };
  };
  const iterator: AsyncIterableIterator<ChatEventShape> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      if (chat === null) {
        try {
          chat = await openChat(context, input, abort.signal);
        } catch (error) {
          // Aborted: the client went away, or the key lost its standing
          // (endWithWatch has ended the stream with that error). Nobody
          // reads this end; a rejection would be logged as unexpected.
          finished = true;
          if (abort.signal.aborted) return { done: true, value: undefined };
          return failed(error, true);
        }
        // Ended while it opened: the call goes no further (its signal aborted it).
        if (finished) return { done: true, value: undefined };
      }
      let next: IteratorResult<AnswerEvent, ChatOutcome>;
      try {
        next = await chat.events.next();
      } catch (error) {
        // Delivered as an event whose field throws it, so that it reaches
        // the client as an ordinary result with the receipt beside it
        // (use-memory-receipt.ts), not as the stream's own failure.
        if (abort.signal.aborted) {
          finished = true;
          throw error;
        }
        return failed(error, false);
      }
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
    // A slow model's answer may take longer than the bound: watched meanwhile.
    resolve: (_root, { input }, context) =>
      whileInStanding(
        keyStandingCheck(context.env, context.principal, 'request'),
        standingSchedule(context.env, context.principal),
        context.signal,
        (signal) => completeChat(context, chatInput(input), signal),
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  chat: t.withAuth({ activeMemoryKey: true }).field({
    type: ChatEventRef,
    description:
      'The same pipeline as Mutation.chat, streamed: deltas, then one final event with the result. Revoking the key ends an open stream with UNAUTHENTICATED / KEY_REVOKED within 15 seconds, a billing suspension of the account with PAYMENT_REQUIRED / ACCOUNT_SUSPENDED; either stops the provider call, as a client that goes away does.',
    args: {
      input: t.arg({
        type: ChatInputRef,
        required: true,
        description:
          'The model, the conversation and what to do with memory, as for Mutation.chat.',
      }),
    },
    // Returns its stream at once; the chat opens on the first read (chatEvents).
    subscribe: (_root, { input }, context) => {
      const chat = chatInput(input);
      // Watched from the start, not from the provider's first byte: a slow
      // model may take longer than the bound to send it (the watch's loss
      // aborts the call, which is not metered then, nor its turn stored).
      const abort = new AbortController();
      const watch = watchStanding(
        keyStandingCheck(context.env, context.principal),
        standingSchedule(context.env, context.principal),
        () => abort.abort(),
      );
      // A lost standing is the last event, as a broken answer is, so that its
      // error carries the receipt of the memory already billed (review275 F3).
      return endWithWatch(chatEvents(context, chat, abort), watch, (error) => ({
        delta: null,
        toolCall: null,
        done: true,
        result: null,
        error,
      }));
    },
    resolve: (event, _args, context) => {
      if (event.error === undefined) return event;
      if (event.opening === true) noteRefusedOpening(context);
      throw event.error;
    },
  }),
}));
