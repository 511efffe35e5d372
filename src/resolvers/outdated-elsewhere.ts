import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { logWarn } from '../core/request-log';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { decodeMemoryId } from '../vaults/ids';
import { sourceTurnsOf, TurnsByVault } from '../vaults/source-turns';
import { vaultOf } from './principal';
import type { KeyContext, MeteredContext, RequestContext } from './request-context';
import type { ApartFact, MemoryRecord } from '../durable/rpc/vault-types';

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
  await tellTurnsVaults(context, 'source turns not marked outdated', () =>
    markOnce(context, factsAddress, retired),
  );
}

/**
 * After a delete made facts kept apart from their turn current again (the
 * fact that superseded them deleted) or deleted them while retired
 * (`released`, as the facts' vault answered), tells the vaults of their
 * `sourceTurns` to take back the marks `markSourceTurnsOutdated` made, so
 * those turns are no longer demoted or `outdated`, as the turns of a fact
 * beside them. One call per turns' vault, only when something was
 * released; never fails the delete (the same rule: tried once more after
 * the answer, then logged).
 */
export async function unmarkSourceTurns(
  context: KeyContext,
  factsAddress: VaultAddress,
  released: readonly ApartFact[],
  /** The facts' vault's change order once the delete was made (removeMany's answer). */
  changed: number,
): Promise<void> {
  if (released.length === 0) return;
  await tellTurnsVaults(context, 'source turns not unmarked', () =>
    unmarkOnce(context, factsAddress, released, changed),
  );
}

/**
 * After `updateMemory` gave a retired fact new metadata: its marks follow
 * its `sourceTurns`, as a fact beside its turn demotes the turns its
 * metadata `turns` names now. The turns it no longer names are unmarked,
 * those it names anew are marked (since its `validUntil`); nothing is
 * called when the list did not change. The same failure rule.
 */
export async function moveSourceTurnMarks(
  context: KeyContext,
  factsAddress: VaultAddress,
  fact: { id: string; metadata: string | null; validUntil?: number | null },
  before: readonly string[],
  /** The facts' vault's change order after the edit (update's answer). */
  changed: number | undefined,
): Promise<void> {
  if (fact.validUntil == null) return;
  const since = fact.validUntil;
  const now = sourceTurnsOf(fact.metadata);
  const gone = before.filter((id) => !now.includes(id));
  const added = now.filter((id) => !before.includes(id));
  if (gone.length === 0 && added.length === 0) return;
  await tellTurnsVaults(context, 'source turns not moved', async () => {
    const unmarking = turnsByVault(context, factsAddress);
    unmarking.add(fact.id, gone, since);
    const marking = turnsByVault(context, factsAddress);
    marking.add(fact.id, added, since);
    await Promise.all([unmark(context, unmarking, changed), mark(context, marking, changed)]);
  });
}

/** Runs `tell`; a failure is tried once more after the answer, then logged by reason. */
async function tellTurnsVaults(
  context: KeyContext,
  what: string,
  tell: () => Promise<void>,
): Promise<void> {
  try {
    await tell();
  } catch (first) {
    context.ctx.waitUntil(
      tell().catch((again: unknown) => logWarn(what, reasonOf(again), reasonOf(first))),
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
  const byVault = turnsByVault(context, factsAddress);
  for (const memory of found.memories) {
    if (memory.validUntil == null) continue;
    byVault.add(memory.id, sourceTurnsOf(memory.metadata), memory.validUntil);
  }
  // Ordered by the read that found them retired, not by the store.
  await mark(context, byVault, found.changed);
}

async function unmarkOnce(
  context: KeyContext,
  factsAddress: VaultAddress,
  released: readonly ApartFact[],
  changed: number,
): Promise<void> {
  const byVault = turnsByVault(context, factsAddress);
  for (const { id, sourceTurns } of released) byVault.add(id, sourceTurns, 0);
  await unmark(context, byVault, changed);
}

/** The calling key's vaults, as the facts' marks on their turns group by. */
function turnsByVault(context: KeyContext, factsAddress: VaultAddress): TurnsByVault {
  return new TurnsByVault(context.principal.key.id, factsAddress);
}

/** Makes the marks, one call per turns' vault. */
async function mark(
  context: KeyContext,
  byVault: TurnsByVault,
  changed: number | undefined,
): Promise<void> {
  await Promise.all(
    byVault.entries().map(async ({ address, marks }) => {
      const marked = await vaultStub(context.env, address).markOutdatedElsewhere(
        address,
        marks,
        changed,
      );
      if (!marked.ok) throw CodedError.from(marked);
    }),
  );
}

/** Takes the marks back, one call per turns' vault. */
async function unmark(
  context: KeyContext,
  byVault: TurnsByVault,
  changed: number | undefined,
): Promise<void> {
  await Promise.all(
    byVault.entries().map(async ({ address, marks }) => {
      const unmarked = await vaultStub(context.env, address).unmarkOutdatedElsewhere(
        address,
        marks.map(({ turn, fact }) => ({ turn, fact })),
        changed,
      );
      if (!unmarked.ok) throw CodedError.from(unmarked);
    }),
  );
}

/**
 * What replaced, in their own vaults, the facts of other vaults that made a
 * turn outdated (OutdatedRecord.elsewhere: facts kept apart from their
 * turn): the current version of each, as of the search's `asOf`, each
 * with its vault. One batched read per facts' vault; an id that names no
 * vault of the calling key gives nothing.
 */
export async function successorsElsewhere(
  context: RequestContext,
  elsewhere: { facts: readonly string[]; asOf: number | null },
): Promise<{ address: VaultAddress; record: MemoryRecord }[]> {
  const principal = context.principal;
  if (principal?.kind !== 'key') return [];
  const byVault = new Map<string, { address: VaultAddress; ids: string[] }>();
  for (const id of elsewhere.facts) {
    let address: VaultAddress;
    let localId: string;
    try {
      const ref = decodeMemoryId(id);
      address = vaultOf(principal, { kind: ref.kind, id: ref.externalId });
      localId = ref.localId;
    } catch {
      continue;
    }
    const entry = byVault.get(vaultObjectName(address)) ?? { address, ids: [] };
    entry.ids.push(localId);
    byVault.set(vaultObjectName(address), entry);
  }
  const found = await Promise.all(
    [...byVault.values()].map(async ({ address, ids }) => {
      const { memories } = await context.vaults.read(address, {
        type: 'successors',
        ids,
        asOf: elsewhere.asOf,
      });
      return memories.map((record) => ({ address, record }));
    }),
  );
  return found.flat();
}

function reasonOf(error: unknown): string {
  return error instanceof CodedError ? (error.reason ?? error.code) : 'UNEXPECTED';
}
