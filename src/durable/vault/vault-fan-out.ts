import { failure, type Result } from '../../core/errors';
import { vaultObjectName, type VaultAddress } from '../../vaults/address';
import { vaultStub } from '../rpc/stubs';
import type { VaultReadOp, VaultReadOptions, VaultReadResponse } from '../rpc/vault-types';

/** The other vaults' share of the searches a call leads: one call per vault, and where each search's result is. */
export interface FannedCalls {
  calls: { address: VaultAddress; answer: Promise<Result<VaultReadResponse>> }[];
  /** Per op: for each other vault of its search (`fanOut.vaults` order, this vault left out), its call and result. */
  places: ({ call: number; result: number }[] | undefined)[];
}

/**
 * Starts the other vaults' share of every search in `ops` that this vault
 * leads (`VaultReadOp.fanOut`): one `read` call per other vault, holding
 * every led search over it, sent before this vault ranks its own windows, so
 * that in production, where the vaults run on different machines, they rank
 * at the same time as this one. Calling them from here rather than from the
 * Worker is what lets this vault bill the merged hits without a callback to
 * the Worker: their answers come to it, and it hands them on with its own.
 * A led search refused here answers without waiting for them, so their
 * failures are marked handled at once. They answer with the `options` of
 * this vault's own call (their stats, sized or not, go to the same caller).
 */
export function askFannedVaults(
  env: Env,
  self: VaultAddress,
  ops: readonly VaultReadOp[],
  options: VaultReadOptions = {},
): FannedCalls | null {
  const own = vaultObjectName(self);
  const byVault = new Map<string, number>();
  const asks: { address: VaultAddress; ops: VaultReadOp[] }[] = [];
  const places = ops.map((op) => {
    if (op.type !== 'search' || op.fanOut === undefined) return undefined;
    const { request } = op;
    return op.fanOut.vaults
      .filter((address) => vaultObjectName(address) !== own)
      .map((address) => {
        const name = vaultObjectName(address);
        const call = byVault.get(name) ?? asks.push({ address, ops: [] }) - 1;
        byVault.set(name, call);
        const ask = asks[call]!;
        ask.ops.push({ type: 'search', request, packed: true });
        return { call, result: ask.ops.length - 1 };
      });
  });
  if (asks.length === 0) return null;
  const calls = asks.map(({ address, ops: asked }) => {
    const answer = vaultStub(env, address).read(address, asked, options);
    answer.catch(() => {});
    return { address, answer };
  });
  return { calls, places };
}

/** A call's answer, or a coded failure when the vault could not be called at all. */
export function reachedAnswer(
  answer: Promise<Result<VaultReadResponse>>,
): Promise<Result<VaultReadResponse>> {
  return answer.catch(() =>
    failure('UPSTREAM_ERROR', 'the vault could not be reached', 'VAULT_UNAVAILABLE'),
  );
}

/** The calls' answers to hand on with the response; a call that failed says so. */
export async function fannedAnswers(
  calls: FannedCalls['calls'],
): Promise<{ address: VaultAddress; answer: Result<VaultReadResponse> }[]> {
  return Promise.all(
    calls.map(async ({ address, answer }) => ({ address, answer: await reachedAnswer(answer) })),
  );
}

/** Whether a search asks this vault to lead vaults, or bill a meter, of another key (a bug upstream). */
export function leadsForeignVaults(self: VaultAddress, ops: readonly VaultReadOp[]): boolean {
  return ops.some(
    (op) =>
      op.type === 'search' &&
      op.fanOut !== undefined &&
      (op.fanOut.meter.keyId !== self.keyId ||
        op.fanOut.vaults.some((address) => address.keyId !== self.keyId)),
  );
}
