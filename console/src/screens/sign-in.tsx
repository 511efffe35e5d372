import { useState } from 'preact/hooks';
import type { MemoryKey } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { clientFor } from '../session';

/** Asks for a memory key and checks it with the API before keeping it. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string, me: MemoryKey) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = key.trim();
      onSignedIn(trimmed, await clientFor(trimmed).me());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>MemoryRouter</h1>
      <form onSubmit={submit} class="card">
        <label for="memory-key">Memory key</label>
        <input
          id="memory-key"
          type="password"
          autocomplete="off"
          placeholder="mk_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          required
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="hint">
          Kept in this tab's session storage only; closing the tab signs you out. Create a key with{' '}
          <code>npm run key:create</code>.
        </p>
        <ErrorBanner error={error} />
      </form>
    </main>
  );
}
