import { accountStub } from '../durable/rpc/stubs';
import type { VaultAddress } from '../vaults/address';
import type { VaultListPosition } from '../vaults/list-cursors';
import { vaultOf } from './principal';
import type { KeyContext } from './request-context';

export interface ListedVault {
  address: VaultAddress;
  /** Its place in the listing, for its edge's cursor. */
  position: VaultListPosition;
}

export interface VaultListing {
  vaults: ListedVault[];
  hasNextPage: boolean;
  /**
   * The last vault the page passed, listed or not: an expired conversation
   * at the end of a page is not looked at again by the next one.
   */
  endPosition: VaultListPosition | null;
}

/** CORE stands before every registered vault: it is listed first, whether written or not. */
const CORE_POSITION: VaultListPosition = { createdAt: -1, kind: 'CORE', externalId: null };

/**
 * A page of the calling key's vaults: CORE first, then the SESSION and
 * EPHEMERAL vaults its account registered, oldest first. The listing comes
 * from the account's registry alone, so a page opens no vault object; a
 * field that needs one (counts, stats) costs one call per vault, through
 * the request's loader, only when selected.
 *
 * The one exception is a conversation that may have expired: an EPHEMERAL
 * vault is deleted EPHEMERAL_TTL_HOURS after its last write, so one
 * registered longer ago than that is asked whether it still exists (the
 * answer's stats then serve its fields), and left out if not. Vaults
 * deleted by `clearVault` leave the registry at once; SESSION vaults never
 * expire.
 */
export async function listVaults(
  context: KeyContext,
  first: number,
  after: VaultListPosition | null,
): Promise<VaultListing> {
  const { principal } = context;
  const withCore = after === null;
  const wanted = withCore ? first - 1 : first;
  const page = await accountStub(context.env, principal.accountId).listVaultPage(
    principal.key.id,
    wanted,
    after,
  );
  const mayHaveExpired = Date.now() - context.config.ephemeralTtlMs;
  const registered = await Promise.all(
    page.vaults.map(async ({ kind, externalId, createdAt }) => {
      const address = vaultOf(principal, { kind, id: externalId });
      const position = { createdAt, kind, externalId };
      if (kind === 'EPHEMERAL' && createdAt <= mayHaveExpired) {
        const stats = await context.vaults.statsOf(address);
        if (!stats.exists) return { address: null, position };
      }
      return { address, position };
    }),
  );
  const vaults: ListedVault[] = withCore
    ? [{ address: vaultOf(principal), position: CORE_POSITION }]
    : [];
  for (const { address, position } of registered) if (address) vaults.push({ address, position });
  const endPosition = registered.at(-1)?.position ?? (withCore ? CORE_POSITION : null);
  return { vaults, hasNextPage: page.hasNextPage, endPosition };
}
