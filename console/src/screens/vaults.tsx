import type { MemoryRouterClient } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import {
  formatBytes,
  formatNumber,
  formatRelative,
  formatTime,
  selectorOf,
  vaultLabel,
} from '../format';
import { vaultHref } from '../router';
import { useAsync } from '../use-async';

/** Every vault of the key, with what is in it. */
export function Vaults({ client }: { client: MemoryRouterClient }) {
  const vaults = useAsync(() => client.vaults(), [client]);
  return (
    <section>
      <header class="screen-header">
        <h2>Vaults</h2>
        <button type="button" class="secondary" onClick={vaults.reload}>
          Refresh
        </button>
      </header>
      <ErrorBanner error={vaults.error} />
      {vaults.data?.length === 0 ? (
        <p class="empty">
          No vault holds memories yet. Store one through the API, or import a file.
        </p>
      ) : null}
      <div class="vault-list">
        {vaults.data?.map((vault) => (
          <a
            class="card vault"
            href={vaultHref(selectorOf(vault))}
            key={vault.id}
            data-testid="vault"
          >
            <h3>
              <span class={`kind ${vault.kind.toLowerCase()}`}>{vault.kind}</span>
              {vault.externalId ? (
                <span class="vault-id" title={vault.externalId}>
                  {vault.externalId}
                </span>
              ) : null}
            </h3>
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
    </section>
  );
}
