import { formatNumber } from '../format';
import type { VaultPages } from '../use-vault-pages';

/**
 * Says that the list stops short of the key's vaults, and reads the next page;
 * says nothing once every vault is shown.
 */
export function MoreVaults({ vaults }: { vaults: VaultPages }) {
  if (!vaults.hasMore || vaults.vaults === null) return null;
  return (
    <p class="more-vaults" data-testid="more-vaults">
      <span>
        The first {formatNumber(vaults.vaults.length)} vaults are shown; this key has more.
      </span>
      <button
        type="button"
        class="secondary"
        onClick={vaults.showMore}
        disabled={vaults.loadingMore}
      >
        {vaults.loadingMore ? 'Loading…' : 'Show more vaults'}
      </button>
    </p>
  );
}
