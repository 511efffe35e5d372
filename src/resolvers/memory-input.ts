import { CodedError } from '../errors';
import { utf8Length } from '../encoding';
import { CREATED_AT_FUTURE_SLACK_MS, EARLIEST_CREATED_AT, MAX_METADATA_BYTES } from '../limits';

/** Longest caller-supplied embedding accepted. */
export const MAX_EMBEDDING_DIMENSIONS = 4_096;

/** Prefixes a message with where the input sits (e.g. `inputs.3: `). */
export type Locate = (message: string) => string;
const here: Locate = (message) => message;

/**
 * Checks on one memory's fields that need nothing but the input and the
 * deployment's limits, shared by storeMemories and imports so both refuse
 * the same things in the same words. Each throws a CodedError with a stable
 * `reason`.
 */
export function checkContent(content: string, maxContentBytes: number, at: Locate = here): void {
  if (content.trim() === '') {
    throw new CodedError('BAD_USER_INPUT', at('content must not be empty'), 'EMPTY_CONTENT');
  }
  // A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would keep
  // U+FFFD instead, and the memory would differ from what was acknowledged.
  if (!content.isWellFormed()) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at('content holds a lone UTF-16 surrogate, which is not text'),
      'INVALID_TEXT',
    );
  }
  const bytes = utf8Length(content);
  if (bytes > maxContentBytes) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      at(`content is ${bytes} bytes; the limit is ${maxContentBytes}`),
      'CONTENT_TOO_LARGE',
    );
  }
}

/** Metadata as the JSON text stored, or null. */
export function checkMetadata(metadata: unknown, at: Locate = here): string | null {
  if (metadata === null || metadata === undefined) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at('metadata must be a JSON object'),
      'INVALID_METADATA',
    );
  }
  const json = JSON.stringify(metadata);
  if (utf8Length(json) > MAX_METADATA_BYTES) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      at(`metadata is larger than ${MAX_METADATA_BYTES} bytes`),
      'METADATA_TOO_LARGE',
    );
  }
  return json;
}

/** A memory's time: from 1970-01-01T00:00:00Z up to a minute ahead of the server's clock. */
export function checkCreatedAt(createdAt: number, now: number, at: Locate = here): void {
  if (!Number.isSafeInteger(createdAt)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at('createdAt must be a time in milliseconds'),
      'CREATED_AT_RANGE',
    );
  }
  if (createdAt < EARLIEST_CREATED_AT) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at('createdAt must not be before 1970-01-01T00:00:00Z'),
      'CREATED_AT_RANGE',
    );
  }
  if (createdAt > now + CREATED_AT_FUTURE_SLACK_MS) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at('createdAt must not be in the future'),
      'CREATED_AT_RANGE',
    );
  }
}

export function checkEmbeddingLength(embedding: readonly number[], at: Locate = here): void {
  if (embedding.length === 0 || embedding.length > MAX_EMBEDDING_DIMENSIONS) {
    throw new CodedError(
      'BAD_USER_INPUT',
      at(`embedding must have 1 to ${MAX_EMBEDDING_DIMENSIONS} components`),
      'EMBEDDING_DIMENSIONS',
    );
  }
}
