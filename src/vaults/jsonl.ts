import { CodedError } from '../errors';
import { fromBase64Url, toBase64Url } from '../encoding';
import { ROLES, type Role } from '../durable/vault-types';
import type { VaultKind } from './address';

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
 * vectors back to back, base64url float32 like `embedding`.
 *
 * The checksum is SHA-256 over the bytes of every memory line (newlines
 * included), in order. Imports also accept the minimal form
 * {"content": …, "role": …, "timestamp": …} (role and timestamp optional).
 */
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
  checksum: string;
  createdAt: string;
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
  })}\n`;
}

export function headerLine(header: Omit<SnapshotHeader, 'format' | 'version'>): string {
  return `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, ...header })}\n`;
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
}

export type ParsedLine =
  { type: 'header'; header: SnapshotHeader } | { type: 'memory'; memory: ParsedMemoryLine };

const LOCAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses and checks one line; throws a BAD_USER_INPUT CodedError saying what is wrong. */
export function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CodedError('BAD_USER_INPUT', 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CodedError('BAD_USER_INPUT', 'a line must be a JSON object');
  }
  const line = value as Record<string, unknown>;
  if (line.format === FORMAT) return { type: 'header', header: line as unknown as SnapshotHeader };
  if (typeof line.content !== 'string' || line.content.trim() === '') {
    throw new CodedError('BAD_USER_INPUT', '`content` must be a non-empty string');
  }
  const role = typeof line.role === 'string' ? line.role.toUpperCase() : 'USER';
  if (!(ROLES as readonly string[]).includes(role))
    throw new CodedError('BAD_USER_INPUT', `unknown role ${line.role}`);
  if (
    line.metadata !== undefined &&
    line.metadata !== null &&
    (typeof line.metadata !== 'object' || Array.isArray(line.metadata))
  ) {
    throw new CodedError('BAD_USER_INPUT', '`metadata` must be a JSON object');
  }
  const when = line.timestamp ?? line.createdAt;
  let createdAt: number | null = null;
  if (when !== undefined && when !== null) {
    createdAt = typeof when === 'number' ? when : typeof when === 'string' ? Date.parse(when) : NaN;
    if (!Number.isSafeInteger(createdAt))
      throw new CodedError(
        'BAD_USER_INPUT',
        '`timestamp` must be milliseconds or an ISO-8601 time',
      );
  }
  let embedding: number[] | null = null;
  if (typeof line.embedding === 'string') {
    const bytes = fromBase64Url(line.embedding);
    if (bytes === null || bytes.byteLength % 4 !== 0)
      throw new CodedError('BAD_USER_INPUT', '`embedding` is not base64 float32');
    embedding = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  } else if (Array.isArray(line.embedding)) {
    embedding = line.embedding as number[];
  } else if (line.embedding !== undefined && line.embedding !== null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      '`embedding` must be base64 float32 or a list of numbers',
    );
  }
  let chunkEmbeddings: number[][] | null = null;
  if (typeof line.chunkEmbeddings === 'string' && embedding !== null && embedding.length > 0) {
    const bytes = fromBase64Url(line.chunkEmbeddings);
    const floats = bytes === null ? 0 : bytes.byteLength / 4;
    if (bytes === null || !Number.isInteger(floats) || floats % embedding.length !== 0)
      throw new CodedError('BAD_USER_INPUT', '`chunkEmbeddings` is not base64 float32 chunks');
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, floats);
    chunkEmbeddings = [];
    for (let at = 0; at < floats; at += embedding.length)
      chunkEmbeddings.push(Array.from(all.subarray(at, at + embedding.length)));
  }
  const id = typeof line.id === 'string' && LOCAL_ID.test(line.id) ? line.id : null;
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
    },
  };
}

/** Splits a byte stream into text lines without holding more than one line at a time. */
export async function* readLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      yield buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  if (buffered.length > 0) yield buffered.replace(/\r$/, '');
}
