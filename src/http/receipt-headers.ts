import type { ChatReceipt } from '../resolvers/chat/memory-turn';
import { encodeText } from '../core/encoding';
import { vaultLabel } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';

/** The receipt, compact, for the X-Memory-Receipt header (base64url JSON) and response bodies. */
export function receiptJson(receipt: ChatReceipt) {
  return {
    memoryTokens: receipt.memoryTokens,
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

export function receiptHeaders(receipt: ChatReceipt): Record<string, string> {
  return {
    'x-memory-tokens': String(receipt.memoryTokens),
    'x-memory-receipt': encodeText(JSON.stringify(receiptJson(receipt))),
  };
}
