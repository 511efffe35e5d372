import { useState } from 'preact/hooks';
import type { MemoryRouterClient, Vault, VaultPage } from '@memoryrouter/client';
import { useAsync } from './use-async';

/** Vaults per page: the most `vaultsConnection` gives, as many as `vaults` listed before. */
export const VAULT_PAGE_SIZE = 100;

export interface VaultPages {
  /** The vaults of every page read so far, in the API's order (CORE first). */
  vaults: Vault[] | null;
  /** Whether the key has vaults past those shown. */
  hasMore: boolean;
  /** Reads the next page and adds it below. */
  showMore: () => void;
  loadingMore: boolean;
  /** The first page's error, or the next page's. */
  error: unknown;
  /** Reads the first page again (the pages read after it are dropped). */
  reload: () => void;
}

/**
 * The key's vaults a page at a time (`vaultsConnection`), for the screens that
 * list them: a key may have thousands, and `vaults` stops at its `first`
 * without saying so. The first page loads with the screen; `showMore` reads
 * the next. The pages after the first belong to the first page they followed:
 * a reload (Refresh, a new key) starts over, and a page still on its way from
 * before is dropped.
 */
export function useVaultPages(client: MemoryRouterClient): VaultPages {
  const first = useAsync(() => client.vaultsPage({ first: VAULT_PAGE_SIZE }), [client]);
  const [more, setMore] = useState<{ after: VaultPage | null; pages: VaultPage[] }>({
    after: null,
    pages: [],
  });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<{ after: VaultPage; error: unknown } | null>(null);

  const base = first.data;
  const pages = base === null ? [] : [base, ...(more.after === base ? more.pages : [])];
  const last = pages.at(-1);
  const hasMore = last?.pageInfo.hasNextPage === true && last.pageInfo.endCursor !== null;

  const showMore = () => {
    if (!hasMore || loadingMore || base === null) return;
    setLoadingMore(true);
    setMoreError(null);
    client.vaultsPage({ first: VAULT_PAGE_SIZE, after: last!.pageInfo.endCursor }).then(
      (page) => {
        setMore((previous) =>
          previous.after === base
            ? { after: base, pages: [...previous.pages, page] }
            : { after: base, pages: [page] },
        );
        setLoadingMore(false);
      },
      (error: unknown) => {
        setMoreError({ after: base, error });
        setLoadingMore(false);
      },
    );
  };

  return {
    vaults: base === null ? null : pages.flatMap((page) => page.edges.map((edge) => edge.node)),
    hasMore,
    showMore,
    loadingMore,
    error: first.error ?? (moreError?.after === base ? moreError.error : null),
    reload: first.reload,
  };
}
