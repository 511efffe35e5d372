import type { MemoryRouterClient } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { MoreVaults } from '../components/more-vaults';
import {
  formatBytes,
  formatNumber,
  formatRelative,
  formatTime,
  selectorOf,
  vaultLabel,
} from '../format';
import { vaultHref } from '../router';
import { useVaultPages } from '../use-vault-pages';

/** Every vault of the key, with what is in it, a page at a time ("Show more" reads the next). */
export function Vaults({ client }: { client: MemoryRouterClient }) {
  const vaults = useVaultPages(client);
  return (
    <section>
      <header class="screen-header">
        <h1>Vaults</h1>
        <button type="button" class="secondary" onClick={vaults.reload}>
          Refresh
        </button>
      </header>
      <ErrorBanner error={vaults.error} />
      {/* CORE is always listed, empty or not: empty means no listed vault holds a memory. */}
      {vaults.vaults?.every((vault) => vault.memoryCount === 0) && !vaults.hasMore ? (
        <p class="empty">
          No vault holds memories yet. Store one through the API, or import a file.
        </p>
      ) : null}
      <div class="vault-list">
        {vaults.vaults?.map((vault) => (
          <a
            class="card vault"
            href={vaultHref(selectorOf(vault))}
            key={vault.id}
            data-testid="vault"
          >
            <h2>
              <span class={`kind ${vault.kind.toLowerCase()}`}>{vault.kind}</span>
              {vault.externalId ? (
                <span class="vault-id" title={vault.externalId}>
                  {vault.externalId}
                </span>
              ) : null}
            </h2>
            <dl>
              <dt>Memories</dt>
              <dd data-field="count">
                {formatNumber(vault.memoryCount)} <small>of {formatNumber(vault.capacity)}</small>
              </dd>
              <dt>Size</dt>
              <dd>{formatBytes(vault.storageBytes)}</dd>
              <dt>Embedding model</dt>
              <dd>
                <code>{vault.embeddingModel}</code> <small>{vault.dimensions} dims</small>
              </dd>
              <dt>Last write</dt>
              <dd>{formatTime(vault.lastWriteAt)}</dd>
              <dt>TTL</dt>
              <dd>
                {vault.expiresAt
                  ? `expires ${formatRelative(vault.expiresAt)} (${formatTime(vault.expiresAt)})`
                  : 'kept until deleted'}
              </dd>
            </dl>
            <span class="sr-only">{vaultLabel(vault.kind, vault.externalId)}</span>
          </a>
        ))}
      </div>
      <MoreVaults vaults={vaults} />
    </section>
  );
}
