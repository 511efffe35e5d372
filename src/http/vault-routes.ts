import { CodedError } from '../errors';
import { maxImportLineBytes } from '../limits';
import { discardBody } from '../request-body';
import { importMemories } from '../resolvers/import-memories';
import { vaultStub } from '../resolvers/vault-loader';
import { addressFor } from '../resolvers/principal';
import { splitLines } from '../vaults/line-splitter';
import type { VaultAddress, VaultKind } from '../vaults/address';
import type { RequestContext } from '../context';
import { HTTP_STATUS, routeContext } from './chat-route';
import { progressFormat, streamImport } from './import-stream';

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
 * POST /v1/vaults/{…}/import — JSONL in (the export format or {content, role, timestamp}),
 *   answered with one JSON report, or streamed progress when `Accept` asks for
 *   application/x-ndjson or text/event-stream (see import-stream.ts)
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
    const lines = splitLines(request.body, maxImportLineBytes(context.config.maxContentBytes));
    const format = progressFormat(request);
    if (format === null) return Response.json(await importMemories(context, address, lines));
    return streamImport(format, ctx, (onProgress) =>
      importMemories(context, address, lines, onProgress),
    );
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    await discardBody(request);
    return jsonError(error);
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
