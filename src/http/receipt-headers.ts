import { billedParts, type ChatReceipt } from '../resolvers/chat/memory-turn';
import { encodeText } from '../core/encoding';
import { vaultLabel } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';
import type { FactsReceipt } from '../resolvers/receipt';
import { factsVaultLabel, type MemoryControls } from '../resolvers/chat/memory-controls';

/** The receipt, compact, for the X-Memory-Receipt header (base64url JSON) and response bodies. */
export function receiptJson(receipt: ChatReceipt) {
  const parts = billedParts(receipt);
  return {
    memoryTokens: receipt.memoryTokens,
    // Once the turn is done (never in a streamed answer's headers).
    ...(parts ? { storedMemoryTokens: parts.stored, billedMemoryTokens: parts.billed } : {}),
    ...(receipt.turn ? { turn: receipt.turn } : {}),
    ...(receipt.facts ? { facts: factsJson(receipt.facts) } : {}),
    ...(receipt.readSkipped ? { readSkipped: receipt.readSkipped } : {}),
    ...(receipt.notice ? { notice: receipt.notice } : {}),
    hits: receipt.hits.map((hit) => ({
      id: encodeMemoryId({
        kind: hit.address.kind,
        externalId: hit.address.externalId,
        localId: hit.memory.id,
      }),
      vault: vaultLabel(hit.address),
      window: hit.window,
      score: hit.score,
      tokens: hit.memory.tokens,
    })),
  };
}

/** A drop-in call asked for facts (X-Memory-Extract): where they go, as a vault label. */
export interface FactsAsked {
  vault: string;
}

/** What the call's controls say of facts: null without X-Memory-Extract. */
export function factsAsked(controls: MemoryControls): FactsAsked | null {
  const vault = factsVaultLabel(controls);
  return vault === null ? null : { vault };
}

/**
 * X-Memory-Tokens is the memory injected (read); an answer whose headers wait
 * for its turn's store (non-streamed) adds what the store wrote and the sum,
 * all the request billed.
 */
export function receiptHeaders(
  receipt: ChatReceipt,
  facts: FactsAsked | null = null,
): Record<string, string> {
  const parts = billedParts(receipt);
  return {
    'x-memory-tokens': String(receipt.memoryTokens),
    ...(parts
      ? {
          'x-memory-tokens-stored': String(parts.stored),
          'x-memory-tokens-billed': String(parts.billed),
        }
      : {}),
    'x-memory-receipt': encodeText(JSON.stringify(receiptJson(receipt))),
    // No memory was searched for the call, and why (small talk: NO_CONTENT_WORDS).
    ...(receipt.readSkipped ? { 'x-memory-read-skipped': receipt.readSkipped.reason } : {}),
    // Memory was searched and none injected, and why (OLDER_MEMORIES_NOT_SEARCHED: ARCHIVE holds matches).
    ...(receipt.notice ? { 'x-memory-notice': receipt.notice.reason } : {}),
    ...turnHeaders(receipt.turn),
    ...factsHeaders(receipt, facts),
  };
}

/**
 * What fact extraction did, as GraphQL's FactsReceipt without the facts'
 * words (up to MAX_FACTS_PER_CALL of 500 characters would outgrow a
 * header): each memory by id, readable in the vault (`memory(id:)`).
 */
function factsJson(facts: FactsReceipt) {
  return {
    extracted: facts.extracted,
    added: facts.added.map((fact) => fact.id),
    updated: facts.updated.map((fact) => ({ id: fact.id, supersedes: fact.supersedes })),
    superseded: facts.superseded,
    deleted: facts.deleted,
    unchanged: facts.unchanged,
    rejected: facts.rejected,
    refused: facts.refused,
    failure: facts.failure,
    usage: facts.usage,
  };
}

/**
 * With X-Memory-Extract (a drop-in call that asked for facts; null: it did
 * not): `X-Memory-Facts-Vault`, the vault the facts go to, is known from the
 * start. Extraction runs after the answer, so what it did is known only when
 * the headers wait for the turn's store (non-streamed): `X-Memory-Facts:
 * extracted` with the counts in `X-Memory-Facts-Counts` (a structured-field
 * dictionary, the ids in the receipt's `facts`), `failed` with the reason in
 * `X-Memory-Facts-Reason` (the raw turn was stored), or `none` when no
 * extraction ran (the turn was not stored: X-Memory-Turn says why). A
 * streamed answer's headers leave first: `pending`, and the facts are read
 * where they are written, the memoryEvents of X-Memory-Facts-Vault (ADD,
 * UPDATE, DELETE events as extraction writes them) or that vault's memories.
 */
function factsHeaders(receipt: ChatReceipt, facts: FactsAsked | null): Record<string, string> {
  if (facts === null) return {};
  const vault = { 'x-memory-facts-vault': facts.vault };
  if (!receipt.turn) return { ...vault, 'x-memory-facts': 'pending' };
  const done = receipt.facts;
  if (!done) return { ...vault, 'x-memory-facts': 'none' };
  const counts = {
    'x-memory-facts-counts': [
      `extracted=${done.extracted}`,
      `added=${done.added.length}`,
      `updated=${done.updated.length}`,
      `deleted=${done.deleted.length}`,
      `unchanged=${done.unchanged}`,
      `rejected=${done.rejected}`,
      `refused=${done.refused}`,
    ].join(', '),
  };
  if (done.failure !== null)
    return {
      ...vault,
      'x-memory-facts': 'failed',
      'x-memory-facts-reason': done.failure.reason,
      ...counts,
    };
  return { ...vault, 'x-memory-facts': 'extracted', ...counts };
}

/**
 * Whether the turn was stored, for answers whose headers wait for the answer
 * (non-streamed): `X-Memory-Turn: stored`; `duplicate` when the vault held
 * the same turn from the last 24 hours (nothing stored or billed again); or
 * `not-stored` with the coded reason in `X-Memory-Turn-Reason` (a refused
 * store's, or why none was tried: MEMORY_MODE_READ, AWAITING_TOOL_RESULTS,
 * ANSWER_REFUSED, EXCLUDED_BY_CALLER, NO_CONTENT_WORDS, …). Absent only when the headers
 * left before the answer ended (streamed).
 */
function turnHeaders(turn: ChatReceipt['turn']): Record<string, string> {
  if (!turn) return {};
  if (turn.stored) return { 'x-memory-turn': 'stored' };
  if (turn.reason === 'DUPLICATE') return { 'x-memory-turn': 'duplicate' };
  return { 'x-memory-turn': 'not-stored', 'x-memory-turn-reason': turn.reason ?? 'STORE_FAILED' };
}
