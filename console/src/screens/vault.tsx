import { useEffect, useState } from 'preact/hooks';
import type { Memory, MemoryOrder, MemoryRouterClient, VaultSelector } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { AddMemory } from '../components/add-memory';
import { LiveStopped } from '../components/live-stopped';
import { MemoryCard } from '../components/memory-card';
import {
  countOf,
  formatBytes,
  formatNumber,
  formatRelative,
  formatTime,
  vaultLabel,
} from '../format';
import { watchVault } from '../live-updates';
import { vaultHref } from '../router';
import { isSuspension, keyRefusalOf } from '../session';
import { useAsync } from '../use-async';

const PAGE_SIZE = 20;

/** One vault: its facts, its memories a page at a time, delete, clear, export. */
export function VaultScreen({
  client,
  selector,
}: {
  client: MemoryRouterClient;
  selector: VaultSelector;
}) {
  const [order, setOrder] = useState<MemoryOrder>('NEWEST_FIRST');
  // Cursors of the pages before this one; the last is this page's `after`.
  // They belong to one listing (vault and order): the server refuses a
  // cursor in another (INVALID_CURSOR), so another listing starts at page 1
  // in the same render, not one render later.
  const listing = `${selector.kind}:${selector.id ?? ''}:${order}`;
  const [paging, setPaging] = useState({ listing, cursors: [null] as (string | null)[] });
  const cursors = paging.listing === listing ? paging.cursors : [null];
  const setCursors = (next: (string | null)[]) => setPaging({ listing, cursors: next });
  const after = cursors.at(-1) ?? null;
  const page = useAsync(
    () => client.memories(selector, { first: PAGE_SIZE, after, order }),
    [client, selector.kind, selector.id, after, order],
  );
  const [actionError, setActionError] = useState<unknown>(null);
  // Why the live subscription ended by itself, if it did; Reconnect opens it again.
  const [liveStopped, setLiveStopped] = useState<{ error: unknown } | null>(null);
  const [liveAttempt, setLiveAttempt] = useState(0);
  useEffect(() => {
    setLiveStopped(null);
    return watchVault?.(client, selector, {
      onChange: page.reload,
      // A refused key signs the whole console out (session.ts): nothing to say here.
      onStopped: (error) => keyRefusalOf(error) === null && setLiveStopped({ error }),
    });
  }, [client, selector.kind, selector.id, liveAttempt]);
  const reconnect = () => {
    setLiveAttempt((attempt) => attempt + 1);
    // What changed while nothing was listening.
    page.reload();
  };

  const vault = page.data;
  const label = vaultLabel(selector.kind, selector.id);
  const act = (run: () => Promise<unknown>) => async () => {
    setActionError(null);
    try {
      await run();
      page.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <section>
      <header class="screen-header">
        <h1 class="vault-title" title={label}>
          <a href="#/vaults">Vaults</a> / {label}
        </h1>
        <div class="actions">
          <button type="button" class="secondary" onClick={page.reload}>
            Refresh
          </button>
          <ExportButton client={client} selector={selector} onError={setActionError} />
          <a class="button secondary" href={vaultHref(selector, 'import')}>
            Import
          </a>
        </div>
      </header>
      {liveStopped ? <LiveStopped error={liveStopped.error} onReconnect={reconnect} /> : null}
      <ErrorBanner error={page.error} />
      <ErrorBanner error={actionError} />
      {/* A suspended account stores nothing until billing is restored (the notice says so).
          One form per vault (its key): text typed for one vault is never offered to the next. */}
      {page.error === null && !(liveStopped && isSuspension(liveStopped.error)) ? (
        <AddMemory
          key={`${selector.kind}:${selector.id ?? ''}`}
          client={client}
          selector={selector}
          onStored={page.reload}
        />
      ) : null}
      {page.data === null && !page.loading && page.error === null ? (
        <p class="empty" data-testid="vault-empty">
          This vault holds no memories: it was never written, or it was cleared.
        </p>
      ) : null}
      {vault ? (
        <>
          <dl class="facts card">
            <dt>Memories</dt>
            <dd data-field="count">{formatNumber(vault.memoryCount)}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(vault.storageBytes)}</dd>
            <dt>Embedding model</dt>
            <dd>
              <code>{vault.embeddingModel}</code> ({vault.dimensions} dims)
            </dd>
            <dt>Last write</dt>
            <dd>{formatTime(vault.lastWriteAt)}</dd>
            <dt>TTL</dt>
            <dd>
              {vault.expiresAt
                ? `expires ${formatRelative(vault.expiresAt)}`
                : 'kept until deleted'}
            </dd>
          </dl>
          <div class="toolbar">
            <label>
              Order{' '}
              <select
                value={order}
                onChange={(event) => setOrder(event.currentTarget.value as MemoryOrder)}
              >
                <option value="NEWEST_FIRST">newest first</option>
                <option value="OLDEST_FIRST">oldest first</option>
              </select>
            </label>
            <span>
              Page {cursors.length} · {countOf(vault.memories.totalCount, 'memory', 'memories')}
            </span>
          </div>
          <ol class="memory-list">
            {vault.memories.edges.map(({ node }) => (
              <MemoryCard memory={node} key={node.id}>
                <DeleteButton onDelete={act(() => client.deleteMemory(node.id))} memory={node} />
              </MemoryCard>
            ))}
          </ol>
          <nav class="pager">
            <button
              type="button"
              class="secondary"
              disabled={cursors.length === 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              ← Previous
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!vault.memories.pageInfo.hasNextPage}
              onClick={() => setCursors([...cursors, vault.memories.pageInfo.endCursor])}
            >
              Next →
            </button>
          </nav>
          <ClearVault label={label} onClear={act(() => client.clearVault(selector))} />
        </>
      ) : null}
    </section>
  );
}

/** Deletes on a second click, so one slip deletes nothing. */
function DeleteButton({ onDelete, memory }: { onDelete: () => void; memory: Memory }) {
  const [armed, setArmed] = useState(false);
  return (
    <button
      type="button"
      class={armed ? 'danger' : 'secondary'}
      aria-label={armed ? `Really delete ${memory.id}` : `Delete ${memory.id}`}
      onClick={() => (armed ? onDelete() : setArmed(true))}
      onBlur={() => setArmed(false)}
    >
      {armed ? 'Really delete?' : 'Delete'}
    </button>
  );
}

/** Clearing a vault asks for its name to be typed first. */
function ClearVault({ label, onClear }: { label: string; onClear: () => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  if (!open)
    return (
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Clear vault…
      </button>
    );
  return (
    <form
      class="card confirm"
      onSubmit={(event) => {
        event.preventDefault();
        setOpen(false);
        setTyped('');
        onClear();
      }}
    >
      <p>
        This deletes every memory of <strong>{label}</strong> for good. Type <code>{label}</code> to
        confirm.
      </p>
      <input
        aria-label="Vault name"
        value={typed}
        onInput={(event) => setTyped(event.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" class="danger" disabled={typed !== label}>
          Clear {label}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Downloads the vault as JSONL: fetched with the key, saved through a blob URL. */
function ExportButton({
  client,
  selector,
  onError,
}: {
  client: MemoryRouterClient;
  selector: VaultSelector;
  onError: (error: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    onError(null);
    try {
      const exported = await client.exportVault(selector);
      const url = URL.createObjectURL(await exported.response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = exported.filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      onError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="secondary" onClick={download} disabled={busy}>
      {busy ? 'Exporting…' : 'Export JSONL'}
    </button>
  );
}
