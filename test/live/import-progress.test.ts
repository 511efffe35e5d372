import { describe, expect, it } from 'vitest';
// The module itself (it is internal to the package), with the error class of the same copy.
import { MemoryRouterError } from '../../packages/client/src/errors';
import { readImportResponse, type ServerProgress } from '../../packages/client/src/import-progress';

/** A streamed answer whose bytes arrive in the given pieces. */
function streamed(pieces: string[], contentType = 'application/x-ndjson; charset=utf-8'): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': contentType } });
}

/**
 * The one parser of import answers: today's single JSON report, and the
 * NDJSON progress stream a server may send when asked for it.
 */
describe('readImportResponse', () => {
  it('reads a single JSON report', async () => {
    const report = {
      imported: 2,
      skipped: 1,
      failed: 0,
      failures: [],
      memoryTokens: 14,
      embeddingModel: 'use-lite-static-384@1',
      dimensions: 384,
    };
    expect(await readImportResponse(Response.json(report), () => {})).toEqual(report);
    // A server from before memoryTokens: nothing billed is said, so 0; the vault's kind unknown.
    const older = { imported: 2, skipped: 1, failed: 0, failures: [] };
    expect(await readImportResponse(Response.json(older), () => {})).toEqual({
      ...older,
      memoryTokens: 0,
      embeddingModel: null,
      dimensions: null,
    });
  });

  it('follows NDJSON progress, even with lines split across chunks, then returns the report', async () => {
    const seen: ServerProgress[] = [];
    const report = await readImportResponse(
      streamed([
        '{"type":"progress","line":100,"imp',
        'orted":100,"skipped":0,"failed":0}\n{"type":"progress","line":200,"imported":199,',
        '"skipped":0,"failed":1}\n',
        '{"type":"report","imported":250,"skipped":0,"failed":1,"failures":[{"line":7,"reason":"not valid JSON"}]}',
      ]),
      (progress) => seen.push(progress),
    );
    expect(seen.map((progress) => progress.line)).toEqual([100, 200]);
    expect(report).toEqual({
      imported: 250,
      skipped: 0,
      failed: 1,
      failures: [{ line: 7, reason: 'not valid JSON' }],
      memoryTokens: 0,
      embeddingModel: null,
      dimensions: null,
    });
  });

  it('raises the coded error a stream ends with, and a stream cut before its report', async () => {
    const stopped = await readImportResponse(
      streamed([
        '{"type":"progress","line":100,"imported":100,"skipped":0,"failed":0}\n',
        '{"type":"error","error":{"code":"PAYMENT_REQUIRED","message":"account suspended","reason":"SUSPENDED"}}\n',
      ]),
      () => {},
    ).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(MemoryRouterError);
    expect(stopped).toMatchObject({ code: 'PAYMENT_REQUIRED', reason: 'SUSPENDED' });

    const cut = await readImportResponse(
      streamed(['{"type":"progress","line":100,"imported":100,"skipped":0,"failed":0}\n']),
      () => {},
    ).catch((error: unknown) => error);
    expect(cut).toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('raises the server refusal of a failed request', async () => {
    const refused = await readImportResponse(
      Response.json(
        { error: { code: 'UNAUTHENTICATED', message: 'send your memory key' } },
        { status: 401 },
      ),
      () => {},
    ).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});
