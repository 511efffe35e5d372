import { memoryPlacementFor } from '../../providers/memory-placement';
import { CodedError } from '../../core/errors';
import { checkWindowList, type WindowQuery } from '../../core/window-list';
import { parseModel } from '../../providers/models';
import { providerFor, providerSettings } from '../../providers';
import type {
  AnswerEnd,
  AnswerEvent,
  AnswerUsage,
  ChatMessage,
  ProviderId,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolSpec,
} from '../../providers/types';
import { meterMemoryTokens } from '../meter';
import { checkReferenceTime } from '../reference-time';
import type { FactsReceipt } from '../receipt';
import type { MeteredContext } from '../request-context';
import type { MemoryMode } from './memory-controls';
import {
  chatVaults,
  NO_MEMORY,
  recallMemory,
  rememberTurn,
  rememberTurnWithFacts,
  answerItems,
  emptyTurnReason,
  answerSkipReason,
  isSmallTalk,
  skippedTurn,
  type ChatReceipt,
  type TurnItem,
  type TurnReceipt,
} from './memory-turn';
import { conversationTexts } from '../../text/conversation-texts';
import { memoryQuery } from './memory-query';
import { chatVaultId, type VaultSelector } from '../../vaults/address';
import { factsVaultOf } from '../store-with-facts';
import { deferredTask, METER_START_LATEST_MS } from './deferred-task';
import { blameStoredKey, requireScopedProviderKey } from './provider-keys';

export type { ChatReceipt } from './memory-turn';

/** Most messages, and characters of all messages, one chat call accepts. */
export const MAX_CHAT_MESSAGES = 200;
export const MAX_CHAT_CHARACTERS = 400_000;

/**
 * The providers whose calls can carry memory in the first user message
 * (ChatInput.memoryPlacement USER), as their drop-in routes can: chat
 * completions and Gemini. Anthropic's system slot is read by every model.
 */
const USER_PLACEMENT_PROVIDERS: ReadonlySet<ProviderId> = new Set([
  'openai',
  'openrouter',
  'compatible',
  'google',
]);

export interface ChatInput {
  model: string;
  messages: ChatMessage[];
  sessionId?: string | null;
  conversationId?: string | null;
  memoryMode?: MemoryMode | null;
  windows?: WindowQuery[] | null;
  temperature?: number | null;
  maxTokens?: number | null;
  topP?: number | null;
  stop?: string[] | null;
  tools?: ToolSpec[] | null;
  toolChoice?: ToolChoice | null;
  responseFormat?: ResponseFormat | null;
  /** Store the user's words (default true; the drop-in routes' X-Memory-Store and `memory: false`). */
  storeRequest?: boolean;
  /**
   * Store the answer (X-Memory-Store-Response); unset: yes, unless
   * `userExcluded`.
   */
  storeResponse?: boolean | null;
  /**
   * The user's words were marked `memory: false` (the drop-in routes): the
   * whole turn stays out unless storeResponse is true.
   */
  userExcluded?: boolean;
  /** Most memory tokens to inject (X-Memory-Context-Limit); default MEMORY_TOKEN_BUDGET. */
  contextLimit?: number | null;
  /** Extract facts from the turn with the same model and key, and reconcile them (off by default). */
  extract?: boolean | null;
  /**
   * With extract: the vault the facts go to and are reconciled in (CORE:
   * read by every chat); default the turn's vault (X-Memory-Facts-Vault).
   */
  factsVault?: VaultSelector | null;
  /**
   * The memory search's `now`, as a search's (X-Memory-Now): its windows, and
   * the calendar of the offset it was written in for "yesterday" and the
   * like; server time when absent. The turn is stored at server time.
   */
  now?: Date | null;
  /**
   * Store the turn even when the vault holds it from the last 24 hours
   * (X-Memory-Store-Repeats); default false: a repeat is DUPLICATE.
   */
  storeRepeats?: boolean | null;
  /**
   * Where the memory block goes (X-Memory-Placement): SYSTEM, the format's
   * system slot, or USER, before the words of the first user message, for
   * chat templates that refuse a system role (Gemma's). Null: the model's
   * default (memory-placement.ts: USER for Gemma on the Gemini API, else
   * SYSTEM). Anthropic models refuse USER, as their drop-in route does.
   */
  memoryPlacement?: 'SYSTEM' | 'USER' | null;
}

export interface ChatOutcome {
  content: string;
  model: string;
  provider: ProviderId;
  memory: ChatReceipt;
  /** Calls the model made; the caller runs them and sends their results in the next call. */
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: AnswerUsage | null;
}

export interface OpenChat {
  provider: ProviderId;
  model: string;
  memory: ChatReceipt;
  /** The answer as it streams; returns the whole outcome once the provider finishes. */
  events: AsyncGenerator<AnswerEvent, ChatOutcome, undefined>;
}

/**
 * The chat pipeline of GraphQL (and of the REST routes when they translate
 * between formats): check the input, retrieve memory (CORE + session +
 * conversation vaults, KRONOS windows, one call per vault) with the user's
 * last words, format it for the provider, open the provider's stream with the
 * caller's key, meter the injected memory once the provider has accepted the
 * call, and, once a final answer is complete, store the turn without delaying
 * the response. Refusals (bad input, missing key, provider errors) throw
 * before any text; a refused or unreachable call is not metered.
 */
export async function openChat(
  context: MeteredContext,
  input: ChatInput,
  signal: AbortSignal,
): Promise<OpenChat> {
  const parsed = parseModel(input.model);
  const mode = input.memoryMode ?? 'READ_WRITE';
  checkMessages(input.messages);
  if (input.extract === true && (mode === 'READ' || mode === 'OFF')) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `extract needs a memoryMode that stores the turn (READ_WRITE or WRITE), not ${mode}`,
      'EXTRACT_NEEDS_WRITE',
    );
  }
  if (input.factsVault != null) {
    if (input.extract !== true) {
      throw new CodedError(
        'BAD_USER_INPUT',
        'factsVault says where extracted facts go: it needs extract: true',
        'FACTS_VAULT_NEEDS_EXTRACT',
      );
    }
    // A bad selector is refused before the provider is called.
    factsVaultOf(context, input.factsVault);
  }
  if (input.memoryPlacement === 'USER' && !USER_PLACEMENT_PROVIDERS.has(parsed.provider)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `memoryPlacement USER is served for OpenAI, OpenRouter, Gemini and compatible models; ${parsed.provider} has a system slot every model of it reads`,
      'MEMORY_PLACEMENT',
    );
  }
  if (input.temperature != null && !(input.temperature >= 0 && input.temperature <= 2)) {
    throw new CodedError('BAD_USER_INPUT', 'temperature must be between 0 and 2', 'OUT_OF_RANGE');
  }
  if (
    input.maxTokens != null &&
    !(Number.isInteger(input.maxTokens) && input.maxTokens > 0 && input.maxTokens <= 200_000)
  ) {
    throw new CodedError('BAD_USER_INPUT', 'maxTokens must be a positive integer', 'OUT_OF_RANGE');
  }
  if (input.topP != null && !(input.topP >= 0 && input.topP <= 1)) {
    throw new CodedError('BAD_USER_INPUT', 'top_p must be between 0 and 1', 'OUT_OF_RANGE');
  }
  // Checked here, not only by the search: a chat that searches nothing (small
  // talk, WRITE, OFF) refuses a list it would have refused otherwise.
  if (input.windows != null) checkWindowList(input.windows, 'windows');
  checkReferenceTime(input.now, 'now');
  const vaults = chatVaults(
    chatVaultId('SESSION', input.sessionId, 'sessionId'),
    chatVaultId('EPHEMERAL', input.conversationId, 'conversationId'),
  );
  const settings = providerSettings(context.env);
  if (parsed.provider === 'compatible' && settings.endpoints.compatible === null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'no OpenAI-compatible server is configured (COMPATIBLE_BASE_URL)',
      'COMPATIBLE_NOT_CONFIGURED',
    );
  }
  // The user's words: the last USER message that is not a tool result.
  const lastUser = [...input.messages]
    .reverse()
    .find((message) => message.role === 'USER' && !message.toolCallId);
  // The provider key (perhaps a stored one: an account-object call and a
  // decryption) is looked up while memory is searched.
  const [keyFound, recalled] = await Promise.all([
    context.timings.time('key', () => requireScopedProviderKey(context, parsed.provider)),
    (mode === 'READ_WRITE' || mode === 'READ') && lastUser !== undefined
      ? recallMemory(context, parsed, {
          // A follow-up ("When was that?") reads with the turn before it too.
          query: memoryQuery(input.messages, input.now ?? null) ?? lastUser.content,
          vaults,
          windows: input.windows,
          limit: input.contextLimit,
          present: conversationTexts(sentTexts(input.messages)),
          now: input.now ?? null,
        })
      : { block: null, receipt: NO_MEMORY },
  ]);
  const memory = recalled.receipt;
  const apiKey = keyFound.key;

  const providerStarted = performance.now();
  const upstream = await providerFor(parsed.provider)
    .stream(
      {
        model: parsed.model,
        messages: input.messages,
        memoryBlock: recalled.block,
        memoryPlacement: memoryPlacementFor(
          parsed,
          input.memoryPlacement == null
            ? null
            : input.memoryPlacement === 'USER'
              ? 'user'
              : 'system',
        ),
        temperature: input.temperature ?? null,
        maxTokens: input.maxTokens ?? null,
        topP: input.topP ?? null,
        stop: input.stop ?? null,
        tools: input.tools ?? [],
        toolChoice: input.toolChoice ?? null,
        responseFormat: input.responseFormat ?? null,
        apiKey,
        signal,
      },
      settings,
    )
    .catch((error: unknown) => {
      throw blameStoredKey(error, keyFound);
    });
  context.timings.since('provider', providerStarted);
  // The provider accepted the call: the model reads the memory, so it is
  // billed; once the caller has the first event (not before it: time to
  // first token does not wait on it), and the answer completes only once the
  // usage is durable. waitUntil finishes it if the caller leaves early.
  const metering = deferredTask(async () => {
    await meterMemoryTokens(context, memory.memoryTokens);
    // The response's receipt (extensions.memory) says what was billed, once it was.
    context.receipt.recordInjected(memory.memoryTokens);
  });
  context.ctx.waitUntil(metering.done.catch(() => undefined));
  metering.startWithin(METER_START_LATEST_MS);

  const target = vaults.at(-1)!;
  const storing = { storeRepeats: input.storeRepeats === true };
  async function* events(): AsyncGenerator<AnswerEvent, ChatOutcome, undefined> {
    let content = '';
    let facts: FactsReceipt | null = null;
    let turn: TurnReceipt | null = null;
    const toolCalls: ToolCall[] = [];
    let end: AnswerEnd;
    try {
      end = yield* collecting(
        upstream,
        (event) => {
          if (event.type === 'text') content += event.text;
          else toolCalls.push(event.call);
        },
        // The caller asked for more: it has the first event.
        metering.start,
      );
    } catch (error) {
      // A call that broke after the provider accepted it was seen by the
      // model and is billed: its error goes out once that is durable, so the
      // receipt beside the error says so. A client that left waits for nothing.
      metering.start();
      if (!signal.aborted) await metering.done.catch(() => undefined);
      throw error;
    } finally {
      metering.start();
    }
    await metering.done;
    // An error or an abort above leaves here early, storing nothing.
    const skip = answerSkipReason(mode, {
      toolCalls: toolCalls.length,
      text: content,
      failed: false,
      finishReason: end.finishReason,
    });
    const smallTalk =
      skip === null &&
      lastUser !== undefined &&
      isSmallTalk(lastUser.content) &&
      input.storeResponse !== true;
    const items = skip === null && !smallTalk ? chatTurnItems(input, lastUser, content) : [];
    if (skip !== null || smallTalk || items.length === 0) {
      turn = skippedTurn(skip ?? (smallTalk ? 'NO_CONTENT_WORDS' : emptyTurnReason(content)));
    } else if (input.extract === true) {
      // The receipt says whether the turn was stored (a full vault refuses
      // it), so the final answer waits for the store; the text itself
      // streamed as it came.
      const remembered = await rememberTurnWithFacts(
        context,
        target,
        items,
        { provider: parsed.provider, model: parsed.model, apiKey, settings, signal },
        { ...storing, factsVault: input.factsVault ?? null },
      );
      facts = remembered?.facts ?? null;
      turn = remembered?.turn ?? skippedTurn('EXCLUDED_BY_CALLER');
    } else {
      turn =
        (await rememberTurn(context, target, items, storing)) ?? skippedTurn('EXCLUDED_BY_CALLER');
    }
    return {
      content,
      model: input.model,
      provider: parsed.provider,
      memory: { ...memory, ...(facts === null ? {} : { facts }), turn },
      toolCalls,
      finishReason: end.finishReason,
      usage: end.usage,
    };
  }
  return { provider: parsed.provider, model: input.model, memory, events: events() };
}

/**
 * What a final answer's turn stores: the user's words (unless storeRequest is
 * false, or they are small talk: isSmallTalk) and the answer. storeResponse left unset follows the user's words
 * when they are kept out by `memory: false` (`userExcluded`): the answer
 * often repeats them, so it is stored then only when asked for by name.
 */
function chatTurnItems(
  input: ChatInput,
  lastUser: ChatMessage | undefined,
  answer: string,
): TurnItem[] {
  const storeAnswer = input.storeResponse ?? input.userExcluded !== true;
  return [
    ...(input.storeRequest === false || lastUser === undefined || isSmallTalk(lastUser.content)
      ? []
      : [{ role: 'USER' as const, content: lastUser.content }]),
    ...(storeAnswer ? answerItems(answer) : []),
  ];
}

/**
 * The texts a conversation already holds, as a vault would hold them: each
 * message's, and its tool calls and results the way the drop-in routes store
 * tool plumbing (openai/native.ts), so none of them is injected again.
 */
function sentTexts(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((message) => [
    message.content,
    ...(message.toolCallId ? [`tool result: ${message.content}`] : []),
    ...(message.toolCalls ?? []).map((call) => `called ${call.name}(${call.arguments})`),
  ]);
}

/** Passes a generator's values on while showing each to `see`; returns its result. */
async function* collecting<T, R>(
  source: AsyncGenerator<T, R, undefined>,
  see: (value: T) => void,
  /** Called each time the consumer, having a value, asks for the next. */
  taken: () => void = () => undefined,
): AsyncGenerator<T, R, undefined> {
  let finished = false;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) {
        finished = true;
        return next.value;
      }
      see(next.value);
      yield next.value;
      taken();
    }
  } finally {
    // Left early (the client went away): let the source close its upstream call.
    if (!finished) await source.return(undefined as never);
  }
}

/** Runs a chat to the end and returns the whole answer. */
export async function completeChat(
  context: MeteredContext,
  input: ChatInput,
  signal: AbortSignal,
): Promise<ChatOutcome> {
  const chat = await openChat(context, input, signal);
  for (;;) {
    const next = await chat.events.next();
    if (next.done) return next.value;
  }
}

function checkMessages(messages: ChatMessage[]): void {
  if (messages.length === 0)
    throw new CodedError('BAD_USER_INPUT', 'messages must not be empty', 'INVALID_MESSAGES');
  if (messages.length > MAX_CHAT_MESSAGES) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `at most ${MAX_CHAT_MESSAGES} messages per call`,
      'TOO_MANY_MESSAGES',
    );
  }
  const characters = messages.reduce(
    (sum, message) =>
      sum +
      message.content.length +
      (message.toolCalls ?? []).reduce((n, call) => n + call.arguments.length, 0),
    0,
  );
  if (characters > MAX_CHAT_CHARACTERS) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `messages hold more than ${MAX_CHAT_CHARACTERS} characters`,
      'MESSAGES_TOO_LONG',
    );
  }
  if (!messages.some((message) => message.role === 'USER')) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'messages need at least one USER message',
      'INVALID_MESSAGES',
    );
  }
  const calls = new Set(
    messages.flatMap((message) => (message.toolCalls ?? []).map((call) => call.id)),
  );
  for (const message of messages) {
    if (message.toolCallId && !calls.has(message.toolCallId)) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `toolCallId ${message.toolCallId} answers no tool call of an earlier ASSISTANT message`,
        'INVALID_MESSAGES',
      );
    }
    if (message.toolCalls?.length && message.role !== 'ASSISTANT') {
      throw new CodedError(
        'BAD_USER_INPUT',
        'only ASSISTANT messages carry toolCalls',
        'INVALID_MESSAGES',
      );
    }
    if (message.toolCallId && message.role !== 'USER') {
      throw new CodedError(
        'BAD_USER_INPUT',
        'a tool result (toolCallId) is a USER message',
        'INVALID_MESSAGES',
      );
    }
  }
}
