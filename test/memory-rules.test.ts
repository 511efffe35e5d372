import { describe, expect, it } from 'vitest';
import {
  CREATED_AT_FUTURE_SLACK_MS,
  MAX_EMBEDDING_DIMENSIONS,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
} from '../src/core/limits';
import { chunkSpans } from '../src/text/chunks';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkEmbeddingLength,
  checkLocalId,
  checkMetadata,
  checkMetadataText,
} from '../src/vaults/memory-rules';
import { longDocument } from './helpers/long-document';

/** {"n": {"n": … {}}}, `depth` levels. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { n: value };
  return value;
}

const reasonOf = (result: { ok?: boolean; reason?: string } | null) =>
  result === null || result.ok ? null : result.reason;

describe('the rules every memory meets', () => {
  it('takes metadata up to the depth limit, counting lists as levels', () => {
    expect(checkMetadata(nested(MAX_METADATA_DEPTH))).toMatchObject({ ok: true });
    expect(reasonOf(checkMetadata(nested(MAX_METADATA_DEPTH + 1)))).toBe('METADATA_TOO_DEEP');
    let listed: unknown = {};
    for (let level = 1; level < MAX_METADATA_DEPTH + 1; level++) listed = [listed];
    expect(reasonOf(checkMetadata({ deep: listed }))).toBe('METADATA_TOO_DEEP');
  });

  it('measures any depth without overflowing the stack, given as a value or as text', () => {
    const depth = 200_000;
    const text = `${'{"n":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    const value = JSON.parse(text) as unknown;
    expect(reasonOf(checkMetadata(value))).toBe('METADATA_TOO_DEEP');
    // As text it is over the size limit too, which is checked first (no parse).
    expect(reasonOf(checkMetadataText(text))).toBe('METADATA_TOO_LARGE');
    expect(reasonOf(checkMetadataText(JSON.stringify(nested(MAX_METADATA_DEPTH + 1))))).toBe(
      'METADATA_TOO_DEEP',
    );
  });

  it('takes metadata of exactly the byte limit, in UTF-8 bytes', () => {
    const padding = MAX_METADATA_BYTES - JSON.stringify({ a: '' }).length;
    expect(checkMetadata({ a: 'x'.repeat(padding) })).toEqual({
      ok: true,
      json: JSON.stringify({ a: 'x'.repeat(padding) }),
    });
    expect(checkMetadata({ a: 'x'.repeat(padding + 1) })).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'METADATA_TOO_LARGE',
      field: 'metadata',
    });
    // 'é' is two bytes in UTF-8.
    expect(reasonOf(checkMetadata({ a: 'é'.repeat(padding / 2 + 1) }))).toBe('METADATA_TOO_LARGE');
  });

  it('wants metadata to be an object, as a value and as text', () => {
    for (const value of [[1], 'text', 3, true]) {
      expect(reasonOf(checkMetadata(value)), JSON.stringify(value)).toBe('INVALID_METADATA');
    }
    expect(checkMetadata(null)).toEqual({ ok: true, json: null });
    for (const text of ['[1]', '"text"', 'null', '{not json']) {
      expect(reasonOf(checkMetadataText(text)), text).toBe('INVALID_METADATA');
    }
    expect(checkMetadataText('{"a": 1}')).toBeNull();
  });

  it('takes content of one or more non-space characters, up to the byte limit', () => {
    expect(checkContent('hello', 10)).toBeNull();
    expect(reasonOf(checkContent(' \n\t', 10))).toBe('EMPTY_CONTENT');
    expect(reasonOf(checkContent(7, 10))).toBe('EMPTY_CONTENT');
    expect(reasonOf(checkContent('lone \ud800', 10))).toBe('INVALID_TEXT');
    expect(checkContent('ééééé', 10)).toBeNull(); // 10 bytes
    expect(checkContent('éééééx', 10)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'CONTENT_TOO_LARGE',
      message: 'content is 11 bytes; the limit is 10',
    });
  });

  it('takes times from 1970 up to a minute ahead of the clock', () => {
    const now = Date.UTC(2026, 10, 25);
    expect(checkCreatedAt(0, now)).toBeNull();
    expect(checkCreatedAt(now + CREATED_AT_FUTURE_SLACK_MS, now)).toBeNull();
    for (const time of [-1, now + CREATED_AT_FUTURE_SLACK_MS + 1, Number.NaN, 1.5]) {
      expect(reasonOf(checkCreatedAt(time, now)), String(time)).toBe('CREATED_AT_RANGE');
    }
  });

  it('takes ids of 1–64 safe characters', () => {
    expect(checkLocalId('a'.repeat(64))).toBeNull();
    for (const id of ['', 'a'.repeat(65), 'has space', 'slash/', 42]) {
      expect(reasonOf(checkLocalId(id)), String(id)).toBe('INVALID_ID');
    }
  });

  it('takes embeddings of 1 to the most dimensions, finite and not zero', () => {
    expect(checkEmbeddingLength(new Array(MAX_EMBEDDING_DIMENSIONS).fill(1))).toBeNull();
    expect(reasonOf(checkEmbeddingLength(new Array(MAX_EMBEDDING_DIMENSIONS + 1).fill(1)))).toBe(
      'EMBEDDING_DIMENSIONS',
    );
    expect(reasonOf(checkEmbeddingLength([]))).toBe('EMBEDDING_DIMENSIONS');
    const unit = checkEmbedding([3, 4], 2);
    expect(unit.ok && Array.from(unit.vector)).toEqual([
      expect.closeTo(0.6, 6),
      expect.closeTo(0.8, 6),
    ]);
    expect(reasonOf(checkEmbedding([1, Number.NaN], 2))).toBe('EMBEDDING_NOT_FINITE');
    expect(reasonOf(checkEmbedding([0, 0], 2))).toBe('EMBEDDING_ZERO');
    expect(reasonOf(checkEmbedding([1, 2, 3], 2))).toBe('EMBEDDING_DIMENSIONS');
  });

  it('takes one chunk embedding per chunk of the content, or none', () => {
    const document = longDocument();
    const chunks = chunkSpans(document).length;
    const vectors = Array.from({ length: chunks }, (_, i) => [1, i]);
    const taken = checkChunkEmbeddings(document, vectors, 2);
    expect(taken.ok && taken.vectors).toHaveLength(chunks);
    expect(checkChunkEmbeddings(document, null, 2)).toEqual({ ok: true, vectors: null });
    expect(checkChunkEmbeddings(document, [[1, 0]], 2)).toEqual({ ok: true, vectors: null });
    expect(checkChunkEmbeddings(document, vectors.slice(1), 2)).toMatchObject({
      reason: 'CHUNKS_MISMATCH',
      field: 'chunkEmbeddings',
    });
    expect(checkChunkEmbeddings(document, [[0, 0], ...vectors.slice(1)], 2)).toMatchObject({
      reason: 'EMBEDDING_ZERO',
      field: 'chunkEmbeddings',
    });
  });
});
