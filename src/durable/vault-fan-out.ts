import type { Result } from '../core/errors';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { vaultStub } from './stubs';
import type { VaultReadOp, VaultReadResponse } from './vault-types';

/** The other vaults' answers to a search this vault leads, in `fanOut.vaults` order. */
export type FannedAnswers = Promise<Result<VaultReadResponse>[]>;

/**
 * Starts the other vaults' share of every search in `ops` that this vault
 * leads (`VaultReadOp.fanOut`): one `read` call per other vault and search,
 * sent before this vault ranks its own windows, so that in production, where
 * the vaults run on different machines, they rank at the same time as this
 * one. Calling them from here rather than from the Worker is what lets this
 * vault bill the merged hits without a callback to the Worker: their
 * answers come to it, and it hands them on with its own.
 *
 * Returns, per op, its answers still to come (undefined for ops it leads
 * nothing in). A leading search refused here answers without waiting for
 * them, so their failures are marked handled at once.
 */
export function askFannedVaults(
  env: Env,
  self: VaultAddress,
  ops: readonly VaultReadOp[],
): (FannedAnswers | undefined)[] {
  const own = vaultObjectName(self);
  return ops.map((op) => {
    if (op.type !== 'search' || op.fanOut === undefined) return undefined;
    const { request } = op;
    const answers = Promise.all(
      op.fanOut.vaults
        .filter((address) => vaultObjectName(address) !== own)
        .map((address) =>
          vaultStub(env, address).read(address, [{ type: 'search', request, packed: true }]),
        ),
    );
    answers.catch(() => {});
    return answers;
  });
}
