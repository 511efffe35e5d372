import { describe, expect, it } from 'vitest';
import { RevokeMemoryKeyDocument } from '../generated/graphql';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

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

/** A streamed import whose body the test writes batch by batch, reading its NDJSON events. */
async function openImport(secret: string, id: string) {
  const body = new TransformStream<Uint8Array, Uint8Array>();
  const writer = body.writable.getWriter();
  const encoder = new TextEncoder();
  const response = await workerFetch(`${BASE_URL}/v1/vaults/session/${id}/import`, {
    method: 'POST',
    body: body.readable,
    headers: { authorization: `Bearer ${secret}`, accept: 'application/x-ndjson' },
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const events: Record<string, unknown>[] = [];
  /** Reads events until one matches `until`; returns it. */
  const readUntil = async (until: (event: Record<string, unknown>) => boolean) => {
    for (;;) {
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        const event = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        events.push(event);
        if (until(event)) return event;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error(`stream ended: ${JSON.stringify(events)}`);
      buffered += value;
    }
  };
  return {
    send: (text: string) => writer.write(encoder.encode(text)),
    close: () => writer.close(),
    readUntil,
    events,
  };
}

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
