import { describe, expect, it } from 'vitest';
import { RevokeMemoryKeyDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { openImport } from '../helpers/import-stream';

/**
 * An import under way asks about its key before each batch (review269 F7):
 * a revocation ends it with a coded error line in its own progress stream,
 * what was stored before staying stored.
 */

const BATCH = 100;

const lines = (from: number, count: number) =>
  Array.from(
    { length: count },
    (_, i) => `${JSON.stringify({ content: `imported line ${from + i}` })}\n`,
  ).join('');

describe('an import under way obeys its key', () => {
  it('ends with KEY_REVOKED in its progress stream once the key is revoked; the batch before stays', async () => {
    // Before: the import went on storing (and billing) every batch after revokeMemoryKey.
    const { secret, keyId, admin } = await newKey();
    const upload = await openImport(secret, 'revoked-mid');
    await upload.send(lines(0, BATCH));
    await upload.readUntil((event) => event.type === 'progress' && event.imported === BATCH);
    await admin.request(RevokeMemoryKeyDocument, { id: keyId });
    await upload.send(lines(BATCH, BATCH));
    await upload.close();
    const last = await upload.readUntil((event) => event.type !== 'progress');
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
    });
    // Nothing after the revocation was stored: no progress beyond the first batch.
    expect(upload.events.filter((event) => Number(event.imported) > BATCH)).toEqual([]);
  });
});
