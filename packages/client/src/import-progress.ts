import { fromFailedResponse, MemoryRouterError } from './errors.js';
import type { ErrorCode } from './errors.js';

/** What an import did, as the server reports it. */
export interface ImportReport {
  imported: number;
  skipped: number;
  failed: number;
  /** The refused lines (the server lists the first hundred per request), 1-based. */
  failures: { line: number; reason: string; code?: string }[];
  /** Memory tokens billed for the memories stored (0 from a server that does not say). */
  memoryTokens: number;
  /**
   * The kind of vector the vault holds afterwards (`caller-supplied`: your
   * own, so plain text is refused there) and their size; null while empty or
   * when the server does not say.
   */
  embeddingModel: string | null;
  dimensions: number | null;
}

/** Counts so far, reported while an import runs. `line` is the last line the server has read. */
export interface ServerProgress {
  line: number;
  imported: number;
  skipped: number;
  failed: number;
}

/** `Accept` for an import: streamed progress where the server offers it, else one JSON report. */
export const IMPORT_ACCEPT = 'application/x-ndjson, application/json;q=0.9';

/**
 * Reads the answer to one POST …/import: either one JSON report, or (where
 * the server streams progress) NDJSON lines `{"type":"progress",…}`, then
 * `{"type":"report",…}` or `{"type":"error","error":{code,message,reason}}`.
 * This is the one place that knows the wire format of import progress.
 */
export async function readImportResponse(
  response: Response,
  onProgress: (progress: ServerProgress) => void,
): Promise<ImportReport> {
  if (!response.ok) throw await fromFailedResponse(response);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('ndjson') || response.body === null)
    return asReport(await response.json());
  let report: ImportReport | null = null;
  for await (const line of ndjsonLines(response.body)) {
    const event = JSON.parse(line) as { type?: string } & Record<string, unknown>;
    if (event.type === 'progress') onProgress(event as unknown as ServerProgress);
    else if (event.type === 'report') report = asReport(event);
    else if (event.type === 'error') {
      const error = (event.error ?? {}) as Record<string, unknown>;
      throw new MemoryRouterError(
        (error.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR',
        String(error.message ?? 'the import stopped'),
        typeof error.reason === 'string' ? error.reason : undefined,
        response.status,
        error,
      );
    }
  }
  if (report === null)
    throw new MemoryRouterError(
      'NETWORK_ERROR',
      'the import stream ended before its report',
      undefined,
      response.status,
    );
  return report;
}

function asReport(value: unknown): ImportReport {
  const body = value as Partial<ImportReport>;
  if (typeof body.imported !== 'number')
    throw new MemoryRouterError(
      'UNEXPECTED_RESPONSE',
      'the import answer has no report',
      undefined,
      undefined,
    );
  return {
    imported: body.imported,
    skipped: body.skipped ?? 0,
    failed: body.failed ?? 0,
    failures: body.failures ?? [],
    memoryTokens: body.memoryTokens ?? 0,
    embeddingModel: body.embeddingModel ?? null,
    dimensions: body.dimensions ?? null,
  };
}

async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield line;
      }
    }
    if (buffered.trim() !== '') yield buffered.trim();
  } finally {
    reader.releaseLock();
  }
}
