import { CodedError } from '../core/errors';
import { fromBase64Url, toBase64Url } from '../core/encoding';
import { MAX_EMBEDDING_DIMENSIONS, MAX_METADATA_BYTES } from '../core/limits';
import { chunkWordRanges } from '../text/chunks';
import { readClientTime } from '../core/memory-time';
import { ROLES, type Role } from './roles';
import type { VaultKind } from './address';
import { splitLines } from './line-splitter';
import { checkLocalId, isBlankText } from './memory-rules';

/**
 * The JSONL format of snapshots, exports and imports. One header line, then
 * one line per memory:
 *
 *   {"format":"memoryrouter.vault","version":1,"kind":"SESSION","externalId":"user-42",
 *    "embeddingModel":"use-lite-static-384@1","dimensions":384,"count":2,"checksum":"sha256:…","createdAt":"…"}
 *   {"id":"…","content":"…","role":"USER","metadata":{…},"createdAt":"2026-…Z","timestamp":1764…,
 *    "tokens":7,"embedding":"<base64url of little-endian float32>"}
 *
 * A long memory indexed in chunks also carries "chunkEmbeddings": its chunks'
 * vectors back to back, base64url float32 like `embedding`. A superseded
 * memory carries "validUntil" (milliseconds) and "supersededBy" (an id of the
 * same file, or null when it was declared no longer true); an import keeps
 * both, so a superseded memory stays out of searches after a round trip.
 *
 * The checksum is SHA-256 over the bytes of every memory line (newlines
 * included), in order. An export, and a snapshot in R2 (written in one pass
 * since 2026-11-28), stream as they read the vault, so the header states the
 * count and `"checksum":null`, and one last line, the trailer, gives both
 * (older snapshots state both in the header and have no trailer):
 *
 *   {"format":"memoryrouter.vault","version":1,"trailer":true,"count":2,"checksum":"sha256:…"}
 *
 * A file without that line was cut short. Imports also accept the minimal form
 * {"content": …, "role": …, "timestamp": …} (role and timestamp optional).
 */

/**
 * Longest import line accepted, which must hold the longest line an export
 * writes: content of control characters, each written by JSON as `\u00XX`
 * (6 bytes for 1); metadata at its limit, escaped again at most twofold; an
 * embedding as JSON numbers (about 24 bytes each, what a hand-written line
 * may send) at the most dimensions; and the chunk vectors of the content
 * with the most words ("a a a …": one word every 2 bytes), base64url at the
 * most dimensions. Longer lines are refused without being held in memory.
 * (Before, 2 × (content + metadata) + 128 KiB: a vault's own export of a
 * long memory of short words could exceed it.)
 */
export function maxImportLineBytes(maxContentBytes: number): number {
  const chunks = chunkWordRanges(Math.ceil(maxContentBytes / 2)).length;
  const vector = Math.ceil((MAX_EMBEDDING_DIMENSIONS * 4 * 4) / 3);
  const bytes =
    6 * maxContentBytes +
    2 * MAX_METADATA_BYTES +
    24 * MAX_EMBEDDING_DIMENSIONS +
    chunks * vector +
    64 * 1024;
  return Math.ceil(bytes / 1024) * 1024;
}

export const FORMAT = 'memoryrouter.vault';
export const FORMAT_VERSION = 1;

export interface SnapshotHeader {
  format: typeof FORMAT;
  version: number;
  kind: VaultKind;
  externalId: string | null;
  embeddingModel: string | null;
  dimensions: number | null;
  count: number;
  /** null in an export and in a snapshot written in one pass: the trailer line states it. */
  checksum: string | null;
  createdAt: string;
  /** Only on an export's last line (`trailerLine`), which carries count and checksum alone. */
  trailer?: true;
}

export interface StoredRow {
  id: string;
  content: string;
  role: string;
  metadata: string | null;
  created_at: number;
  tokens: number;
  embedding: ArrayBuffer;
  chunk_embeddings: ArrayBuffer | null;
  /** Set on a superseded memory (fact extraction); absent or null while current. */
  valid_until?: number | null;
  superseded_by?: string | null;
}

/** A memory as one JSONL line (with its newline). */
export function memoryLine(row: StoredRow): string {
  return `${JSON.stringify({
    id: row.id,
    content: row.content,
    role: row.role,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as unknown),
    createdAt: new Date(row.created_at).toISOString(),
    timestamp: row.created_at,
    tokens: row.tokens,
    embedding: toBase64Url(new Uint8Array(row.embedding)),
    ...(row.chunk_embeddings === null
      ? {}
      : { chunkEmbeddings: toBase64Url(new Uint8Array(row.chunk_embeddings)) }),
    ...(row.valid_until == null
      ? {}
      : { validUntil: row.valid_until, supersededBy: row.superseded_by ?? null }),
  })}\n`;
}

/** The first line; `checksum` is null in an export, whose trailer gives it. */
export function headerLine(
  header: Omit<SnapshotHeader, 'format' | 'version' | 'checksum' | 'trailer'> & {
    checksum: string | null;
  },
): string {
  return `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, ...header })}\n`;
}

/**
 * An export's last line: the count and checksum of the memory lines before
 * it. It names the format, so an importer that reads any such line as a
 * header (and takes only its model) passes over it.
 */
export function trailerLine(facts: { count: number; checksum: string }): string {
  return `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, trailer: true, ...facts })}\n`;
}

export interface ParsedMemoryLine {
  id: string | null;
  content: string;
  role: Role;
  metadata: Record<string, unknown> | null;
  createdAt: number | null;
  embedding: number[] | null;
  /** Chunk vectors of a memory indexed in chunks (only with `embedding`, same dimensions). */
  chunkEmbeddings: number[][] | null;
  /** When a superseded memory stopped being valid (milliseconds); null while current. */
  validUntil: number | null;
  /** The local id of its successor; null when none was named. */
  supersededBy: string | null;
}

export type ParsedLine =
  { type: 'header'; header: SnapshotHeader } | { type: 'memory'; memory: ParsedMemoryLine };

const refuse = (message: string, reason: string): never => {
  throw new CodedError('BAD_USER_INPUT', message, reason);
};

/**
 * A time field of a line, read by the rule GraphQL's DateTime follows too
 * (core/memory-time.ts); null when absent. A refusal names the field.
 */
function timeOf(
  line: Record<string, unknown>,
  field: string,
  outOfRange: 'CREATED_AT_RANGE' | 'VALID_UNTIL_RANGE',
): number | null {
  const value = line[field];
  if (value === undefined || value === null) return null;
  const read = readClientTime(value);
  if (read.ok) return read.ms;
  return refuse(
    `\`${field}\` ${read.problem}`,
    read.reason === 'TIME_OUT_OF_RANGE' ? outOfRange : read.reason,
  );
}

/**
 * Parses one line and checks the shape of every field; throws a
 * BAD_USER_INPUT CodedError whose `reason` says what is wrong. Nothing is
 * silently dropped or replaced: a line is taken exactly as written or refused.
 * Roles are accepted in any case ("user" as in hand-written files, "USER" as
 * in exports).
 */
export function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('not valid JSON', 'INVALID_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('a line must be a JSON object', 'INVALID_JSON');
  }
  const line = value as Record<string, unknown>;
  if (line.format === FORMAT) return { type: 'header', header: line as unknown as SnapshotHeader };
  if (typeof line.content !== 'string' || isBlankText(line.content)) {
    return refuse('`content` must be a non-empty string', 'EMPTY_CONTENT');
  }
  const role =
    line.role === undefined || line.role === null
      ? 'USER'
      : typeof line.role === 'string'
        ? line.role.toUpperCase()
        : '';
  if (!(ROLES as readonly string[]).includes(role)) {
    refuse(`unknown role ${JSON.stringify(line.role)} (user, assistant or system)`, 'INVALID_ROLE');
  }
  if (
    line.metadata !== undefined &&
    line.metadata !== null &&
    (typeof line.metadata !== 'object' || Array.isArray(line.metadata))
  ) {
    refuse('`metadata` must be a JSON object', 'INVALID_METADATA');
  }
  // An export line holds both, the same time: its text, being unambiguous, is read.
  const createdAt = timeOf(
    line,
    line.createdAt !== undefined && line.createdAt !== null ? 'createdAt' : 'timestamp',
    'CREATED_AT_RANGE',
  );
  let embedding: number[] | null = null;
  if (line.embedding === '') {
    // An export's line for a memory with no vector: one a re-embedding
    // skipped, the model having refused its text (vault-reembed.ts). Read as
    // a line without `embedding`: the import embeds it with the deployment's
    // model, rather than refuse it and lose the memory on the way back.
  } else if (typeof line.embedding === 'string') {
    const bytes = fromBase64Url(line.embedding);
    if (bytes === null || bytes.byteLength % 4 !== 0) {
      refuse('`embedding` is not base64url float32', 'INVALID_EMBEDDING');
    } else {
      const aligned = bytes.slice();
      embedding = Array.from(new Float32Array(aligned.buffer, 0, aligned.byteLength / 4));
    }
  } else if (Array.isArray(line.embedding)) {
    if (!line.embedding.every((component) => typeof component === 'number')) {
      refuse('`embedding` must hold only numbers', 'INVALID_EMBEDDING');
    }
    embedding = line.embedding as number[];
  } else if (line.embedding !== undefined && line.embedding !== null) {
    refuse('`embedding` must be base64url float32 or a list of numbers', 'INVALID_EMBEDDING');
  }
  let chunkEmbeddings: number[][] | null = null;
  if (line.chunkEmbeddings !== undefined && line.chunkEmbeddings !== null) {
    const bytes =
      typeof line.chunkEmbeddings === 'string' ? fromBase64Url(line.chunkEmbeddings) : null;
    const floats = bytes === null ? 0 : bytes.byteLength / 4;
    const dims = embedding?.length ?? 0;
    if (bytes === null || dims === 0 || !Number.isInteger(floats) || floats % dims !== 0) {
      refuse(
        '`chunkEmbeddings` must be base64url float32 chunks of the `embedding` size',
        'INVALID_EMBEDDING',
      );
    } else {
      const all = new Float32Array(bytes.slice().buffer, 0, floats);
      chunkEmbeddings = [];
      for (let at = 0; at < floats; at += dims)
        chunkEmbeddings.push(Array.from(all.subarray(at, at + dims)));
    }
  }
  const validUntil = timeOf(line, 'validUntil', 'VALID_UNTIL_RANGE');
  let supersededBy: string | null = null;
  if (line.supersededBy !== undefined && line.supersededBy !== null) {
    if (checkLocalId(line.supersededBy) !== null) {
      refuse('`supersededBy` must be 1–64 of A–Z a–z 0–9 _ -', 'INVALID_ID');
    }
    supersededBy = line.supersededBy as string;
  }
  let id: string | null = null;
  if (line.id !== undefined && line.id !== null) {
    const invalid = checkLocalId(line.id);
    if (invalid !== null) refuse(invalid.message, 'INVALID_ID');
    id = line.id as string;
  }
  return {
    type: 'memory',
    memory: {
      id,
      content: line.content,
      role: role as Role,
      metadata: (line.metadata as Record<string, unknown> | null | undefined) ?? null,
      createdAt,
      embedding,
      chunkEmbeddings,
      validUntil,
      supersededBy,
    },
  };
}

/** What an import takes from a header line, each field checked; null where the header has none. */
export interface ImportHeader {
  /** The model its vectors were made with, as written (`caller-supplied` included). */
  embeddingModel: string | null;
  /** How many components every `embedding` of the file has. */
  dimensions: number | null;
  /** How many memory lines follow the header. */
  count: number | null;
  /** `sha256:` and the hex SHA-256 of those lines, each with its newline. */
  checksum: string | null;
  /**
   * A streamed export's header: `"checksum": null`, its count and checksum
   * are in the file's last line (the trailer), which a whole file has.
   */
  awaitsTrailer: boolean;
}

const CHECKSUM = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads the fields of a header line an import relies on. A header it cannot
 * trust (an unknown version, a field of the wrong type) is refused with
 * INVALID_HEADER rather than half-read: its lines would otherwise be judged
 * by the wrong model, size or checksum.
 */
export function readImportHeader(header: SnapshotHeader): ImportHeader {
  const line = header as unknown as Record<string, unknown>;
  const invalid = (problem: string): never =>
    refuse(`the header line ${problem}`, 'INVALID_HEADER');
  const given = (field: string) => line[field] !== undefined && line[field] !== null;
  if (line.version !== FORMAT_VERSION) {
    invalid(
      `has version ${JSON.stringify(line.version)}; this server reads version ${FORMAT_VERSION}`,
    );
  }
  if (
    given('embeddingModel') &&
    (typeof line.embeddingModel !== 'string' || line.embeddingModel === '')
  ) {
    invalid('`embeddingModel` must be a model name');
  }
  const dimensions = line.dimensions;
  if (
    given('dimensions') &&
    !(
      Number.isInteger(dimensions) &&
      (dimensions as number) >= 1 &&
      (dimensions as number) <= MAX_EMBEDDING_DIMENSIONS
    )
  ) {
    invalid(`\`dimensions\` must be a whole number from 1 to ${MAX_EMBEDDING_DIMENSIONS}`);
  }
  if (given('count') && !(Number.isInteger(line.count) && (line.count as number) >= 0)) {
    invalid('`count` must be a whole number of memory lines');
  }
  if (given('checksum') && !(typeof line.checksum === 'string' && CHECKSUM.test(line.checksum))) {
    invalid('`checksum` must be sha256: and 64 hex digits');
  }
  return {
    embeddingModel: given('embeddingModel') ? (line.embeddingModel as string) : null,
    dimensions: given('dimensions') ? (dimensions as number) : null,
    count: given('count') ? (line.count as number) : null,
    checksum: given('checksum') ? (line.checksum as string) : null,
    awaitsTrailer: line.checksum === null && line.trailer !== true,
  };
}

/** Splits a byte stream into text lines, linearly (see line-splitter.ts). */
export async function* readLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  for await (const line of splitLines(body)) yield decoder.decode(line.bytes ?? new Uint8Array());
}
