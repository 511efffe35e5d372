import { selectVault, vaultObjectName, type VaultAddress } from './address';
import { decodeMemoryId, encodeMemoryId } from './ids';

/**
 * A memory's metadata `sourceTurns`: the Memory.ids of the turns, in other
 * vaults, of a fact kept apart from its turn (factsVault,
 * store-with-facts.ts); none when absent. Metadata is the caller's to
 * write, so anything else reads as none.
 */
export function sourceTurnsOf(metadata: string | null): string[] {
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

/** A turn of another vault to mark outdated: its local id there, the fact's Memory.id, since when. */
export interface TurnMark {
  turn: string;
  fact: string;
  since: number;
}

/**
 * Marks of facts kept apart on their source turns, grouped by the vault of
 * each turn among the vaults of one key (`keyId`) other than the facts'
 * own: what the Worker sends each turns' vault after a store, delete or
 * edit, and what a facts' vault sends when it is cleared or expires.
 */
export class TurnsByVault {
  private readonly byVault = new Map<string, { address: VaultAddress; marks: TurnMark[] }>();

  constructor(
    private readonly keyId: string,
    private readonly factsAddress: VaultAddress,
  ) {}

  /** The marks of one fact (its local id in the facts' vault) on its source turns. */
  add(localId: string, sourceTurns: readonly string[], since: number): void {
    const { kind, externalId } = this.factsAddress;
    const fact = encodeMemoryId({ kind, externalId, localId });
    for (const source of sourceTurns) {
      let address: VaultAddress;
      let turn: string;
      try {
        const ref = decodeMemoryId(source);
        // Only vaults of the same key: an id naming another key's vault
        // (metadata is the caller's to write) resolves under this key.
        address = selectVault(this.keyId, { kind: ref.kind, id: ref.externalId });
        turn = ref.localId;
      } catch {
        continue;
      }
      const name = vaultObjectName(address);
      if (name === vaultObjectName(this.factsAddress)) continue;
      const entry = this.byVault.get(name) ?? { address, marks: [] };
      entry.marks.push({ turn, fact, since });
      this.byVault.set(name, entry);
    }
  }

  entries(): { address: VaultAddress; marks: TurnMark[] }[] {
    return [...this.byVault.values()];
  }
}
