import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import type { VaultAddress } from '../vaults/address';
import type { KeyContext } from './request-context';

/** A vault's JSONL export, ready to stream. */
export interface VaultExport {
  body: ReadableStream;
  bytes: number;
  count: number;
  /** SHA-256 of the memory lines, as the header line states it. */
  checksum: string;
  /** A file name made only of safe characters. */
  fileName: string;
}

/**
 * Snapshots the vault now and opens that snapshot: a consistent file whose
 * checksum holds, however the vault changes while it downloads. Reading is
 * not metered, so a suspended account can still take its memories away.
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
  const written = await vaultStub(context.env, address).snapshot(address);
  if (!written.ok) throw CodedError.from(written);
  const object = await context.env.SNAPSHOTS.get(written.snapshot.key);
  if (object === null)
    throw new CodedError('NOT_FOUND', 'the snapshot disappeared; try again', 'SNAPSHOT_NOT_FOUND');
  const name =
    address.externalId === null
      ? address.kind.toLowerCase()
      : `${address.kind.toLowerCase()}-${address.externalId}`;
  return {
    body: object.body,
    bytes: object.size,
    count: written.snapshot.count,
    checksum: written.snapshot.checksum,
    fileName: `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`,
  };
}
