import type { MeteredContext } from './request-context';
import { CodedError, failure } from '../core/errors';
import { EmbeddingRefused } from '../embed/embedding-errors';
import { CALLER_SUPPLIED_MODEL, CALLER_SUPPLIED_WAY_OUT } from '../embed/embedder';
import { MAX_STORE_BATCH } from '../core/limits';
import { nextTurn } from '../core/next-turn';
import { maxImportLineBytes } from '../vaults/jsonl';
import type { VaultAddress } from '../vaults/address';
import { parseLine, readImportHeader } from '../vaults/jsonl';
import type { RawLine } from '../vaults/line-splitter';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkEmbeddingLength,
  checkMetadata,
  checkSuperseded,
  type Refusal,
} from '../vaults/memory-rules';
import { refusalError, storeBatch, type StoreInput } from './store-memories';
import { vaultStub } from '../durable/rpc/stubs';

/** Lines stored per store call during an import. */
export const IMPORT_BATCH = MAX_STORE_BATCH;
/** A batch is also sent once its lines hold this many bytes, so it stays small in memory. */
const IMPORT_BATCH_BYTES = 1024 * 1024;
/** Progress is also reported after this many lines, even when none was stored. */
const PROGRESS_EVERY_LINES = 1_000;
/** Failed lines listed in an import report (`failed` counts them all). */
export const MAX_REPORTED_FAILURES = 100;

export interface ImportFailure {
  line: number;
  /** What is wrong, for a person. */
  reason: string;
  /** What is wrong, for a program: a stable code such as INVALID_JSON or CREATED_AT_RANGE. */
  code: string;
  /** Seconds to wait before sending the line again, when a rate limit refused it (EMBEDDING_RATE_LIMITED). */
  retryAfter?: number;
}

export interface ImportReport {
  imported: number;
  /** Memories the vault already had (same id): importing an export twice changes nothing. */
  skipped: number;
  failed: number;
  failures: ImportFailure[];
  /** Memory tokens billed for the memories stored (the tokens of their content). */
  memoryTokens: number;
  /**
   * The kind of vector the vault holds after the import (`caller-supplied`
   * when the file's vectors were the caller's own), and their size; null
   * while the vault holds nothing.
   */
  embeddingModel: string | null;
  dimensions: number | null;
}

export interface ImportProgress {
  /** The last line read so far. */
  line: number;
  imported: number;
  skipped: number;
  failed: number;
}

/** A line to import: raw bytes from an upload, or text already decoded (KV migration). */
export type ImportLine = RawLine | { number: number; text: string };

interface Pending {
  line: number;
  input: StoreInput;
}

/**
 * Imports lines into one vault. Every line is checked completely on its own
 * (size, UTF-8, JSON shape, content, time, id, embedding, duplicates within
 * the file) before anything is stored; valid lines are stored in batches and
 * invalid ones reported by line number, so one bad line never costs another
 * line its place. A header line (the export format's first line) is read, not
 * counted. Lines whose id the vault already holds are skipped.
 *
 * `standing` (a key's import: keyStandingCheck) is asked before each batch
 * is stored: once the key is revoked or its account suspended, the import
 * ends with that error, the batches stored before staying stored. A clear
 * of the vault ends it the same way, as NOT_FOUND / VAULT_CLEARED, and a
 * restore as NOT_FOUND / VAULT_RESTORED: it is open on the vault while it
 * runs (durable/vault/vault-imports.ts).
 */
export async function importMemories(
  context: MeteredContext,
  address: VaultAddress,
  lines: AsyncIterable<ImportLine>,
  onProgress: (progress: ImportProgress) => Promise<void> | void = () => {},
  standing: () => Promise<CodedError | null> = async () => null,
): Promise<ImportReport> {
  // Open on the vault while it runs, so a clear of the vault ends it
  // (durable/vault/vault-imports.ts): its batches carry the id.
  const vault = vaultStub(context.env, address);
  const opened = await vault.openImport(address);
  if (!opened.ok) throw CodedError.from(opened);
  try {
    return await importOpen(context, address, lines, onProgress, standing, opened.importId);
  } finally {
    await vault.closeImport(address, opened.importId).catch(() => {});
  }
}

async function importOpen(
  context: MeteredContext,
  address: VaultAddress,
  lines: AsyncIterable<ImportLine>,
  onProgress: (progress: ImportProgress) => Promise<void> | void,
  standing: () => Promise<CodedError | null>,
  importId: string,
): Promise<ImportReport> {
  const report: ImportReport = {
    imported: 0,
    skipped: 0,
    failed: 0,
    failures: [],
    memoryTokens: 0,
    embeddingModel: null,
    dimensions: null,
  };
  const fail = (line: number, error: unknown) => {
    report.failed++;
    if (report.failures.length >= MAX_REPORTED_FAILURES) return;
    report.failures.push(
      error instanceof CodedError
        ? {
            line,
            reason: error.message,
            code: error.reason ?? error.code,
            ...(typeof error.details.retryAfter === 'number'
              ? { retryAfter: error.details.retryAfter }
              : {}),
          }
        : { line, reason: 'unreadable line', code: 'INVALID_LINE' },
    );
  };
  const selector = { kind: address.kind, id: address.externalId };
  const maxLineBytes = maxImportLineBytes(context.config.maxContentBytes);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stats = await context.vaults.statsOf(address);
  /** Dimensions every vector must have: the vault's, else those of the first line kept. */
  let dimensions = stats.dimensions;
  /**
   * The model the file's vectors were made with, from its header (an export
   * names its vault's): they are stored as that model's, so the vault keeps
   * its kind (and re-embeds them after a model change); absent or
   * `caller-supplied`: the caller's own vectors.
   */
  let fileModel: string | null = null;
  /** The size the header gives the file's vectors: a line's own embedding must have it. */
  let fileDimensions: number | null = null;
  /** Only the file's first line may be its header. */
  let headerAllowed = true;
  /** A header the import cannot trust: the whole file is refused, before anything is stored. */
  let badHeader: unknown = null;
  /** The kind of vector the vault holds (vault-rules.ts), else the first line kept gives. */
  let kind = stats.embeddingModel;
  /** Ids kept so far (stored or pending), with their line, to refuse repeats within the file. */
  const seen = new Map<string, number>();
  let full: CodedError | null = null;
  let batch: Pending[] = [];
  let batchBytes = 0;
  let lastLine = 0;
  let reportedLine = 0;

  const store = async (pending: Pending[]) => {
    const lost = await standing();
    if (lost !== null) throw lost;
    try {
      // Refusals name no input: the report gives the line.
      const { memories: stored } = await storeBatch(
        context,
        pending.map(({ input }) => input),
        () => null,
        [],
        null,
        importId,
      );
      report.imported += pending.length;
      // An import never replays (it has no idempotency key): every stored memory is billed.
      report.memoryTokens += stored.reduce((sum, { record }) => sum + record.tokens, 0);
    } catch (error) {
      // A suspended account, a key revoked with its vaults deleted under
      // the import (storeMemories took the batch back), or the vault cleared
      // or restored (vault-imports.ts): no line can go in.
      if (
        !(error instanceof CodedError) ||
        error.code === 'PAYMENT_REQUIRED' ||
        error.reason === 'KEY_REVOKED' ||
        error.reason === 'VAULT_CLEARED' ||
        error.reason === 'VAULT_RESTORED' ||
        error.reason === 'RESTORE_IN_PROGRESS'
      )
        throw error;
      // The embedder failed (or limits us): every line of the batch with it,
      // rather than one more call per line to a model that is not answering.
      // A refused text (EmbeddingRefused) is found line by line, as below.
      if (
        pending.length === 1 ||
        error.code === 'RATE_LIMITED' ||
        (error.reason === 'EMBEDDING_FAILED' && !(error instanceof EmbeddingRefused))
      ) {
        for (const item of pending) fail(item.line, error);
        if (error.reason === 'VAULT_FULL') full = error;
        return;
      }
      // Checked lines are refused only by what the vault alone knows (it
      // filled up, or holds vectors of another model): find which, line by line.
      for (const item of pending) {
        if (full !== null) fail(item.line, full);
        else await store([item]);
      }
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    batchBytes = 0;
    const ids = pending.flatMap(({ input }) => (input.id ? [input.id] : []));
    // Asked as this import: a restore that ended it answers VAULT_RESTORED
    // even mid-swap, not RESTORE_IN_PROGRESS, which would tell it to retry.
    const held =
      ids.length === 0
        ? []
        : (await context.vaults.readForImport(address, { type: 'get', ids }, importId)).memories;
    const existing = new Set(held.map((memory) => memory.id));
    const fresh = pending.filter(({ input }) => !(input.id && existing.has(input.id)));
    report.skipped += pending.length - fresh.length;
    if (fresh.length > 0) await store(fresh);
    context.vaults.invalidate(address);
    await progress();
  };
  const progress = async () => {
    reportedLine = lastLine;
    await onProgress({ line: lastLine, ...counts(report) });
    // A slice ends here (a batch, or a thousand lines): the isolate serves
    // the requests that came meanwhile, and sends this progress line, before
    // the next one. Without it a 30,000-line import held the isolate until
    // it ended: /health waited seconds and the progress lines left in one
    // burst at the end (review267 F2, review269).
    await nextTurn();
  };

  for await (const line of lines) {
    lastLine = line.number;
    try {
      const text = readText(line, maxLineBytes, decoder);
      if (text.trim() === '') continue;
      const first = headerAllowed;
      headerAllowed = false;
      const parsed = parseLine(text);
      if (parsed.type === 'header') {
        if (!first) {
          throw new CodedError(
            'BAD_USER_INPUT',
            "a header line belongs only at the top of the file (each request's first line)",
            'INVALID_HEADER',
          );
        }
        try {
          const header = readImportHeader(parsed.header);
          checkHeaderAgainst(header, context.embedder);
          const model = header.embeddingModel;
          fileModel = model !== null && model !== CALLER_SUPPLIED_MODEL ? model : null;
          fileDimensions = header.dimensions;
        } catch (error) {
          badHeader = error;
          throw error;
        }
        continue;
      }
      if (full !== null) throw full;
      const { memory } = parsed;
      const now = Date.now();
      refuseOn(checkContent(memory.content, context.config.maxContentBytes));
      const metadata = checkMetadata(memory.metadata);
      if (!metadata.ok) refuseOn(metadata);
      if (memory.createdAt !== null) refuseOn(checkCreatedAt(memory.createdAt, now));
      refuseOn(
        checkSuperseded(memory.createdAt ?? now, memory.validUntil, memory.supersededBy, now),
      );
      const lineKind =
        memory.embedding === null ? context.embedder.model : (fileModel ?? CALLER_SUPPLIED_MODEL);
      refuseOn(kindMismatch(kind, lineKind, context.embedder.model));
      const vectorDims = memory.embedding?.length ?? context.embedder.dimensions;
      if (memory.embedding !== null) {
        refuseOn(checkEmbeddingLength(memory.embedding));
        if (fileDimensions !== null && memory.embedding.length !== fileDimensions) {
          throw new CodedError(
            'BAD_USER_INPUT',
            `embedding has ${memory.embedding.length} dimensions; the file's header says ${fileDimensions}`,
            'EMBEDDING_DIMENSIONS',
          );
        }
        const checked = checkEmbedding(memory.embedding, dimensions ?? vectorDims);
        if (!checked.ok) refuseOn(checked);
        const chunks = checkChunkEmbeddings(memory.content, memory.chunkEmbeddings, vectorDims);
        if (!chunks.ok) refuseOn(chunks);
      } else if (dimensions !== null && dimensions !== vectorDims) {
        throw new CodedError(
          'BAD_USER_INPUT',
          `this vault holds ${dimensions}-dimensional vectors; a line without an embedding gets ${vectorDims} from the deployment's embedder`,
          'EMBEDDING_DIMENSIONS',
        );
      }
      if (memory.id !== null) {
        const first = seen.get(memory.id);
        if (first !== undefined) {
          throw new CodedError(
            'BAD_USER_INPUT',
            `id ${memory.id} already appears on line ${first}`,
            'DUPLICATE_ID',
          );
        }
        seen.set(memory.id, line.number);
      }
      dimensions ??= vectorDims;
      kind ??= lineKind;
      batch.push({
        line: line.number,
        input: {
          vault: selector,
          content: memory.content,
          role: memory.role,
          metadata: memory.metadata,
          // A superseded line is stored with the time it was checked against,
          // so the store's own check of validUntil sees the same createdAt.
          createdAt:
            memory.createdAt !== null
              ? new Date(memory.createdAt)
              : memory.validUntil !== null
                ? new Date(now)
                : null,
          embedding: memory.embedding,
          chunkEmbeddings: memory.chunkEmbeddings,
          embeddingModel: memory.embedding === null ? null : fileModel,
          id: memory.id,
          validUntil: memory.validUntil === null ? null : new Date(memory.validUntil),
          supersededBy: memory.supersededBy,
        },
      });
      batchBytes += text.length;
    } catch (error) {
      if (error === badHeader) throw error;
      fail(line.number, error);
    }
    if (batch.length >= IMPORT_BATCH || batchBytes >= IMPORT_BATCH_BYTES) await flush();
    else if (lastLine - reportedLine >= PROGRESS_EVERY_LINES) await progress();
  }
  await flush();
  const after = await context.vaults.statsOf(address);
  report.embeddingModel = after.embeddingModel;
  report.dimensions = after.dimensions;
  return report;
}

/**
 * A header naming the deployment's own model with another size cannot be
 * right: every vector of the file would be refused, or worse, fix the size
 * of a fresh vault.
 */
function checkHeaderAgainst(
  header: { embeddingModel: string | null; dimensions: number | null },
  embedder: { model: string; dimensions: number },
): void {
  if (
    header.embeddingModel === embedder.model &&
    header.dimensions !== null &&
    header.dimensions !== embedder.dimensions
  ) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `the header line says model ${embedder.model} has ${header.dimensions} dimensions; it has ${embedder.dimensions}`,
      'INVALID_HEADER',
    );
  }
}

/**
 * A line whose vector is the caller's own where the vault holds the
 * deployment's, or the other way round: refused here, by line, instead of
 * failing its batch in the vault and being retried line by line there. Other
 * model differences (a re-embedding under way) are the vault's to judge.
 */
function kindMismatch(held: string | null, line: string, deployment: string): Refusal | null {
  const own = (kind: string) => kind === CALLER_SUPPLIED_MODEL;
  if (held === null || own(held) === own(line)) return null;
  return {
    ...failure(
      'BAD_USER_INPUT',
      own(held)
        ? `this vault holds caller-supplied vectors; a line without an embedding would get the deployment's embedding model ${deployment} (${CALLER_SUPPLIED_WAY_OUT})`
        : `this vault holds vectors of embedding model ${held}; a line's own embedding is caller-supplied (an export's header names its model)`,
      'EMBEDDING_MISMATCH',
    ),
    field: 'embedding',
  };
}

/** Throws a line's refusal as the error the report records. */
function refuseOn(refusal: Refusal | null): void {
  if (refusal !== null) throw refusalError(refusal, null);
}

function readText(line: ImportLine, maxLineBytes: number, decoder: TextDecoder): string {
  if ('text' in line) return line.text;
  if (line.bytes === null) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `line is ${line.length} bytes; the limit is ${maxLineBytes}`,
      'LINE_TOO_LONG',
    );
  }
  try {
    return decoder.decode(line.bytes);
  } catch {
    throw new CodedError('BAD_USER_INPUT', 'line is not valid UTF-8', 'INVALID_TEXT');
  }
}

function counts(report: ImportReport): Omit<ImportProgress, 'line'> {
  return { imported: report.imported, skipped: report.skipped, failed: report.failed };
}
