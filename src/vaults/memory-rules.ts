import { normalizeVector } from '../core/vectors';
import { failure, type ErrorCode, type Failure } from '../core/errors';
import { utf8Length } from '../core/encoding';
import {
  CREATED_AT_FUTURE_SLACK_MS,
  EARLIEST_CREATED_AT,
  LOCAL_ID,
  MAX_EMBEDDING_DIMENSIONS,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
} from '../core/limits';
import { chunkSpans } from '../text/chunks';

/**
 * The rules one memory must meet, whoever sends it: `storeMemories`, the
 * JSONL import and the vault object itself all check with these functions
 * (against the numbers in src/core/limits.ts), so they refuse the same things in
 * the same words with the same stable `reason`.
 *
 * A check returns a `Refusal`: the problem in words that need no position,
 * and the field it concerns. Each surface then says where, in its own terms:
 * `inputs[7].metadata: …` in GraphQL, a line number in an import report,
 * `memory 2: …` inside a vault.
 */
export type MemoryField =
  | 'content'
  | 'role'
  | 'metadata'
  | 'createdAt'
  | 'embedding'
  | 'chunkEmbeddings'
  | 'id'
  | 'vault'
  | 'validUntil'
  | 'supersededBy';

export interface Refusal extends Failure {
  field: MemoryField;
}

function refuse(field: MemoryField, code: ErrorCode, problem: string, reason: string): Refusal {
  return { ...failure(code, problem, reason), field };
}

/**
 * Whether text shows as nothing: whitespace and default-ignorable code
 * points only (zero-width spaces and joiners, U+2060, a BOM, soft hyphens,
 * variation selectors). Such content would be stored, indexed and billed
 * as a memory no one can see (review214 W4).
 */
export function isBlankText(text: string): boolean {
  return /^[\s\p{Default_Ignorable_Code_Point}]*$/u.test(text);
}

export function checkContent(content: unknown, maxContentBytes: number): Refusal | null {
  if (typeof content !== 'string' || isBlankText(content)) {
    return refuse('content', 'BAD_USER_INPUT', 'content must not be empty', 'EMPTY_CONTENT');
  }
  // A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would keep
  // U+FFFD instead, and the memory would differ from what was acknowledged.
  if (!content.isWellFormed()) {
    return refuse(
      'content',
      'BAD_USER_INPUT',
      'content holds a lone UTF-16 surrogate, which is not text',
      'INVALID_TEXT',
    );
  }
  const bytes = utf8Length(content);
  if (bytes > maxContentBytes) {
    return refuse(
      'content',
      'PAYLOAD_TOO_LARGE',
      `content is ${bytes} bytes; the limit is ${maxContentBytes}`,
      'CONTENT_TOO_LARGE',
    );
  }
  return null;
}

/** Metadata given as a value (GraphQL's JSON scalar, an import line): the JSON text stored, or null. */
export function checkMetadata(metadata: unknown): { ok: true; json: string | null } | Refusal {
  if (metadata === null || metadata === undefined) return { ok: true, json: null };
  const shape = checkMetadataShape(metadata);
  if (shape !== null) return shape;
  const json = JSON.stringify(metadata);
  return checkMetadataBytes(json) ?? { ok: true, json };
}

/** Metadata as JSON text (as it crosses the vault RPC). */
export function checkMetadataText(json: string): Refusal | null {
  const bytes = checkMetadataBytes(json);
  if (bytes !== null) return bytes;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return checkMetadataShape(undefined);
  }
  return checkMetadataShape(value);
}

function checkMetadataShape(value: unknown): Refusal | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(
      'metadata',
      'BAD_USER_INPUT',
      'metadata must be a JSON object',
      'INVALID_METADATA',
    );
  }
  // Measured before anything serialises it: JSON.stringify recurses, and a
  // value nested a hundred thousand levels deep would overflow its stack.
  if (objectNestsDeeperThan(value, MAX_METADATA_DEPTH)) {
    return refuse(
      'metadata',
      'BAD_USER_INPUT',
      `metadata nests deeper than ${MAX_METADATA_DEPTH} levels`,
      'METADATA_TOO_DEEP',
    );
  }
  // The same rule as content: a lone surrogate in a key or a string value
  // would be answered as `\ud800`, which strict JSON readers refuse, and one
  // memory would make a whole page, search or export unreadable to them.
  if (holdsLoneSurrogate(value)) {
    return refuse(
      'metadata',
      'BAD_USER_INPUT',
      'metadata holds a lone UTF-16 surrogate in a key or a string, which is not text',
      'INVALID_TEXT',
    );
  }
  return null;
}

/** Whether any key or string value, at any depth, is not well-formed UTF-16 (without recursion). */
function holdsLoneSurrogate(value: object): boolean {
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const [key, child] of Object.entries(next)) {
      if (!key.isWellFormed()) return true;
      if (typeof child === 'string' && !child.isWellFormed()) return true;
      if (typeof child === 'object' && child !== null) pending.push(child as object);
    }
  }
  return false;
}

function checkMetadataBytes(json: string): Refusal | null {
  if (utf8Length(json) <= MAX_METADATA_BYTES) return null;
  return refuse(
    'metadata',
    'PAYLOAD_TOO_LARGE',
    `metadata is larger than ${MAX_METADATA_BYTES} bytes`,
    'METADATA_TOO_LARGE',
  );
}

/** Whether objects and arrays nest more than `limit` levels (`{}` is one), without recursion. */
function objectNestsDeeperThan(value: object, limit: number): boolean {
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > limit) return true;
    for (const child of Object.values(container)) {
      if (typeof child === 'object' && child !== null) pending.push([child as object, depth + 1]);
    }
  }
  return false;
}

/**
 * A time past the slack a client's fast clock is allowed: said with the
 * latest time taken and the time given, since to a client whose clock runs
 * two minutes fast the time it sent is now, not "the future".
 */
function beyondSlack(field: string, given: number, now: number): string {
  const latest = new Date(now + CREATED_AT_FUTURE_SLACK_MS).toISOString();
  return `${field} must be at most ${CREATED_AT_FUTURE_SLACK_MS / 1000} seconds ahead of the server's clock (${latest}); ${new Date(given).toISOString()} is after it`;
}

/** A memory's time: from 1970-01-01T00:00:00Z up to a minute ahead of the server's clock. */
export function checkCreatedAt(createdAt: number, now: number): Refusal | null {
  const outOfRange = (problem: string) =>
    refuse('createdAt', 'BAD_USER_INPUT', problem, 'CREATED_AT_RANGE');
  if (!Number.isSafeInteger(createdAt))
    return outOfRange('createdAt must be a time in milliseconds');
  if (createdAt < EARLIEST_CREATED_AT) {
    return outOfRange('createdAt must not be before 1970-01-01T00:00:00Z');
  }
  if (createdAt > now + CREATED_AT_FUTURE_SLACK_MS) {
    return outOfRange(beyondSlack('createdAt', createdAt, now));
  }
  return null;
}

/**
 * An exported memory that was already superseded (imports): it stopped being
 * valid at `validUntil`, no earlier than it was written and not in the
 * future, and `supersededBy` names its successor's local id (null: declared
 * no longer true). A successor without a `validUntil` says nothing usable.
 */
export function checkSuperseded(
  createdAt: number,
  validUntil: number | null,
  supersededBy: string | null,
  now: number,
): Refusal | null {
  if (validUntil === null) {
    return supersededBy === null
      ? null
      : refuse(
          'supersededBy',
          'BAD_USER_INPUT',
          '`supersededBy` needs `validUntil`: when the memory stopped being valid',
          'VALID_UNTIL_MISSING',
        );
  }
  const outOfRange = (problem: string) =>
    refuse('validUntil', 'BAD_USER_INPUT', problem, 'VALID_UNTIL_RANGE');
  if (!Number.isSafeInteger(validUntil))
    return outOfRange('validUntil must be a time in milliseconds');
  if (validUntil < createdAt)
    return outOfRange('validUntil must not be before the memory was written');
  if (validUntil > now + CREATED_AT_FUTURE_SLACK_MS) {
    return outOfRange(beyondSlack('validUntil', validUntil, now));
  }
  if (supersededBy !== null && checkLocalId(supersededBy) !== null) {
    return refuse(
      'supersededBy',
      'BAD_USER_INPUT',
      '`supersededBy` must be 1–64 of A–Z a–z 0–9 _ -',
      'INVALID_ID',
    );
  }
  return null;
}

export function checkLocalId(id: unknown): Refusal | null {
  if (typeof id === 'string' && LOCAL_ID.test(id)) return null;
  return refuse('id', 'BAD_USER_INPUT', '`id` must be 1–64 of A–Z a–z 0–9 _ -', 'INVALID_ID');
}

/** How many components an embedding may have, whatever the vault holds. */
export function checkEmbeddingLength(embedding: ArrayLike<number>): Refusal | null {
  if (embedding.length > 0 && embedding.length <= MAX_EMBEDDING_DIMENSIONS) return null;
  return refuse(
    'embedding',
    'BAD_USER_INPUT',
    `embedding must have 1 to ${MAX_EMBEDDING_DIMENSIONS} components`,
    'EMBEDDING_DIMENSIONS',
  );
}

/**
 * An embedding of `dimensions` components, as a unit vector: refused when
 * its length differs, a component is not finite, or it is the zero vector.
 */
export function checkEmbedding(
  embedding: ArrayLike<number>,
  dimensions: number,
  field: 'embedding' | 'chunkEmbeddings' = 'embedding',
): { ok: true; vector: Float32Array } | Refusal {
  const normalized = normalizeVector(embedding, dimensions);
  if (normalized.ok) return normalized;
  const problem =
    field === 'embedding' ? normalized.message : `chunk embedding: ${normalized.message}`;
  return refuse(field, normalized.code, problem, normalized.reason ?? 'INVALID_EMBEDDING');
}

/**
 * The chunk vectors of a memory indexed in chunks (src/text/chunks.ts): one
 * per chunk of its content, each of `dimensions`. Fewer than two means the
 * memory is indexed whole (null).
 */
export function checkChunkEmbeddings(
  content: string,
  chunkEmbeddings: readonly ArrayLike<number>[] | null | undefined,
  dimensions: number,
): { ok: true; vectors: Float32Array[] | null } | Refusal {
  if (!chunkEmbeddings || chunkEmbeddings.length < 2) return { ok: true, vectors: null };
  const chunks = chunkSpans(content).length;
  if (chunkEmbeddings.length !== chunks) {
    return refuse(
      'chunkEmbeddings',
      'BAD_USER_INPUT',
      `content has ${chunks} chunks, not ${chunkEmbeddings.length}`,
      'CHUNKS_MISMATCH',
    );
  }
  const vectors: Float32Array[] = [];
  for (const raw of chunkEmbeddings) {
    const chunk = checkEmbedding(raw, dimensions, 'chunkEmbeddings');
    if (!chunk.ok) return chunk;
    vectors.push(chunk.vector);
  }
  return { ok: true, vectors };
}
