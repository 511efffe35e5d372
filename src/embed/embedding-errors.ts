import { CodedError } from '../core/errors';

/**
 * The embedder refused the texts it was given, not the moment: Workers AI
 * answered a call with something that is not one vector per text (wrong
 * count, size, non-finite or zero values). Sending the same texts again gets
 * the same answer, so it is not retried; a re-embedding narrows its batch
 * down to the memory at fault instead (src/durable/vault/reembed-narrowing.ts).
 * Clients see it as any embedding failure: UPSTREAM_ERROR, EMBEDDING_FAILED.
 */
export class EmbeddingRefused extends CodedError {
  constructor(message: string) {
    super('UPSTREAM_ERROR', message, 'EMBEDDING_FAILED');
  }
}
