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
