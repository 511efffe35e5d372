import { useState } from 'preact/hooks';
import type {
  MemoryRouterClient,
  MemoryWindow,
  SearchInput,
  SearchMode,
  SearchResult,
  MemoryReceipt,
  VaultSelector,
} from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { HitTimeline } from '../components/hit-timeline';
import { MoreVaults } from '../components/more-vaults';
import { MemoryCard } from '../components/memory-card';
import { WindowLimits } from '../components/window-limits';
import { formatNumber, selectorOf, vaultLabel } from '../format';
import { useVaultPages } from '../use-vault-pages';

const WINDOWS: { window: MemoryWindow; hint: string; limit: number }[] = [
  { window: 'HOT', hint: 'last hours', limit: 4 },
  { window: 'WORKING', hint: 'last days', limit: 4 },
  { window: 'LONG_TERM', hint: 'last months', limit: 4 },
  { window: 'ARCHIVE', hint: 'older', limit: 0 },
];

interface Answer {
  result: SearchResult & { receipt: MemoryReceipt | null };
  now: number;
}

/** A KRONOS search with every knob of SearchInput, its hits by window, and the receipt. */
export function SearchScreen({ client }: { client: MemoryRouterClient }) {
  const vaults = useVaultPages(client);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('HYBRID');
  const [limits, setLimits] = useState(() =>
    Object.fromEntries(WINDOWS.map((w) => [w.window, w.limit])),
  );
  const [chosen, setChosen] = useState<string[]>(['CORE']);
  const [metadata, setMetadata] = useState('');
  const [now, setNow] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const options = (vaults.vaults ?? []).map((vault) => ({
    value: vaultLabel(vault.kind, vault.externalId),
    selector: selectorOf(vault),
  }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let filter: unknown = undefined;
    if (metadata.trim() !== '') {
      try {
        filter = JSON.parse(metadata);
      } catch {
        setError(new Error('The metadata filter is not valid JSON, e.g. {"topic": "health"}'));
        return;
      }
    }
    const reference = now === '' ? Date.now() : Date.parse(now);
    const selectors: VaultSelector[] = options
      .filter((option) => chosen.includes(option.value))
      .map((option) => option.selector);
    const input: SearchInput = {
      query,
      mode,
      // Every window as set, 0 included: a window of limit 0 is not read, and
      // all at 0 is the API's NO_HITS_ASKED notice, shown with the results
      // (left out, they made `windows: []`, refused as INVALID_WINDOWS).
      windows: WINDOWS.map(({ window }) => ({ window, limit: limits[window] ?? 0 })),
      ...(selectors.length > 0 ? { vaults: selectors } : {}),
      ...(filter === undefined ? {} : { metadata: filter }),
      ...(now === '' ? {} : { now: new Date(reference).toISOString() }),
    };
    setBusy(true);
    setAnswer(null);
    try {
      setAnswer({ result: await client.search(input), now: reference });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <header class="screen-header">
        <h1>Search playground</h1>
      </header>
      <form class="card search-form" onSubmit={submit}>
        <label class="wide">
          Query
          <input
            name="query"
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
            placeholder="what colour do I like?"
            required
          />
        </label>
        <label>
          Mode
          <select
            name="mode"
            value={mode}
            onChange={(event) => setMode(event.currentTarget.value as SearchMode)}
          >
            <option value="HYBRID">HYBRID (meaning and words)</option>
            <option value="VECTOR">VECTOR (meaning)</option>
            <option value="TEXT">TEXT (words, BM25)</option>
          </select>
        </label>
        <label>
          <span>
            Reference time (<code>now</code>, default: the server's clock)
          </span>
          <input
            name="now"
            type="datetime-local"
            value={now}
            onInput={(event) => setNow(event.currentTarget.value)}
          />
        </label>
        <WindowLimits
          legend="Hits per window"
          windows={WINDOWS}
          limits={limits}
          onChange={setLimits}
        />
        <fieldset class="wide">
          <legend>Vaults</legend>
          {options.length === 0 ? <small>CORE (no vault holds memories yet)</small> : null}
          {options.map((option) => (
            <label key={option.value} class="check">
              <input
                type="checkbox"
                checked={chosen.includes(option.value)}
                onChange={(event) =>
                  setChosen(
                    event.currentTarget.checked
                      ? [...chosen, option.value]
                      : chosen.filter((value) => value !== option.value),
                  )
                }
              />
              {option.value}
            </label>
          ))}
          <MoreVaults vaults={vaults} />
        </fieldset>
        <label class="wide">
          Metadata filter (JSON object, all pairs must match)
          <input
            name="metadata"
            value={metadata}
            onInput={(event) => setMetadata(event.currentTarget.value)}
            placeholder='{"topic": "health"}'
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorBanner error={error ?? vaults.error} />
      {/* Always present, so a screen reader hears the search start and its results arrive. */}
      <p class="sr-only" role="status" aria-live="polite" data-testid="search-status">
        {busy
          ? 'Searching…'
          : answer
            ? `${plural(answer.result.hits.length, 'hit')} found${answer.result.notice ? `: ${answer.result.notice.reason}` : ''}.`
            : ''}
      </p>
      {answer ? <Results answer={answer} /> : null}
    </section>
  );
}

function Results({ answer }: { answer: Answer }) {
  const { result, now } = answer;
  return (
    <div class="results">
      <p class="summary">
        {plural(result.hits.length, 'hit')} · {formatNumber(result.memoryTokens)} memory tokens
      </p>
      {result.notice ? (
        <p class="notice" data-testid="search-notice">
          <code>{result.notice.reason}</code> {result.notice.message}
        </p>
      ) : null}
      {result.hits.length > 0 ? <HitTimeline hits={result.hits} now={now} /> : null}
      {WINDOWS.map(({ window }) => {
        // The API lists hits best first across windows; filtered in that
        // order, each window's hits read in its own ranking.
        const hits = result.hits.filter((hit) => hit.window === window);
        if (hits.length === 0) return null;
        return (
          <section key={window} class="window-group" data-window={window}>
            <h2>
              <span class={`dot ${window.toLowerCase()}`} /> {window}{' '}
              <small>{plural(hits.length, 'hit')}</small>
            </h2>
            <ol class="memory-list">
              {hits.map((hit) => (
                <MemoryCard memory={hit.memory} key={hit.memory.id}>
                  <span class="score" title="score">
                    score {hit.score.toFixed(4)}
                  </span>
                  <span class="chip">
                    {vaultLabel(hit.memory.vault.kind, hit.memory.vault.externalId)}
                  </span>
                </MemoryCard>
              ))}
            </ol>
          </section>
        );
      })}
      {result.receipt ? <Receipt receipt={result.receipt} /> : null}
    </div>
  );
}

/** `extensions.memory`: vaults called, hits per window, tokens, time in the vault objects. */
function Receipt({ receipt }: { receipt: MemoryReceipt }) {
  return (
    <details class="card receipt" open>
      <summary>Receipt</summary>
      <dl>
        <dt>Memory tokens</dt>
        <dd>{formatNumber(receipt.memoryTokens)}</dd>
        <dt>Windows</dt>
        <dd>{receipt.windows.map((w) => `${w.window} ${w.hits}`).join(' · ') || '—'}</dd>
        <dt>Vault calls</dt>
        <dd>
          {receipt.vaults.map((vault) => (
            <div key={vault.vault}>
              <code>{vault.vault}</code> × {vault.calls}, {vault.elapsedMs.toFixed(2)} ms
            </div>
          ))}
        </dd>
      </dl>
    </details>
  );
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
