import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { logWarn } from '../core/request-log';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { decodeMemoryId, encodeMemoryId } from '../vaults/ids';
import { vaultOf } from './principal';
import type { MeteredContext } from './request-context';

/** A turn of another vault to mark outdated: its local id there, the fact, when. */
interface Mark {
  turn: string;
  fact: string;
  since: number;
}

/**
 * After a store retired facts (superseded or declared no longer true), tells
 * the vaults of the turns they were drawn from, when those live apart from
 * the facts (metadata `sourceTurns`: factsVault), so those turns are demoted
 * and marked `outdated` there as a vault's own retired facts' turns are.
 * One read of the retired facts and one call per turns' vault, only when
 * something was retired. Never fails the store: the facts are written
 * already; a failed call is tried once more after the answer, and when that
 * fails too the turns are not demoted (logged by reason with the request id,
 * docs/facts-and-events.md "Where facts go").
 */
export async function markSourceTurnsOutdated(
  context: MeteredContext,
  factsAddress: VaultAddress,
  retired: readonly { id: string }[],
): Promise<void> {
  if (retired.length === 0) return;
  try {
    await markOnce(context, factsAddress, retired);
  } catch (first) {
    context.ctx.waitUntil(
      markOnce(context, factsAddress, retired).catch((again: unknown) =>
        logWarn('source turns not marked outdated', reasonOf(again), reasonOf(first)),
      ),
    );
  }
}

async function markOnce(
  context: MeteredContext,
  factsAddress: VaultAddress,
  retired: readonly { id: string }[],
): Promise<void> {
  const found = await vaultStub(context.env, factsAddress).get(
    factsAddress,
    retired.map(({ id }) => id),
  );
  if (!found.ok) throw CodedError.from(found);
  const byVault = new Map<string, { address: VaultAddress; marks: Mark[] }>();
  for (const memory of found.memories) {
    if (memory.validUntil == null) continue;
    const fact = encodeMemoryId({
      kind: factsAddress.kind,
      externalId: factsAddress.externalId,
      localId: memory.id,
    });
    for (const source of sourceTurnsOf(memory.metadata)) {
      let address: VaultAddress;
      let turn: string;
      try {
        const ref = decodeMemoryId(source);
        // Only vaults of the calling key: an id naming another key's vault
        // (metadata is the caller's to write) resolves under this key.
        address = vaultOf(context.principal, { kind: ref.kind, id: ref.externalId });
        turn = ref.localId;
      } catch {
        continue;
      }
      const name = vaultObjectName(address);
      if (name === vaultObjectName(factsAddress)) continue;
      const entry = byVault.get(name) ?? { address, marks: [] };
      entry.marks.push({ turn, fact, since: memory.validUntil });
      byVault.set(name, entry);
    }
  }
  await Promise.all(
    [...byVault.values()].map(async ({ address, marks }) => {
      const marked = await vaultStub(context.env, address).markOutdatedElsewhere(address, marks);
      if (!marked.ok) throw CodedError.from(marked);
    }),
  );
}

/** A fact's metadata `sourceTurns` (Memory.ids of its turn in another vault); none when absent. */
function sourceTurnsOf(metadata: string | null): string[] {
  if (metadata === null) return [];
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (typeof parsed !== 'object' || parsed === null) return [];
    const ids = (parsed as { sourceTurns?: unknown }).sourceTurns;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function reasonOf(error: unknown): string {
  return error instanceof CodedError ? (error.reason ?? error.code) : 'UNEXPECTED';
}
