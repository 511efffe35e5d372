import { useState } from 'preact/hooks';
import type {
  ImportProgress,
  ImportReport,
  MemoryRouterClient,
  VaultKind,
  VaultSelector,
} from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { formatNumber, vaultLabel } from '../format';
import { vaultHref } from '../router';

/** Imports a JSONL file into a vault, showing progress and the per-line report. */
export function ImportScreen({
  client,
  initial,
}: {
  client: MemoryRouterClient;
  initial: VaultSelector | null;
}) {
  const [kind, setKind] = useState<VaultKind>(initial?.kind ?? 'CORE');
  const [id, setId] = useState(initial?.id ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const selector: VaultSelector = kind === 'CORE' ? { kind } : { kind, id };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === null) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      // Small parts, so the bar moves for files of a few hundred lines too.
      setReport(
        await client.importVault(selector, file, { onProgress: setProgress, linesPerRequest: 100 }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <header class="screen-header">
        <h1>Import JSONL</h1>
      </header>
      <form class="card import-form" onSubmit={submit}>
        <label>
          Vault
          <select
            name="kind"
            value={kind}
            onChange={(event) => setKind(event.currentTarget.value as VaultKind)}
          >
            <option value="CORE">CORE</option>
            <option value="SESSION">SESSION</option>
            <option value="EPHEMERAL">EPHEMERAL</option>
          </select>
        </label>
        {kind === 'CORE' ? null : (
          <label>
            {kind === 'SESSION' ? 'Session id' : 'Conversation id'}
            <input
              name="vault-id"
              value={id}
              onInput={(event) => setId(event.currentTarget.value)}
              required
            />
          </label>
        )}
        <label class="wide">
          <span>
            File: an export, or lines like{' '}
            <code>{'{"content": "…", "role": "user", "timestamp": 1764000000000}'}</code>
          </span>
          <input
            name="file"
            type="file"
            accept=".jsonl,.ndjson,application/x-ndjson,text/plain"
            onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
            required
          />
        </label>
        <button type="submit" disabled={busy || file === null}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {progress ? (
        <div class="card import-progress">
          <progress
            max={Math.max(progress.totalLines, 1)}
            value={progress.linesDone}
            aria-label="Import progress"
          />
          <p data-field="progress">
            {formatNumber(progress.linesDone)} / {formatNumber(progress.totalLines)} lines ·{' '}
            {formatNumber(progress.imported)} imported · {formatNumber(progress.skipped)} skipped ·{' '}
            {formatNumber(progress.failed)} failed
          </p>
        </div>
      ) : null}
      <ErrorBanner error={error} />
      {/* Always present, so a screen reader hears the import move on and end. */}
      <p class="sr-only" role="status" aria-live="polite" data-testid="import-status">
        {busy && progress
          ? `${formatNumber(progress.linesDone)} of ${formatNumber(progress.totalLines)} lines`
          : report
            ? `Import finished: ${formatNumber(report.imported)} imported, ${formatNumber(report.skipped)} skipped, ${formatNumber(report.failed)} failed.`
            : ''}
      </p>
      {report ? (
        <div class="card import-report" data-testid="import-report">
          <h2>Report</h2>
          <dl class="facts">
            <dt>Imported</dt>
            <dd data-field="imported">{formatNumber(report.imported)}</dd>
            <dt>Skipped</dt>
            <dd data-field="skipped">{formatNumber(report.skipped)}</dd>
            <dt>Failed</dt>
            <dd data-field="failed">{formatNumber(report.failed)}</dd>
            <dt>Memory tokens billed</dt>
            <dd data-field="memoryTokens">{formatNumber(report.memoryTokens)}</dd>
          </dl>
          {report.failures.length > 0 ? (
            <table class="failures">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {report.failures.map((failure) => (
                  <tr key={failure.line}>
                    <td>{failure.line}</td>
                    <td>{failure.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <a href={vaultHref(selector)}>Open {vaultLabel(selector.kind, selector.id)}</a>
        </div>
      ) : null}
    </section>
  );
}
