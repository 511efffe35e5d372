import { useState } from 'preact/hooks';
import type { Memory, MemoryRouterClient, VaultSelector } from '@memoryrouter/client';
import { ErrorBanner } from './error-banner';

/** Narrow screens (phones) start with the form folded, so the memory list below stays in view. */
const FOLDED_WIDTH = '(max-width: 600px)';

/**
 * Stores one memory in the vault on screen (content, optional metadata as a
 * JSON object, optional date for backfill) through the typed client; the
 * server's coded refusal is shown in the form and the fields are kept. It
 * folds away under its summary, folded to begin with on a phone.
 *
 * The fields stay open while a memory is storing, so the next one can be
 * written on a slow line; when the store answers, only a field that still
 * holds what was sent is cleared (review 265: it cleared all of them, and
 * text typed meanwhile was lost unsent). Locking them instead would lose
 * nothing either, but would keep a person waiting on every store.
 */
export function AddMemory({
  client,
  selector,
  onStored,
}: {
  client: MemoryRouterClient;
  selector: VaultSelector;
  onStored: (memory: Memory) => void;
}) {
  const [content, setContent] = useState('');
  const [metadata, setMetadata] = useState('');
  const [date, setDate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [startsOpen] = useState(() => !matchMedia(FOLDED_WIDTH).matches);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    let parsed: unknown = undefined;
    if (metadata.trim() !== '') {
      try {
        parsed = JSON.parse(metadata);
      } catch {
        // Caught before sending, as the search form does; what the server refuses shows its code.
        setError(new Error('Metadata is not valid JSON, e.g. {"topic": "health"}'));
        return;
      }
    }
    setBusy(true);
    // What is sent: a field changed while it stores is the next memory's.
    const sent = { content, metadata, date };
    const clearIfSent = (sentValue: string) => (current: string) =>
      current === sentValue ? '' : current;
    try {
      const stored = await client.store({
        content: sent.content,
        vault: selector,
        ...(parsed === undefined ? {} : { metadata: parsed }),
        // datetime-local is the reader's local time; the API takes an instant.
        ...(sent.date === '' ? {} : { createdAt: new Date(sent.date).toISOString() }),
      });
      setContent(clearIfSent(sent.content));
      setMetadata(clearIfSent(sent.metadata));
      setDate(clearIfSent(sent.date));
      onStored(stored);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="card add-memory-panel" open={startsOpen}>
      <summary>Add a memory</summary>
      <form class="add-memory" onSubmit={submit} aria-label="Add a memory">
        <label class="wide">
          Memory
          <textarea
            name="content"
            value={content}
            onInput={(event) => setContent(event.currentTarget.value)}
            placeholder="I am allergic to peanuts"
            required
          />
        </label>
        <label>
          Metadata (JSON object, optional)
          <input
            name="metadata"
            value={metadata}
            onInput={(event) => setMetadata(event.currentTarget.value)}
            placeholder='{"topic": "health"}'
          />
        </label>
        <label>
          Date (optional, default: now)
          <input
            name="createdAt"
            type="datetime-local"
            value={date}
            onInput={(event) => setDate(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Storing…' : 'Add memory'}
        </button>
        <div class="wide">
          <ErrorBanner error={error} />
        </div>
      </form>
    </details>
  );
}
