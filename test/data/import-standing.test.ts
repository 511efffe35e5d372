import { describe, expect, it } from 'vitest';
import { RevokeMemoryKeyDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { IMPORT_BATCH as BATCH, importAcross } from '../helpers/import-stream';

/**
 * An import under way asks about its key before each batch (review269 F7):
 * a revocation ends it with a coded error line in its own progress stream,
 * what was stored before staying stored.
 */

describe('an import under way obeys its key', () => {
  it('ends with KEY_REVOKED in its progress stream once the key is revoked; the batch before stays', async () => {
    // Before: the import went on storing (and billing) every batch after revokeMemoryKey.
    const { secret, keyId, admin } = await newKey();
    const { last, upload } = await importAcross(secret, 'revoked-mid', () =>
      admin.request(RevokeMemoryKeyDocument, { id: keyId }),
    );
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
    });
    // Nothing after the revocation was stored: no progress beyond the first batch.
    expect(upload.events.filter((event) => Number(event.imported) > BATCH)).toEqual([]);
  });
});
