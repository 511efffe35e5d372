import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import type { VaultAddress } from '../vaults/address';
import { headerLine } from '../vaults/jsonl';
import { exportStream } from './export-stream';
import type { KeyContext } from './request-context';

/** A vault's JSONL export, ready to stream. */
export interface VaultExport {
  body: ReadableStream<Uint8Array>;
  /** Memories in the file, as its header and trailer state it. */
  count: number;
  /** A file name made only of safe characters. */
  fileName: string;
}

/**
 * Opens a point-in-time view of the vault and streams it page by page
 * (export-stream.ts): the file is the vault as it was when the export began,
 * whatever is written while it downloads, and its checksum is in its last
 * line. It writes no snapshot, so exports never push a restore point out of
 * R2. Reading is not metered, so a suspended account can still take its
 * memories away.
 */
export async function exportVault(
  context: KeyContext,
  address: VaultAddress,
): Promise<VaultExport> {
  // As GraphQL's `vault` answers null for it: a SESSION or EPHEMERAL vault
  // never written is not there to export (CORE always is, empty or not).
  if (address.kind !== 'CORE' && !(await context.vaults.statsOf(address)).exists) {
    throw new CodedError(
      'NOT_FOUND',
      `no ${address.kind} vault ${JSON.stringify(address.externalId)} holds memories of this key`,
      'VAULT_NOT_FOUND',
    );
  }
  const stub = vaultStub(context.env, address);
  const opening = await stub.openExport(address);
  if (!opening.ok) throw CodedError.from(opening);
  const { id, count, embeddingModel, dimensions } = opening.opened;
  const header = headerLine({
    kind: address.kind,
    externalId: address.externalId,
    embeddingModel,
    dimensions,
    count,
    checksum: null,
    createdAt: new Date().toISOString(),
  });
  const name =
    address.externalId === null
      ? address.kind.toLowerCase()
      : `${address.kind.toLowerCase()}-${address.externalId}`;
  return {
    body: exportStream(header, count, {
      next: () => stub.exportPage(address, id),
      close: () => stub.closeExport(address, id),
    }),
    count,
    fileName: `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`,
  };
}
