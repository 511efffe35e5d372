import { billedParts, type ChatReceipt } from '../resolvers/chat/memory-turn';
import { encodeText } from '../core/encoding';
import { vaultLabel } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';

/** The receipt, compact, for the X-Memory-Receipt header (base64url JSON) and response bodies. */
export function receiptJson(receipt: ChatReceipt) {
  const parts = billedParts(receipt);
  return {
    memoryTokens: receipt.memoryTokens,
    // Once the turn is done (never in a streamed answer's headers).
    ...(parts ? { storedMemoryTokens: parts.stored, billedMemoryTokens: parts.billed } : {}),
    ...(receipt.turn ? { turn: receipt.turn } : {}),
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

/**
 * X-Memory-Tokens is the memory injected (read); an answer whose headers wait
 * for its turn's store (non-streamed) adds what the store wrote and the sum,
 * all the request billed.
 */
export function receiptHeaders(receipt: ChatReceipt): Record<string, string> {
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
  };
}

/**
 * Whether the turn was stored, for answers whose headers wait for the answer
 * (non-streamed): `X-Memory-Turn: stored`; `duplicate` when the vault held
 * the same turn from the last 24 hours (nothing stored or billed again); or
 * `not-stored` with the coded reason in `X-Memory-Turn-Reason` (a refused
 * store's, or why none was tried: MEMORY_MODE_READ, AWAITING_TOOL_RESULTS,
 * EXCLUDED_BY_CALLER, NO_CONTENT_WORDS, …). Absent only when the headers
 * left before the answer ended (streamed).
 */
function turnHeaders(turn: ChatReceipt['turn']): Record<string, string> {
  if (!turn) return {};
  if (turn.stored) return { 'x-memory-turn': 'stored' };
  if (turn.reason === 'DUPLICATE') return { 'x-memory-turn': 'duplicate' };
  return { 'x-memory-turn': 'not-stored', 'x-memory-turn-reason': turn.reason ?? 'STORE_FAILED' };
}
