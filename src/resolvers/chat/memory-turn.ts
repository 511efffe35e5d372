import { CodedError } from '../../core/errors';
import { vaultStub } from '../../durable/rpc/stubs';
import type { WindowQuery } from '../../core/window-list';
import { contextWindow, type ParsedModel } from '../../providers/models';
import type { RankedHit } from '../merge-hits';
import { MAX_QUERY_LENGTH } from '../../core/limits';
import {
  searchMemories,
  whyWordsNotSearched,
  type ArchiveAlso,
  type SearchNotice,
  type WindowPicks,
} from '../search-memories';
import { lacksSearchableWords } from '../../text/searchable-words';
import { offsetOf } from '../../core/time-offsets';
import type { MeteredContext } from '../request-context';
import type { Extractor } from '../fact-extraction';
import type { FactsReceipt } from '../receipt';
import { storeBatch, type StoreInput } from '../store-memories';
import { emptyFacts, storeWithFacts } from '../store-with-facts';
import { VAULT_KINDS, type VaultSelector } from '../../vaults/address';
import { isSmallTalkText } from '../../text/turn-text';
import { readQueryDates } from '../../text/query-dates';
import { vaultOf } from '../principal';
import { renderMemoryBlock } from './memory-block';
import { storableTurnText } from './storable-turn';
import { deeperWindows, pickAcrossWindows, type PickContext } from './memory-picks';
import type { MemoryMode } from './memory-controls';
import { logError } from '../../core/request-log';
import { isRefusedEnd } from '../../providers/finish-reasons';

export interface ChatReceipt {
  hits: RankedHit[];
  memoryTokens: number;
  /** Whether the turn was stored, or why not; absent until the answer is complete (a streamed drop-in answer's headers). */
  turn?: TurnReceipt | null;
  /** What fact extraction did, when the call asked for it. */
  facts?: FactsReceipt;
  /** Why no memory was searched for the call (absent when it was, or when memory was not to be read). */
  readSkipped?: ReadSkipped;
  /**
   * Why a read that searched found nothing to inject although there is
   * memory to say so of (search's notice: OLDER_MEMORIES_NOT_SEARCHED when
   * ARCHIVE, not read, holds matches), or found memories of other times
   * only (OLDER_MEMORIES_NOT_SEARCHED: every date the message names lies
   * before the windows read, which the caller named); absent otherwise.
   */
  notice?: SearchNotice;
}

/**
 * Why a chat searched no memory although it reads memory: small talk alone,
 * or a message with no word a search reads (wordsNotRead), both
 * NO_CONTENT_WORDS as `search`'s notice for such a query.
 */
export interface ReadSkipped {
  reason: 'NO_CONTENT_WORDS';
  message: string;
}

/**
 * A message of small talk alone ("ok cool", "thanks!": isSmallTalk) asks
 * nothing of memory: any memory found for it would share no word of its own,
 * only "ok"s and "thanks" said before, and would be billed. The same test
 * leaves such a turn unstored.
 */
const SMALL_TALK_READ: ReadSkipped = {
  reason: 'NO_CONTENT_WORDS',
  message:
    'no memory was searched: the user said nothing to look up (small talk: a greeting, thanks or an acknowledgement)',
};

/**
 * Why a message with words, but none a search reads ("When was that?" with
 * no earlier user turn to read it with: memory-query.ts), reads no memory;
 * null when it has a word or a date to look up. `search` would answer such a
 * query by meaning alone, and a vector of function words ranks every
 * memory alike: what it found would be billed and tell the model nothing.
 * The receipt says so in `search`'s words (its NO_CONTENT_WORDS notice),
 * rather than reading as no memory found (outside review 213 #7).
 */
function wordsNotRead(query: string, now: number, offsetMinutes: number): ReadSkipped | null {
  if (!lacksSearchableWords(query, now, offsetMinutes)) return null;
  const why = whyWordsNotSearched(query);
  return {
    reason: 'NO_CONTENT_WORDS',
    message: `no memory was searched: ${why ?? 'the message holds no letter or digit'}; the user's message (with the user's turn before it, for a follow-up) names nothing to look up (a person, a thing, a place or a date)`,
  };
}

export interface Recalled {
  /** The block to inject; null when nothing fits or nothing was found. */
  block: string | null;
  receipt: ChatReceipt;
  /** Time spent searching, embedding the query included. */
  elapsedMs: number;
}

export const NO_MEMORY: ChatReceipt = { hits: [], memoryTokens: 0 };

/**
 * What a chat billed, in parts, once its turn is done (null before: a
 * streamed drop-in answer's headers): `read`, the memory injected into the
 * model call (ChatReceipt.memoryTokens); `stored`, the memory its turn wrote
 * (the user's words, the answer, extracted facts); `billed`, their sum, all
 * the request metered.
 */
export function billedParts(
  receipt: ChatReceipt,
): { read: number; stored: number; billed: number } | null {
  if (!receipt.turn) return null;
  const stored = receipt.turn.memoryTokens;
  return { read: receipt.memoryTokens, stored, billed: receipt.memoryTokens + stored };
}

/** The vaults a chat reads: CORE, then the session's, then the conversation's (written to: the last). */
export function chatVaults(
  sessionId?: string | null,
  conversationId?: string | null,
): VaultSelector[] {
  return [
    { kind: 'CORE' },
    // `!= null`, not truthiness: an empty id is refused (vaults/address.ts), never dropped.
    ...(sessionId != null ? [{ kind: 'SESSION' as const, id: sessionId }] : []),
    ...(conversationId != null ? [{ kind: 'EPHEMERAL' as const, id: conversationId }] : []),
  ];
}

/**
 * Whether `query` names a day or a period in any calendar offset's reading
 * (the day it falls on may differ, that it names one does not).
 */
function namesDate(query: string, now: number): boolean {
  const read = readQueryDates(query, now);
  return read.writtenDays.length > 0 || read.dates.length > 0;
}

/**
 * What a chat that names no windows reads in ARCHIVE: every vault it reads
 * (CORE, the session's and the conversation's), with as many hits as the
 * deployment's default gives LONG_TERM (KRONOS_DEFAULT_HITS). CORE holds
 * lasting facts told months ago (outside review 213 #1); a session may hold
 * a conversation imported with its own old dates, which the default
 * windows would never read again (outside review 273 F3), and a message
 * whose dates all lie before the default windows ("dinner in May") is
 * answered only there (review 253 F3). ARCHIVE keeps its own places
 * (memory-picks.ts keepsOwnPlaces: shared by the vaults, never given to the
 * other windows nor taken from them), and the block takes hits best first
 * within the token budget, so an old memory is injected only where it
 * outscores a recent one. A deployment whose defaults list ARCHIVE reads it
 * in every vault already; one whose LONG_TERM gets 0 hits reads no ARCHIVE.
 */
function chatArchive(context: MeteredContext): ArchiveAlso {
  return {
    kinds: VAULT_KINDS,
    limit: context.config.defaultWindows.find((query) => query.window === 'LONG_TERM')?.limit ?? 0,
  };
}

/** A chat's memories are picked by score across windows and vaults (memory-picks.ts). */
function chatPicks(context: PickContext): WindowPicks {
  return {
    deeper: deeperWindows,
    pick: (hits, windows) => pickAcrossWindows(hits, windows, context),
  };
}

/**
 * Searches the chat's vaults with the user's words, picks the best memories
 * across windows and vaults (memory-picks.ts) and renders them as a block,
 * best first within the token budget: the smaller of `limit` (or the
 * deployment's MEMORY_TOKEN_BUDGET) and a quarter of the model's context.
 * A message of small talk alone searches nothing (SMALL_TALK_READ).
 * Memories the request already carries (`present`: the keys of its messages'
 * texts, text/conversation-texts.ts), such as earlier turns of this
 * conversation stored as they were said, are left out, neither shown nor
 * billed, and the next best take their places: the model has them already,
 * and a block that repeats the history changes with every turn.
 */
export async function recallMemory(
  context: MeteredContext,
  model: ParsedModel,
  options: {
    query: string;
    vaults: VaultSelector[];
    windows?: WindowQuery[] | null;
    limit?: number | null;
    present: ReadonlySet<string>;
    /** The search's `now` (ChatInput.now, X-Memory-Now); server time when absent. */
    now?: Date | null;
  },
): Promise<Recalled> {
  const started = performance.now();
  const budget = Math.min(
    options.limit ?? context.config.memoryTokenBudget,
    Math.floor(contextWindow(model) / 4),
  );
  // A vault the call names wrongly (a bad session id) is refused even when
  // nothing is searched: the search used to be what refused it.
  for (const selector of options.vaults) vaultOf(context.principal, selector);
  if (budget <= 0 || options.query.trim() === '')
    return { block: null, receipt: NO_MEMORY, elapsedMs: 0 };
  if (isSmallTalk(options.query))
    return { block: null, receipt: { ...NO_MEMORY, readSkipped: SMALL_TALK_READ }, elapsedMs: 0 };
  const now = (options.now ?? new Date()).getTime();
  // Judged on what is searched: a message may be megabytes (an inline image's text).
  const offsetMinutes = options.now == null ? 0 : offsetOf(options.now);
  const query = options.query.slice(0, MAX_QUERY_LENGTH);
  const unread = wordsNotRead(query, now, offsetMinutes);
  if (unread !== null)
    return { block: null, receipt: { ...NO_MEMORY, readSkipped: unread }, elapsedMs: 0 };
  const found = await searchMemories(
    context,
    {
      query,
      vaults: options.vaults,
      windows: options.windows ?? null,
      now: options.now ?? null,
    },
    {
      leaveOut: options.present,
      picks: chatPicks({
        query: options.query,
        explicitWindows: options.windows != null,
        // Asked only of a read that would be cut as names-only (memory-picks.ts).
        namesDate: () => namesDate(options.query, now),
        keepsOwnPlaces: 'ARCHIVE',
      }),
      alsoArchive: options.windows == null ? chatArchive(context) : null,
    },
  );
  const block = renderMemoryBlock(found.hits, budget, { now, offsetMinutes });
  // extensions.memory.windows counts what is injected, as the receipt's
  // hits do, not what the search found before the budget (review 102 #3).
  const injected = block?.hits ?? [];
  context.receipt.recordSearch(
    [...new Set(injected.map((hit) => hit.window))].map((window) => ({
      window,
      hits: injected.filter((hit) => hit.window === window).length,
    })),
    0,
  );
  return {
    block: block?.text ?? null,
    receipt:
      block === null
        ? { ...NO_MEMORY, ...(found.notice === null ? {} : { notice: found.notice }) }
        : {
            hits: block.hits,
            memoryTokens: block.memoryTokens,
            // With hits, only a query whose dates all lie before the
            // windows read gets this notice: the hits are of other times.
            ...(found.notice?.reason === 'OLDER_MEMORIES_NOT_SEARCHED'
              ? { notice: found.notice }
              : {}),
          },
    elapsedMs: performance.now() - started,
  };
}

export interface TurnItem {
  role: 'USER' | 'ASSISTANT' | 'SYSTEM';
  content: string;
  metadata?: Record<string, unknown>;
}

/**
 * Whether a chat's turn reached its vault. The provider was paid and the
 * answer stands either way; a turn that was not stored says why, with a
 * stable reason (the store's own, e.g. VAULT_FULL; STORE_FAILED otherwise).
 */
export interface TurnReceipt {
  stored: boolean;
  /** Memories written (the user's words, the answer, tool plumbing when asked). */
  memories: number;
  /** Memory tokens the store billed (facts extracted with the turn included); 0 when not stored. */
  memoryTokens: number;
  reason: string | null;
  message: string | null;
}

/**
 * How a turn meets the "once" rule: by default what the vault holds from the
 * last 24 hours is left out; `storeRepeats` (ChatInput.storeRepeats,
 * X-Memory-Store-Repeats) stores it all the same, for an app whose user
 * says the same thing on purpose ("took my evening pill").
 */
export interface TurnStoring {
  storeRepeats?: boolean;
  /** With extraction: where the facts go (ChatInput.factsVault); null: with the turn. */
  factsVault?: VaultSelector | null;
}

/**
 * Stores a finished turn in the target vault: items get consecutive
 * timestamps so they list in order. Handed to ctx.waitUntil too, so it
 * finishes when the caller does not wait for it (a streamed drop-in answer,
 * whose headers have left). A failure is logged (message only) and reported
 * in the returned receipt, never thrown: the client has the answer already.
 * null when there was nothing to store. Items the vault created from the
 * same text within the last 24 hours are left out, unbilled, unless the
 * caller stores repeats; a turn of nothing else is DUPLICATE.
 */
export function rememberTurn(
  context: MeteredContext,
  target: VaultSelector,
  items: TurnItem[],
  storing: TurnStoring = {},
): Promise<TurnReceipt | null> {
  // A turn the vault holds from the last day (a retry, a resent request) is
  // not stored or billed again: checked by the vault in the write's own step.
  const inputs = turnInputs(target, items, context.config.maxContentBytes).map((input) =>
    storing.storeRepeats === true ? input : { ...input, skipIfRepeated: true },
  );
  if (inputs.length === 0) return Promise.resolve(null);
  const stored = storeBatch(context, inputs).then(
    (batch): TurnReceipt =>
      batch.repeated === inputs.length
        ? skippedTurn('DUPLICATE')
        : storedTurn(inputs.length - batch.repeated, batch.memoryTokens),
    (error: unknown) => failedTurn('storing a chat turn failed', error),
  );
  context.ctx.waitUntil(stored);
  return stored;
}

/**
 * Stores a finished turn together with the facts the caller's model finds in
 * it (store-with-facts.ts). A failure to store is logged and reported in both
 * receipts, never thrown: the client has the answer already.
 *
 * The "once" rule holds as without extraction: items the vault holds from
 * the last day are left out before the model is asked, so a repeated turn is
 * DUPLICATE with no extraction call (facts null, as for any turn not
 * stored), and a partly repeated one extracts from its new items only. The
 * vault checks again as it writes; a fact whose items turned out repeated
 * there (identical turns racing) is left out with them, and a turn of which
 * nothing was written is DUPLICATE too (its model calls were spent). With
 * `storeRepeats` nothing is left out: the whole turn is stored and
 * extracted from.
 */
export async function rememberTurnWithFacts(
  context: MeteredContext,
  target: VaultSelector,
  items: TurnItem[],
  extractor: Extractor,
  storing: TurnStoring = {},
): Promise<{ facts: FactsReceipt | null; turn: TurnReceipt } | null> {
  const storeRepeats = storing.storeRepeats === true;
  const inputs = turnInputs(target, items, context.config.maxContentBytes).map((input) =>
    storeRepeats ? input : { ...input, skipIfRepeated: true, repeatsExtractedOnly: true },
  );
  if (inputs.length === 0) return null;
  try {
    const fresh = storeRepeats ? inputs : await unrepeated(context, target, inputs);
    if (fresh.length === 0) return { facts: null, turn: skippedTurn('DUPLICATE') };
    const done = await storeWithFacts(
      context,
      fresh,
      extractor,
      undefined,
      null,
      storing.factsVault ?? null,
    );
    // The turn's items the vault wrote (`repeated` counts the facts left
    // out with them too). None: an identical turn racing this one wrote
    // first, and this one is its duplicate, facts and all.
    const stored = done.stored.filter((memory) => memory !== undefined).length;
    if (stored === 0) return { facts: null, turn: skippedTurn('DUPLICATE') };
    return { facts: done.facts, turn: storedTurn(stored, done.memoryTokens) };
  } catch (error) {
    const turn = failedTurn('storing a chat turn with facts failed', error);
    return {
      facts: {
        ...emptyFacts(),
        failure: { reason: 'STORE_FAILED', message: 'the turn could not be stored' },
      },
      turn,
    };
  }
}

/** The inputs of a turn the vault does not hold from the last 24 hours (extracted facts standing). */
async function unrepeated(
  context: MeteredContext,
  target: VaultSelector,
  inputs: StoreInput[],
): Promise<StoreInput[]> {
  const address = vaultOf(context.principal, target);
  const repeated = await context.timings.time('vault', async () =>
    vaultStub(context.env, address).repeatedTexts(
      address,
      inputs.map(({ content }) => content),
      true,
    ),
  );
  if (!repeated.ok) throw CodedError.from(repeated);
  const left = new Set(repeated.positions);
  return inputs.filter((_, position) => !left.has(position));
}

/** Why a complete answer's turn was not stored although nothing failed. */
const SKIPPED = {
  MEMORY_MODE_READ: 'the memory mode is read: memory is injected, nothing is stored',
  MEMORY_MODE_OFF: 'the memory mode is off: nothing is injected or stored',
  AWAITING_TOOL_RESULTS:
    'the answer asks for tool calls: the turn is stored with the answer that follows their results',
  ANSWER_PAUSED:
    'the model paused a long turn (Anthropic pause_turn): the turn is stored once, whole, with the answer of the call that continues it',
  EXCLUDED_BY_CALLER:
    'the caller kept the turn out of memory (memory: false on its user message, X-Memory-Store, X-Memory-Store-Response)',
  EMPTY_ANSWER:
    'the answer has no text to store (an image or speech only) and nothing else of the turn was left to store',
  NO_USER_MESSAGE:
    'the chat has no user message (a titling or classifying call): an answer alone is no memory of the user (X-Memory-Store-Response: true stores it)',
  ANSWER_FAILED: 'the provider reported the answer as failed',
  ANSWER_REFUSED:
    'the model refused or a safety filter stopped the answer (refusal, content_filter, SAFETY, RECITATION, …): neither the refused prompt nor the cut-off answer is kept, so memory never brings them back',
  NO_CONTENT_WORDS:
    'the user said nothing to remember (a greeting, thanks or an acknowledgement: no word but function words and small talk)',
  DUPLICATE:
    'the vault holds the same text from the last 24 hours (a retried or resent turn): not stored or billed again (storeRepeats, X-Memory-Store-Repeats: true, stores a repeat said on purpose)',
} as const;

export type SkipReason = keyof typeof SKIPPED;

/** The receipt of a turn left unstored on purpose, with its stable reason. */
export function skippedTurn(reason: SkipReason): TurnReceipt {
  return {
    stored: false,
    memories: 0,
    memoryTokens: 0,
    reason,
    message: `the turn was not stored: ${SKIPPED[reason]}`,
  };
}

/**
 * Why a complete answer ends no turn to store, whatever the caller asked to
 * keep of it; null: it ends one. Only a final answer ends a turn: one that
 * asks for tools waits for their results.
 */
export function answerSkipReason(
  mode: MemoryMode,
  answer: { toolCalls: number; text: string; failed: boolean; finishReason: string | null },
): SkipReason | null {
  if (mode === 'READ') return 'MEMORY_MODE_READ';
  if (mode === 'OFF') return 'MEMORY_MODE_OFF';
  if (answer.failed) return 'ANSWER_FAILED';
  if (isRefusedEnd(answer.finishReason)) return 'ANSWER_REFUSED';
  if (answer.toolCalls > 0) return 'AWAITING_TOOL_RESULTS';
  // Anthropic's pause_turn: the client resends with the paused content as the
  // last assistant message, and that call stores the turn (answerPrefix).
  if (answer.finishReason === 'pause_turn') return 'ANSWER_PAUSED';
  // An answer without text (an image, speech) still ends the turn: the
  // user's words are stored alone (answerItems), EMPTY_ANSWER only when
  // nothing else is left to store.
  return null;
}

/**
 * The answer's own item, none when it has no text (an image-only or
 * speech-only answer): one odd part never costs the whole turn, so the
 * user's words are stored without it.
 */
export function answerItems(text: string): TurnItem[] {
  return text.trim() === '' ? [] : [{ role: 'ASSISTANT', content: text }];
}

/**
 * Why a turn whose items came out empty is not stored: the answer had no
 * text (and nothing else of the turn was kept), or the caller kept out what
 * there was.
 */
export function emptyTurnReason(answerText: string): 'EMPTY_ANSWER' | 'EXCLUDED_BY_CALLER' {
  return answerText.trim() === '' ? 'EMPTY_ANSWER' : 'EXCLUDED_BY_CALLER';
}

/**
 * Whether the user's words are small talk ("hi", "thanks!", "oui", "👍"):
 * text/turn-text.ts says what counts. Such a turn stores nothing, unless the
 * caller asked for the answer by name (X-Memory-Store-Response: true,
 * storeResponse: true), which then is stored alone.
 */
export function isSmallTalk(userWords: string): boolean {
  return isSmallTalkText(userWords);
}

function storedTurn(memories: number, memoryTokens: number): TurnReceipt {
  return { stored: true, memories, memoryTokens, reason: null, message: null };
}

/** A refusal the caller can act on keeps its reason and message; anything else is STORE_FAILED. */
function failedTurn(what: string, error: unknown): TurnReceipt {
  logError(what, error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error');
  if (error instanceof CodedError) {
    return {
      stored: false,
      memories: 0,
      memoryTokens: 0,
      reason: error.reason ?? error.code,
      message: `the turn was not stored: ${error.message}`,
    };
  }
  return {
    stored: false,
    memories: 0,
    memoryTokens: 0,
    reason: 'STORE_FAILED',
    message: 'the turn could not be stored',
  };
}

/**
 * A turn's non-empty items as store inputs, as storable text
 * (storable-turn.ts), with consecutive timestamps so they list in order.
 */
function turnInputs(
  target: VaultSelector,
  items: TurnItem[],
  maxContentBytes: number,
): StoreInput[] {
  const kept = items
    .map((item) => ({
      ...item,
      content: storableTurnText(item.content, item.role, maxContentBytes),
    }))
    .filter((item) => item.content.trim() !== '');
  const now = Date.now();
  return kept.map((item, index) => ({
    vault: target,
    content: item.content,
    role: item.role,
    metadata: item.metadata ?? null,
    createdAt: new Date(now - (kept.length - 1 - index)),
  }));
}
