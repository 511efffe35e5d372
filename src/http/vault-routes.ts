import { CodedError } from '../core/errors';
import { maxImportLineBytes } from '../vaults/jsonl';
import { checkedAgainstHeader } from '../resolvers/checked-upload';
import { exportVault } from '../resolvers/export-vault';
import { importMemories } from '../resolvers/import-memories';
import { vaultOf } from '../resolvers/principal';
import type { VaultAddress, VaultKind } from '../vaults/address';
import { splitLines } from '../vaults/line-splitter';
import type { Edge } from './edge';
import { edgeContext } from './edge-context';
import { progressFormat, streamImport } from './import-stream';
import { keyStandingCheck } from '../resolvers/standing-watch';

/**
 * A vault's JSONL, under the calling memory key:
 *   GET  /v1/vaults/{core | session/{id} | ephemeral/{id}}/export — the vault as JSONL
 *   POST /v1/vaults/{…}/import — JSONL in (the export format or {content, role, timestamp}),
 *     answered with one JSON report, or streamed progress when `Accept` asks for
 *     application/x-ndjson or text/event-stream (see import-stream.ts)
 * Vault.exportUrl gives these paths (src/vaults/address.ts `exportPath`).
 */
export async function exportRoute(edge: Edge<'memoryKey'>): Promise<Response> {
  const context = contextOf(edge);
  const exported = await exportVault(context, addressOf(edge));
  // Streamed as the vault is read: no length up front, and the checksum is
  // in the file's last line (src/vaults/jsonl.ts), not in a header.
  return new Response(exported.body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${exported.fileName}"`,
      'x-memory-count': String(exported.count),
    },
  });
}

export async function importRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const context = contextOf(edge);
  const address = addressOf(edge);
  const { request } = edge;
  if (request.body === null)
    throw new CodedError('BAD_USER_INPUT', 'send the JSONL as the request body', 'EMPTY_BODY');
  const maxLineBytes = maxImportLineBytes(context.config.maxContentBytes);
  // An export's count and checksum are checked before anything is stored (checked-upload.ts).
  const lines = checkedAgainstHeader(
    splitLines(request.body, maxLineBytes),
    context.env.SNAPSHOTS,
    maxLineBytes,
  );
  const format = progressFormat(request);
  // Asked before each batch: a revoked key's or suspended account's import stops there.
  const standing = keyStandingCheck(context.env, edge.principal, 'import');
  if (format === null)
    return Response.json(await importMemories(context, address, lines, undefined, standing));
  return streamImport(format, edge.ctx, (onProgress) =>
    importMemories(context, address, lines, onProgress, standing),
  );
}

/** Vault routes call no provider: no provider key in their context. */
function contextOf<A extends 'memoryKey' | 'activeMemoryKey'>(edge: Edge<A>) {
  return edgeContext(edge, null);
}

/** The vault a path names (its kind is core, session or ephemeral: the route says so), under the caller's own key. */
function addressOf(edge: Edge<'memoryKey' | 'activeMemoryKey'>): VaultAddress {
  const kind = edge.params.kind!.toUpperCase() as VaultKind;
  return vaultOf(edge.principal, { kind, id: edge.params.id ?? null });
}
