import type { WindowQuery } from '../../kronos/plan';
import { contextWindow, type ParsedModel } from '../../providers/models';
import type { RankedHit } from '../merge-hits';
import { MAX_QUERY_LENGTH } from '../../core/limits';
import { searchMemories } from '../search-memories';
import type { MeteredContext } from '../request-context';
import type { Extractor } from '../fact-extraction';
import type { FactsReceipt } from '../receipt';
import { storeMemories, type StoreInput } from '../store-memories';
import { emptyFacts, storeWithFacts } from '../store-with-facts';
import type { VaultSelector } from '../../vaults/address';
import { renderMemoryBlock } from './memory-block';

export interface ChatReceipt {
  hits: RankedHit[];
  memoryTokens: number;
  /** What fact extraction did, when the call asked for it. */
  facts?: FactsReceipt;
}

export interface Recalled {
  /** The block to inject; null when nothing fits or nothing was found. */
  block: string | null;
  receipt: ChatReceipt;
  /** Time spent searching, embedding the query included. */
  elapsedMs: number;
}

export const NO_MEMORY: ChatReceipt = { hits: [], memoryTokens: 0 };

/** The vaults a chat reads: CORE, then the session's, then the conversation's (written to: the last). */
export function chatVaults(
  sessionId?: string | null,
  conversationId?: string | null,
): VaultSelector[] {
  return [
    { kind: 'CORE' },
    ...(sessionId ? [{ kind: 'SESSION' as const, id: sessionId }] : []),
    ...(conversationId ? [{ kind: 'EPHEMERAL' as const, id: conversationId }] : []),
  ];
}

/**
 * Searches the chat's vaults with the user's words and renders the best
 * memories as a block within the token budget: the smaller of `limit` (or the
 * deployment's MEMORY_TOKEN_BUDGET) and a quarter of the model's context.
 */
export async function recallMemory(
  context: MeteredContext,
  model: ParsedModel,
  options: {
    query: string;
    vaults: VaultSelector[];
    windows?: WindowQuery[] | null;
    limit?: number | null;
  },
): Promise<Recalled> {
  const started = performance.now();
  const budget = Math.min(
    options.limit ?? context.config.memoryTokenBudget,
    Math.floor(contextWindow(model) / 4),
  );
  if (budget <= 0 || options.query.trim() === '')
    return { block: null, receipt: NO_MEMORY, elapsedMs: 0 };
  const found = await searchMemories(context, {
    query: options.query.slice(0, MAX_QUERY_LENGTH),
    vaults: options.vaults,
    windows: options.windows ?? null,
  });
  const block = await context.timings.time('tokenize', () => renderMemoryBlock(found.hits, budget));
  return {
    block: block?.text ?? null,
    receipt: block === null ? NO_MEMORY : { hits: block.hits, memoryTokens: block.memoryTokens },
    elapsedMs: performance.now() - started,
  };
}

export interface TurnItem {
  role: 'USER' | 'ASSISTANT' | 'SYSTEM';
  content: string;
  metadata?: Record<string, unknown>;
}

/**
 * Stores a finished turn in the target vault after the response, in
 * ctx.waitUntil: items get consecutive timestamps so they list in order. A
 * failure is logged (message only) and never reaches the client, who already
 * has the answer.
 */
export function rememberTurn(
  context: MeteredContext,
  target: VaultSelector,
  items: TurnItem[],
): void {
  const inputs = turnInputs(target, items);
  if (inputs.length === 0) return;
  context.ctx.waitUntil(
    storeMemories(context, inputs).then(
      () => undefined,
      (error: unknown) => {
        console.error(
          'storing a chat turn failed',
          error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
        );
      },
    ),
  );
}

/**
 * Stores a finished turn together with the facts the caller's model finds in
 * it (store-with-facts.ts), awaited: its receipt goes with the answer. A
 * failure to store is logged and reported in the receipt, never thrown: the
 * client has the answer already.
 */
export async function rememberTurnWithFacts(
  context: MeteredContext,
  target: VaultSelector,
  items: TurnItem[],
  extractor: Extractor,
): Promise<FactsReceipt | null> {
  const inputs = turnInputs(target, items);
  if (inputs.length === 0) return null;
  try {
    return (await storeWithFacts(context, inputs, extractor)).facts;
  } catch (error) {
    console.error(
      'storing a chat turn with facts failed',
      error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
    );
    return {
      ...emptyFacts(),
      failure: { reason: 'STORE_FAILED', message: 'the turn could not be stored' },
    };
  }
}

/** A turn's non-empty items as store inputs, with consecutive timestamps so they list in order. */
function turnInputs(target: VaultSelector, items: TurnItem[]): StoreInput[] {
  const kept = items.filter((item) => item.content.trim() !== '');
  const now = Date.now();
  return kept.map((item, index) => ({
    vault: target,
    content: item.content,
    role: item.role,
    metadata: item.metadata ?? null,
    createdAt: new Date(now - (kept.length - 1 - index)),
  }));
}
