import { CodedError } from '../errors';
import { vaultStub } from '../resolvers/vault-loader';
import { addressFor } from '../resolvers/principal';
import { storeMemories, type StoreInput } from '../resolvers/store-memories';
import { parseLine, readLines } from '../vaults/jsonl';
import type { VaultAddress, VaultKind } from '../vaults/address';
import type { RequestContext } from '../context';
import { HTTP_STATUS, routeContext } from './chat-route';

/** Lines stored per all-or-nothing batch during an import. */
export const IMPORT_BATCH = 100;
/** Failed lines listed in an import report (the count covers them all). */
const MAX_REPORTED_FAILURES = 100;

const ROUTE = /^\/v1\/vaults\/(core|session|ephemeral)(?:\/([^/]+))?\/(export|import)$/;

export function matchVaultRoute(
  pathname: string,
): { kind: VaultKind; id: string | null; action: 'export' | 'import' } | null {
  const match = ROUTE.exec(pathname);
  if (match === null) return null;
  return {
    kind: match[1]!.toUpperCase() as VaultKind,
    id: match[2] === undefined ? null : decodeURIComponent(match[2]),
    action: match[3] as 'export' | 'import',
  };
}

/** The path of a vault's export (linked from the GraphQL Vault type). */
export function exportPath(address: Pick<VaultAddress, 'kind' | 'externalId'>): string {
  const id = address.externalId === null ? '' : `/${encodeURIComponent(address.externalId)}`;
  return `/v1/vaults/${address.kind.toLowerCase()}${id}/export`;
}

const jsonError = (error: CodedError) =>
  Response.json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.reason ? { reason: error.reason } : {}),
      },
    },
    { status: HTTP_STATUS[error.code] },
  );

/**
 * GET  /v1/vaults/{core | session/{id} | ephemeral/{id}}/export — the vault as JSONL
 * POST /v1/vaults/{…}/import — JSONL in (the export format or {content, role, timestamp})
 * Both authenticate with the memory key (Authorization: Bearer mk_…).
 */
export async function handleVaultRoute(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  route: { kind: VaultKind; id: string | null; action: 'export' | 'import' },
): Promise<Response> {
  try {
    const context = await routeContext(request, env, ctx);
    const address = addressFor(context, { kind: route.kind, id: route.id });
    if (route.action === 'export') {
      if (request.method !== 'GET') throw new CodedError('BAD_USER_INPUT', 'use GET to export');
      return await exportVault(context, address);
    }
    if (request.method !== 'POST') throw new CodedError('BAD_USER_INPUT', 'use POST to import');
    if (request.body === null)
      throw new CodedError('BAD_USER_INPUT', 'send the JSONL as the request body');
    return Response.json(await importVault(context, address, readLines(request.body)));
  } catch (error) {
    if (error instanceof CodedError) return jsonError(error);
    throw error;
  }
}

/** Snapshots the vault now and streams that snapshot: a consistent file whose checksum holds. */
async function exportVault(context: RequestContext, address: VaultAddress): Promise<Response> {
  const written = await vaultStub(context.env, address).snapshot(address);
  if (!written.ok) throw CodedError.from(written);
  const object = await context.env.SNAPSHOTS.get(written.snapshot.key);
  if (object === null) throw new CodedError('NOT_FOUND', 'the snapshot disappeared; try again');
  const name =
    address.externalId === null
      ? address.kind.toLowerCase()
      : `${address.kind.toLowerCase()}-${address.externalId}`;
  return new Response(object.body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-length': String(object.size),
      'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl"`,
      'x-memory-count': String(written.snapshot.count),
      'x-checksum': written.snapshot.checksum,
    },
  });
}

export interface ImportReport {
  imported: number;
  skipped: number;
  failed: number;
  failures: { line: number; reason: string }[];
}

/**
 * Streams lines in, checks each, and stores them in batches of IMPORT_BATCH,
 * each batch all or nothing. Lines carrying the id of a memory the vault
 * already has are skipped, so importing an export twice changes nothing.
 */
export async function importVault(
  context: RequestContext,
  address: VaultAddress,
  lines: AsyncIterable<string>,
): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, skipped: 0, failed: 0, failures: [] };
  const fail = (line: number, reason: string) => {
    report.failed++;
    if (report.failures.length < MAX_REPORTED_FAILURES) report.failures.push({ line, reason });
  };
  const selector = { kind: address.kind, id: address.externalId };
  let batch: { line: number; input: StoreInput }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    const ids = pending.flatMap(({ input }) => (input.id ? [input.id] : []));
    const existing = new Set(
      ids.length === 0
        ? []
        : (await context.vaults.read(address, { type: 'get', ids })).memories.map(
            (memory) => memory.id,
          ),
    );
    context.vaults.invalidate(address);
    const fresh = pending.filter(({ input }) => !(input.id && existing.has(input.id)));
    report.skipped += pending.length - fresh.length;
    if (fresh.length === 0) return;
    try {
      await storeMemories(
        context,
        fresh.map(({ input }) => input),
      );
      report.imported += fresh.length;
    } catch (error) {
      if (!(error instanceof CodedError) || error.code === 'PAYMENT_REQUIRED') throw error;
      for (const { line } of fresh) fail(line, `batch refused: ${error.message}`);
    }
  };

  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    try {
      const parsed = parseLine(text);
      if (parsed.type === 'header') {
        report.skipped++;
        continue;
      }
      const { memory } = parsed;
      batch.push({
        line: lineNumber,
        input: {
          vault: selector,
          content: memory.content,
          role: memory.role,
          metadata: memory.metadata,
          createdAt: memory.createdAt === null ? null : new Date(memory.createdAt),
          embedding: memory.embedding,
          chunkEmbeddings: memory.chunkEmbeddings,
          id: memory.id,
        },
      });
    } catch (error) {
      fail(lineNumber, error instanceof Error ? error.message : 'unreadable line');
    }
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  return report;
}
