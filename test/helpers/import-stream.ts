import { expect } from 'vitest';
import { BASE_URL, workerFetch } from './graphql';

/**
 * A streamed import (POST /v1/vaults/session/:id/import) whose body the test
 * writes piece by piece, reading its NDJSON events as they come: what a
 * test of an import under way needs, to act between its batches.
 */
export async function openImport(secret: string, id: string) {
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

/** Lines per batch of an import (resolvers/import-memories.ts): a progress event follows each. */
export const IMPORT_BATCH = 100;

/** `count` NDJSON import lines of distinct contents, numbered from `from`. */
export function importLines(from: number, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${JSON.stringify({ content: `imported line ${from + i}` })}\n`,
  ).join('');
}

/**
 * An import into SESSION `id` that something meets mid-way: its first batch
 * lands (its progress is read), then `between` runs (a clear, a restore, a
 * revocation), then `after` more lines are sent and the body closed. Returns
 * the import's last event (its report, or the error that ended it) and the
 * upload, whose `events` hold every progress line.
 */
export async function importAcross(
  secret: string,
  id: string,
  between: () => Promise<unknown>,
  after = IMPORT_BATCH,
) {
  const upload = await openImport(secret, id);
  await upload.send(importLines(0, IMPORT_BATCH));
  await upload.readUntil((event) => event.type === 'progress' && event.imported === IMPORT_BATCH);
  await between();
  await upload.send(importLines(IMPORT_BATCH, after));
  await upload.close();
  const last = await upload.readUntil((event) => event.type !== 'progress');
  return { last, upload };
}
