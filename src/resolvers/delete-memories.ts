import { CodedError } from '../core/errors';
import { vaultStub } from '../durable/rpc/stubs';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { decodeMemoryId } from '../vaults/ids';
import { unmarkSourceTurns } from './outdated-elsewhere';
import { vaultOf } from './principal';
import type { KeyContext } from './request-context';

/** What `deleteMemories` did, by Memory.id, in the order the ids were given (each once). */
export interface DeletedMemories {
  deleted: string[];
  notFound: string[];
}

/**
 * Deletes memories by id across the calling key's vaults: every id is
 * decoded first (a malformed one refuses the call before anything is
 * deleted), then each vault deletes its share in one step, the vaults in
 * parallel. Ids the key does not hold (gone already, never stored, or of
 * another key) are skipped and reported as not found.
 */
export async function deleteMemories(
  context: KeyContext,
  ids: readonly string[],
): Promise<DeletedMemories> {
  const unique = [...new Set(ids)];
  const shares = new Map<string, { address: VaultAddress; ids: string[]; local: string[] }>();
  for (const id of unique) {
    let address: VaultAddress;
    let localId: string;
    try {
      const ref = decodeMemoryId(id);
      address = vaultOf(context.principal, { kind: ref.kind, id: ref.externalId });
      localId = ref.localId;
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      throw new CodedError(error.code, `ids[${ids.indexOf(id)}]: ${error.message}`, error.reason);
    }
    const name = vaultObjectName(address);
    const share = shares.get(name) ?? { address, ids: [], local: [] };
    share.ids.push(id);
    share.local.push(localId);
    shares.set(name, share);
  }
  const removed = new Set<string>();
  await Promise.all(
    [...shares.values()].map(async ({ address, ids: global, local }) => {
      const result = await vaultStub(context.env, address).removeMany(address, local);
      context.vaults.invalidate(address);
      if (!result.ok) throw CodedError.from(result);
      // Facts kept apart from their turn, current again: their turns are told.
      await unmarkSourceTurns(context, address, result.released, result.changed);
      const gone = new Set(result.deleted);
      local.forEach((localId, at) => {
        if (gone.has(localId)) removed.add(global[at]!);
      });
    }),
  );
  return {
    deleted: unique.filter((id) => removed.has(id)),
    notFound: unique.filter((id) => !removed.has(id)),
  };
}
