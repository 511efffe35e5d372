import { CodedError } from '../../core/errors';
import { logWarn } from '../../core/request-log';
import { TurnsByVault } from '../../vaults/source-turns';
import { vaultStub } from '../rpc/stubs';
import type { VaultMeta } from '../warm-tier/vault-meta';
import type { VaultStorage } from '../warm-tier/vault-storage';

/** Marks one unmark call carries at most: a vault of many retired facts sends several. */
const MARKS_PER_CALL = 1_000;

/**
 * The marks a facts' vault made on turns of other vaults, taken back when
 * the vault itself goes (cleared, or an EPHEMERAL vault expiring): once its
 * facts are gone, nothing there says the turns are outdated, as after
 * deleting the facts one by one (deleteMemory). Here, not in the Worker,
 * because an expiry has no request: the alarm, or the first call after the
 * vault's time ran out, wipes it. The turns' vaults are the vault's own
 * key's (its address, kept in meta).
 */
export class ApartMarks {
  constructor(
    private readonly env: Env,
    private readonly rows: VaultStorage,
    private readonly meta: VaultMeta,
  ) {}

  /**
   * Read before the rows are wiped: the retired facts with `sourceTurns`
   * (only retired ones were marked), by turns' vault; null when none.
   */
  beforeWipe(): TurnsByVault | null {
    const address = this.meta.current().address;
    if (address === null) return null;
    const facts = this.rows.retiredFactsApart();
    if (facts.length === 0) return null;
    const byVault = new TurnsByVault(address.keyId, address);
    for (const { id, sourceTurns } of facts) byVault.add(id, sourceTurns, 0);
    return byVault.entries().length > 0 ? byVault : null;
  }

  /**
   * After the wipe: each turns' vault unmarks them, ordered by `changed`
   * (the wipe's event seq), so a mark read before the wipe and arriving
   * after it changes nothing. A failure is tried once more, then logged:
   * the turns then stay marked, as a Worker's failed call leaves them.
   */
  async release(byVault: TurnsByVault, changed: number): Promise<void> {
    const tell = () =>
      Promise.all(
        byVault.entries().map(async ({ address, marks }) => {
          const stub = vaultStub(this.env, address);
          for (let at = 0; at < marks.length; at += MARKS_PER_CALL) {
            const unmarked = await stub.unmarkOutdatedElsewhere(
              address,
              marks.slice(at, at + MARKS_PER_CALL).map(({ turn, fact }) => ({ turn, fact })),
              changed,
            );
            if (!unmarked.ok) throw CodedError.from(unmarked);
          }
        }),
      );
    try {
      await tell();
    } catch (first) {
      await tell().catch((again: unknown) =>
        logWarn('source turns not unmarked after a wipe', reasonOf(again), reasonOf(first)),
      );
    }
  }
}

function reasonOf(error: unknown): string {
  return error instanceof CodedError ? (error.reason ?? error.code) : 'UNEXPECTED';
}
