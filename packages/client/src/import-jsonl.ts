import type { VaultSelector } from './generated/graphql.js';
import { MemoryRouterError } from './errors.js';
import { IMPORT_ACCEPT, readImportResponse } from './import-progress.js';
import type { ImportReport } from './import-progress.js';
import type { Transport } from './transport.js';
import { vaultRoute } from './vault-paths.js';

/** Progress of a whole import, across its requests. */
export interface ImportProgress {
  /** Lines of the file the server has handled so far. */
  linesDone: number;
  totalLines: number;
  imported: number;
  skipped: number;
  failed: number;
}

export interface ImportOptions {
  /** Called after each part of the file is handled (and on streamed progress). */
  onProgress?: (progress: ImportProgress) => void;
  /** Lines per request (default 500); a request also stops at about 1 MiB. */
  linesPerRequest?: number;
  signal?: AbortSignal;
}

const MAX_PART_BYTES = 1 << 20;

/**
 * Imports a JSONL file (an export, or minimal `{"content": …}` lines) into a
 * vault. The file is sent in parts of whole lines, one POST …/import each, so
 * progress is real with any server and no request grows large; the server
 * stores each part in all-or-nothing batches and skips ids the vault already
 * has, so a re-run after an interruption imports only what is missing. Line
 * numbers in the report are the file's own.
 */
export async function importJsonl(
  transport: Transport,
  selector: VaultSelector,
  file: string | Blob,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const text = typeof file === 'string' ? file : await file.text();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const url = transport.baseUrl + vaultRoute(selector, 'import');
  const total: ImportReport = {
    imported: 0,
    skipped: 0,
    failed: 0,
    failures: [],
    memoryTokens: 0,
    embeddingModel: null,
    dimensions: null,
  };
  // A server that streams progress reports a part's last line before the
  // part's report arrives: the same step is told once.
  let last = '';
  const report = (linesDone: number, current = { imported: 0, skipped: 0, failed: 0 }) => {
    const step: ImportProgress = {
      linesDone,
      totalLines: lines.length,
      imported: total.imported + current.imported,
      skipped: total.skipped + current.skipped,
      failed: total.failed + current.failed,
    };
    const key = JSON.stringify(step);
    if (key === last) return;
    last = key;
    options.onProgress?.(step);
  };
  // An export's header names the model its vectors were made with; the
  // server reads each request as a file of its own, so every later part
  // carries the header again (else its vectors would count as the caller's
  // own and a vault of that model would refuse them), one line ahead of the
  // file's own numbering.
  // The server checks a header's count and checksum against the lines of
  // one request; a part holds only some of them, so the whole file is
  // checked here, before anything is sent, and the parts go without both.
  const exported = isExportHeader(lines[0]);
  const trailerAt = exported ? trailerIndex(lines) : -1;
  const header = exported ? await checkedHeader(lines, trailerAt) : undefined;
  // The export's last line (the trailer) was checked with the header; the
  // server is sent memory lines only.
  if (trailerAt !== -1) lines.splice(trailerAt, 1);
  report(0);
  for (const { start, part } of parts(lines, options.linesPerRequest ?? 500)) {
    const repeated = header !== undefined && start > 0 ? 1 : 0;
    const sent = header !== undefined ? [header, ...(start > 0 ? part : part.slice(1))] : part;
    const response = await transport.send(url, {
      method: 'POST',
      headers: transport.headers({
        'content-type': 'application/x-ndjson',
        accept: IMPORT_ACCEPT,
      }),
      body: `${sent.join('\n')}\n`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const result = await readImportResponse(response, (progress) =>
      report(start + Math.max(0, progress.line - repeated), progress),
    );
    total.imported += result.imported;
    total.skipped += result.skipped;
    total.failed += result.failed;
    total.memoryTokens += result.memoryTokens;
    total.embeddingModel = result.embeddingModel;
    total.dimensions = result.dimensions;
    for (const failure of result.failures)
      total.failures.push({ ...failure, line: failure.line - repeated + start });
    report(start + part.length);
  }
  return total;
}

/**
 * An export's header with its `count` and `checksum` (or those of its trailer,
 * at `trailerAt`, -1 for none) checked against the file's memory lines
 * (SHA-256 of each non-blank line and its newline, as the exporter writes
 * them) and then left out; refused before anything is sent when they do not
 * match, as the server refuses such a file.
 */
async function checkedHeader(lines: readonly string[], trailerAt: number): Promise<string> {
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  const trailer =
    trailerAt === -1 ? null : (JSON.parse(lines[trailerAt]!) as Record<string, unknown>);
  const memoryLines = lines
    .slice(1, trailerAt === -1 ? undefined : trailerAt)
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '');
  const refuse = (message: string, reason: string) =>
    new MemoryRouterError('BAD_USER_INPUT', `${message}; nothing was imported`, reason, undefined);
  // A streamed export states its checksum (null in the header) in its last line.
  if (header.checksum === null && trailer === null) {
    throw refuse(
      "the file ends without the export's last line (its trailer): it was cut short",
      'COUNT_MISMATCH',
    );
  }
  const count = trailer?.count ?? header.count;
  const checksum = trailer?.checksum ?? header.checksum;
  if (typeof count === 'number' && count !== memoryLines.length) {
    throw refuse(
      `the file says ${count} memory lines; it has ${memoryLines.length}`,
      'COUNT_MISMATCH',
    );
  }
  if (typeof checksum === 'string') {
    const bytes = new TextEncoder().encode(memoryLines.map((line) => `${line}\n`).join(''));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
    if (checksum !== `sha256:${hex}`) {
      throw refuse(
        "the memory lines do not match the file's checksum (a line was changed, added or lost)",
        'CHECKSUM_MISMATCH',
      );
    }
  }
  delete header.count;
  delete header.checksum;
  return JSON.stringify(header);
}

/** Where the export's trailer is: its last non-blank line, when that is one; else -1. */
function trailerIndex(lines: readonly string[]): number {
  let at = lines.length - 1;
  while (at > 0 && lines[at]!.trim() === '') at--;
  if (at <= 0 || !isExportHeader(lines[at])) return -1;
  return (JSON.parse(lines[at]!) as { trailer?: unknown }).trailer === true ? at : -1;
}

/** Whether a line is the export format's header (`{"format":"memoryrouter.vault",…}`). */
function isExportHeader(line: string | undefined): boolean {
  if (line === undefined) return false;
  try {
    const parsed = JSON.parse(line) as unknown;
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as { format?: unknown }).format === 'memoryrouter.vault'
    );
  } catch {
    return false;
  }
}

/** Consecutive runs of whole lines, each at most `maxLines` and about MAX_PART_BYTES. */
function* parts(lines: string[], maxLines: number): Generator<{ start: number; part: string[] }> {
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let bytes = 0;
    while (end < lines.length && end - start < maxLines) {
      bytes += lines[end]!.length + 1;
      if (bytes > MAX_PART_BYTES && end > start) break;
      end++;
    }
    yield { start, part: lines.slice(start, end) };
    start = end;
  }
}
