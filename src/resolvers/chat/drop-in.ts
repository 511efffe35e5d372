import type { Embedder } from '../../embed/embedder';
import { CodedError } from '../../core/errors';
import type { Wire } from '../../providers';
import { providerSettings } from '../../providers';
import type { ParsedModel } from '../../providers/models';
import { memoryPlacementFor } from '../../providers/memory-placement';
import type { NativeBody, NativeBodyFormat, ToolPlumbing, UserTurn } from '../../providers/native';
import type { CollectedAnswer, ToolCall } from '../../providers/types';
import { meterMemoryTokens } from '../meter';
import type { FactsReceipt } from '../receipt';
import type { MeteredContext } from '../request-context';
import type { VaultSelector } from '../../vaults/address';
import { conversationTexts } from '../../text/conversation-texts';
import { memoryControls, stripOwnFields, type MemoryControls } from './memory-controls';
import { followUpQuery } from './memory-query';
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
  type SkipReason,
  type ChatReceipt,
  type TurnItem,
  type TurnReceipt,
} from './memory-turn';
import {
  rememberCreatedResponse,
  requireCreatedResponse,
  sharedKeyRefused,
} from './created-responses';
import { requireScopedProviderKey, type FoundProviderKey } from './provider-keys';

/** Time spent before the provider call, for the timing headers. */
export interface DropInTimings {
  /** Memory search and block rendering, embedding included. */
  memoryMs: number;
  embeddingMs: number;
}

/** A native request made ready to forward, and what to do once its answer is known. */
export interface DropInCall {
  model: ParsedModel;
  controls: MemoryControls;
  /** The client's body without MemoryRouter's fields, memory added in the provider's system slot. */
  body: NativeBody;
  apiKey: string | null;
  /** Where the key came from, for a refusal's words (provider-keys.ts `blameStoredKey`). */
  keyFound: FoundProviderKey;
  receipt: ChatReceipt;
  timings: DropInTimings;
  /** The session vault used, if any (echoed in X-Session-ID). */
  sessionId: string | null;
  /**
   * Records that this memory key created the answer `responseId` names, when
   * the provider keeps it under the account's shared key (OpenAI, `store` not
   * false): the promise must settle before the id reaches the client. Null
   * when there is nothing to record.
   */
  rememberResponse(responseId: string | null | undefined): Promise<void> | null;
  /** Meters the injected memory: call it once the provider has accepted the call. */
  accepted(): Promise<void>;
  /**
   * Stores the turn when the answer ends it (call once, with the complete
   * answer); resolves to whether it was stored, or why not, and with
   * X-Memory-Extract what extraction did (null: called before).
   */
  finished(answer: CollectedAnswer): Promise<FinishedTurn | null>;
}

/** A drop-in turn's fate: stored or why not, and the facts extracted from it (X-Memory-Extract). */
export interface FinishedTurn {
  turn: TurnReceipt;
  /** Null without X-Memory-Extract, or when no extraction ran (a DUPLICATE turn). */
  facts: FactsReceipt | null;
}

/** Wraps the request's embedder to add up the time its calls take. */
function timeEmbedder(context: MeteredContext): { elapsed(): number } {
  const inner = context.embedder;
  let total = 0;
  const timedCall =
    (call: (texts: readonly string[]) => Promise<Float32Array[]>) =>
    async (texts: readonly string[]) => {
      const started = performance.now();
      try {
        return await call(texts);
      } finally {
        total += performance.now() - started;
      }
    };
  const timed: Embedder = {
    model: inner.model,
    dimensions: inner.dimensions,
    embedQueries: timedCall((texts) => inner.embedQueries(texts)),
    embedPassages: timedCall((texts) => inner.embedPassages(texts)),
  };
  context.embedder = timed;
  return { elapsed: () => total };
}

/**
 * Prepares a request in the provider's own format for forwarding: reads and
 * strips MemoryRouter's controls, finds the provider key (X-Provider-Key or a
 * stored one), searches memory with the user's last words (never a tool
 * result), leaving out memories the body already holds, and injects it in the
 * format's system slot. The rest of the body, unknown fields included, is
 * forwarded as the client wrote it.
 */
export async function prepareDropIn(
  context: MeteredContext,
  request: { headers: Headers; body: NativeBody; model: ParsedModel; wire: Wire },
): Promise<DropInCall> {
  const { model, wire } = request;
  const promptStarted = performance.now();
  const controls = memoryControls(request.headers, request.body);
  const { body: stripped, excluded } = stripOwnFields(request.body, wire.native.messagesKey);
  if (wire.native.checkBody) wire.native.checkBody(stripped);
  else if (!Array.isArray(stripped[wire.native.messagesKey])) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `\`${wire.native.messagesKey}\` must be a list`,
      'INVALID_REQUEST',
    );
  }
  if (controls.placement === 'user' && !wire.native.injectInUserMessage) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Placement: user is served for chat completions (/v1/chat/completions) and Gemini (generateContent); this format has a system slot every model reads',
      'MEMORY_CONTROL',
    );
  }
  const placement = memoryPlacementFor(model, controls.placement);
  if (
    model.provider === 'compatible' &&
    providerSettings(context.env).endpoints.compatible === null
  ) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'no OpenAI-compatible server is configured (COMPATIBLE_BASE_URL)',
      'COMPATIBLE_NOT_CONFIGURED',
    );
  }
  const vaults = chatVaults(controls.sessionId, controls.conversationId);
  const userTurn = wire.native.userTurn(stripped);
  const toolResults = userTurn === null ? [] : turnToolResults(wire.native, stripped, userTurn);
  context.timings.since('prompt', promptStarted);

  const embedding = timeEmbedder(context);
  let receipt: ChatReceipt = NO_MEMORY;
  let body = stripped;
  let memoryMs = 0;
  // A stored provider key (an account-object call and a decryption) is looked
  // up while memory is searched, not before: both must be ready before the
  // provider is called, neither needs the other.
  // An Anthropic thread's continuation gets no memory: Anthropic reads the
  // system slot from the thread (its first call's, memory included) and
  // refuses one sent again.
  const heldSystem = wire.native.systemHeldByProvider?.(stripped) === true;
  const recall =
    (controls.mode === 'READ_WRITE' || controls.mode === 'READ') && userTurn !== null && !heldSystem
      ? recallMemory(context, model, {
          // Tool results are read with the turn; a follow-up without them
          // ("When was that?") with the user's turn before it (memory-query.ts).
          query:
            toolResults.length > 0
              ? [userTurn.text, ...toolResults].join('\n')
              : followUpQuery(
                  userTurn.text,
                  earlierUserText(wire.native, stripped, userTurn.index),
                  controls.now,
                ),
          vaults,
          windows: controls.windows,
          limit: controls.contextLimit,
          present: conversationTexts(wire.native.sentTexts(stripped)),
          now: controls.now,
        })
      : null;
  const [found, recalled] = await Promise.all([
    context.timings.time('key', () => keyForCall(context, model, wire, stripped)),
    recall,
  ]);
  const apiKey = found.key;
  const remembers =
    found.shared &&
    KEEPS_ANSWERS.has(model.provider) &&
    wire.native.storesAnswer?.(stripped) === true;
  const injectStarted = performance.now();
  if (recalled !== null) {
    memoryMs = recalled.elapsedMs;
    receipt = recalled.receipt;
    if (recalled.block !== null)
      body =
        placement === 'user' && wire.native.injectInUserMessage
          ? wire.native.injectInUserMessage(stripped, recalled.block)
          : wire.native.injectMemory(stripped, recalled.block);
  }
  if (wire.format !== 'google') body = { ...body, model: model.model };
  context.timings.since('prompt', injectStarted);

  let done = false;
  return {
    model,
    controls,
    body,
    apiKey,
    keyFound: found,
    receipt,
    timings: { memoryMs, embeddingMs: embedding.elapsed() },
    sessionId: controls.sessionId,
    rememberResponse: (responseId) =>
      remembers && responseId ? rememberCreatedResponse(context, responseId) : null,
    accepted: async () => {
      await meterMemoryTokens(context, receipt.memoryTokens);
      context.receipt.recordInjected(receipt.memoryTokens);
    },
    async finished(answer) {
      if (done) return null;
      done = true;
      const forced = answer.toolCalls.length > 0 && wire.native.forcesToolCall?.(stripped) === true;
      // An Anthropic prefill is the start of the model's answer: stored joined.
      const prefix = wire.native.answerPrefix?.(stripped) ?? '';
      if (prefix !== '' && answer.text.trim() !== '')
        answer = { ...answer, text: prefix + answer.text };
      const planned = turnItems(
        controls,
        userTurn,
        excluded,
        forced ? structuredAnswer(answer) : answer,
        () => [
          ...(userTurn === null ? [] : wire.native.toolPlumbing(stripped, userTurn.index)),
          ...(forced ? answer.toolCalls.map(calledItem) : []),
        ],
        // A thread's continuation continues a turn whose words were stored
        // already, even when it carries nothing (a paused turn resumed).
        () => heldSystem || wire.native.toolPlumbing(stripped, -1).length > 0,
        toolResults.length > 0,
      );
      const held = heldTurn(planned, wire.native.historyHeldByProvider?.(stripped) === true, () =>
        turnItems(
          controls,
          userTurn,
          excluded,
          { ...answer, text: '', toolCalls: [], finishReason: null },
          () => (userTurn === null ? [] : wire.native.toolPlumbing(stripped, userTurn.index)),
        ),
      );
      if ('skip' in held) return { turn: skippedTurn(held.skip), facts: null };
      const { items } = held;
      const target = vaults.at(-1) as VaultSelector;
      const storing = { storeRepeats: controls.storeRepeats, factsVault: controls.factsVault };
      const turn = controls.extract
        ? rememberTurnWithFacts(
            context,
            target,
            items,
            {
              provider: model.provider,
              model: model.model,
              apiKey,
              settings: providerSettings(context.env),
              signal: new AbortController().signal,
            },
            storing,
          ).then((remembered) => ({
            turn: remembered?.turn ?? skippedTurn('EXCLUDED_BY_CALLER'),
            facts: remembered?.facts ?? null,
          }))
        : rememberTurn(context, target, items, storing).then((remembered) => ({
            turn: remembered ?? skippedTurn('EXCLUDED_BY_CALLER'),
            facts: null,
          }));
      // A streamed answer's headers have left: waitUntil finishes the store.
      context.ctx.waitUntil(turn);
      return turn;
    },
  };
}

/**
 * The providers whose answers MemoryRouter records for their creator when
 * the provider keeps them under the account's shared key: OpenAI's stored
 * responses and Anthropic's message threads, both continued by id and both
 * holding the memory their create was given (created-responses.ts).
 */
const KEEPS_ANSWERS = new Set(['openai', 'anthropic']);

/**
 * A turn whose answer waits for tools or was paused stores nothing, since
 * the call that finishes it sends the user's words again, unless the
 * provider holds the conversation (an Anthropic thread): the continuation
 * then carries only tool results, so the user's words are stored now, once
 * (`words`: the turn without an answer), and the continuation stores the
 * answer.
 */
function heldTurn(
  planned: { items: TurnItem[] } | { skip: SkipReason },
  historyHeld: boolean,
  words: () => { items: TurnItem[] } | { skip: SkipReason },
): { items: TurnItem[] } | { skip: SkipReason } {
  if (!historyHeld || !('skip' in planned)) return planned;
  if (planned.skip !== 'AWAITING_TOOL_RESULTS' && planned.skip !== 'ANSWER_PAUSED') return planned;
  const now = words();
  return 'items' in now && now.items.length > 0 ? now : planned;
}

/**
 * A forced tool call's answer (structured output: the client forced the tool,
 * so no call with its result follows): the model's text, if any, then each
 * call's arguments as the JSON text the model wrote, one per line. The turn
 * then ends like a JSON-mode answer (response_format), whose text is stored.
 */
function structuredAnswer(answer: CollectedAnswer): CollectedAnswer {
  const text = [answer.text, ...answer.toolCalls.map((call) => call.arguments)]
    .filter((part) => part.trim() !== '')
    .join('\n');
  return { ...answer, text, toolCalls: [] };
}

/** A call the answer made, as tool plumbing writes a call sent back (X-Memory-Store-Tools). */
const calledItem = (call: ToolCall): ToolPlumbing => ({
  role: 'ASSISTANT',
  content: `called ${call.name}(${call.arguments})`,
});

/**
 * The call's provider key. With the account's shared key, a call that reads
 * what OpenAI stored may only chain on a response this memory key created
 * through MemoryRouter (created-responses.ts; the check runs while memory is
 * searched); a `conversation`, an item reference or another provider's
 * stored state names no response it can be shown to own, and stays refused.
 */
async function keyForCall(
  context: MeteredContext,
  model: ParsedModel,
  wire: Wire,
  body: NativeBody,
): Promise<FoundProviderKey> {
  const found = await requireScopedProviderKey(context, model.provider);
  if (!found.shared || wire.native.readsStoredState?.(body) !== true) return found;
  if (!KEEPS_ANSWERS.has(model.provider)) {
    throw sharedKeyRefused(
      `only what OpenAI and Anthropic stored is recorded, not ${model.provider}’s`,
    );
  }
  const chained = wire.native.chainedResponse?.(body) ?? null;
  if (chained === null) {
    throw sharedKeyRefused(
      model.provider === 'anthropic'
        ? 'a thread continuation must name the message it continues (`previous_message_id`)'
        : 'a `conversation` or an `item_reference` input item names no response this key can be shown to have created; chain with `previous_response_id` instead',
    );
  }
  await requireCreatedResponse(context, chained);
  return found;
}

/**
 * What a finished drop-in turn stores, or why it stores nothing: only an
 * answer that ends the turn (text, no pending tool calls, not failed) in a
 * mode that writes (answerSkipReason); then the user's words (unless
 * `memory: false` or X-Memory-Store: false), tool plumbing when asked
 * (X-Memory-Store-Tools), and the answer (unless X-Memory-Store-Response:
 * false). `memory: false` on the user's words keeps the whole turn out, tool
 * plumbing and answer too, since an answer often repeats what it was told:
 * the answer is stored then only with X-Memory-Store-Response: true. A chat
 * with no user message and no tool results (`hasToolResults`), such as a
 * system prompt asking for a title, stores nothing (NO_USER_MESSAGE) unless
 * the answer is asked for by name: the model's answer alone is no memory of
 * the user. A tool loop's last call may carry only tool results (a chained
 * Responses call): its answer is stored as before. A turn whose user said
 * nothing to remember ("hi", "thanks!", "ok") stores nothing
 * (NO_CONTENT_WORDS), again unless the answer is asked for by name. The
 * user's words stored are their own (`UserTurn.said`): context documents
 * marked for the provider's cache are left out.
 */
export function turnItems(
  controls: MemoryControls,
  userTurn: UserTurn | null,
  excluded: Set<number>,
  answer: CollectedAnswer,
  plumbing: () => TurnItem[],
  hasToolResults: () => boolean = () => false,
  /** Whether the user's turn itself carries a tool result: then it is content, never small talk. */
  turnHasToolResult = false,
): { items: TurnItem[] } | { skip: SkipReason } {
  const skip = answerSkipReason(controls.mode, {
    toolCalls: answer.toolCalls.length,
    text: answer.text,
    // A Responses API answer the provider ended with `response.failed`.
    failed: answer.finishReason === 'failed',
    finishReason: answer.finishReason,
  });
  if (skip !== null) return { skip };
  if (userTurn === null && controls.storeResponse !== true && !hasToolResults())
    return { skip: 'NO_USER_MESSAGE' };
  const smallTalk = userTurn !== null && isSmallTalk(userTurn.said);
  if (smallTalk && !turnHasToolResult && controls.storeResponse !== true)
    return { skip: 'NO_CONTENT_WORDS' };
  const userExcluded = userTurn !== null && excluded.has(userTurn.index);
  const items: TurnItem[] = [];
  if (controls.storeRequest && userTurn !== null && !userExcluded && !smallTalk) {
    items.push({ role: 'USER', content: userTurn.said });
  }
  if (controls.storeTools && !userExcluded) {
    items.push(...plumbing().map((item) => ({ ...item, metadata: { source: 'tool' } })));
  }
  if (controls.storeResponse ?? !userExcluded) items.push(...answerItems(answer.text));
  if (items.length > 0) return { items };
  return { skip: emptyTurnReason(answer.text) };
}

/**
 * The tool results the user's turn itself carries (Anthropic's
 * `tool_result` blocks beside the text; plumbing's SYSTEM items of that one
 * message, not of tool messages after it): content of their own, whatever
 * the text beside them says ("thanks": review 102 #2).
 */
function turnToolResults(native: NativeBodyFormat, body: NativeBody, turn: UserTurn): string[] {
  const fromTurn = native.toolPlumbing(body, turn.index - 1);
  const afterTurn = native.toolPlumbing(body, turn.index).length;
  return fromTurn
    .slice(0, fromTurn.length - afterTurn)
    .filter((item) => item.role === 'SYSTEM')
    .map((item) => item.content);
}

/**
 * The user's own words of the user turn before `index` (memory-query.ts
 * reads a follow-up with them); null when there is none, or the body's
 * messages are no list (the Responses API's `input` as a string).
 */
function earlierUserText(native: NativeBodyFormat, body: NativeBody, index: number): string | null {
  const messages = body[native.messagesKey];
  if (!Array.isArray(messages)) return null;
  return native.userTurn({ ...body, [native.messagesKey]: messages.slice(0, index) })?.said ?? null;
}
