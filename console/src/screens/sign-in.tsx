import { useState } from 'preact/hooks';
import { isMemoryRouterError, type MemoryKey } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { clientFor } from '../session';

/**
 * Asks for a memory key and checks it with the API before keeping it. After
 * the server refused the key in use (`refusedBecause`, its reason), says so:
 * the console signed out and forgot the key.
 */
export function SignIn({
  onSignedIn,
  refusedBecause = null,
}: {
  onSignedIn: (key: string, me: MemoryKey) => void;
  refusedBecause?: string | null;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = keyOf(key);
      onSignedIn(trimmed, await clientFor(trimmed).me());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  // A key the client cannot send at all (INVALID_KEY) is the field's fault: shown at the field.
  const keyError = isMemoryRouterError(error, 'INVALID_KEY') ? error : null;
  return (
    <main class="sign-in">
      <h1>MemoryRouter</h1>
      {refusedBecause === null ? null : <SignedOut reason={refusedBecause} />}
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
          aria-invalid={keyError ? 'true' : undefined}
          aria-describedby={keyError ? 'memory-key-error' : undefined}
        />
        {keyError ? (
          <p id="memory-key-error" class="field-error" role="alert">
            <strong>{keyError.code}</strong> {keyError.message}
          </p>
        ) : null}
        <button type="submit" disabled={busy || keyOf(key) === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="hint">
          Kept in this tab's session storage only; closing the tab signs you out. Create a key with{' '}
          <code>npm run key:create</code>.
        </p>
        <ErrorBanner error={keyError ? null : error} />
      </form>
    </main>
  );
}

/**
 * The key as pasted, without the spaces around it or a leading "Bearer "
 * (any case): an Authorization header's value copied whole is the key too,
 * and the console adds its own "Bearer " (review 265: the server then
 * refused "Bearer Bearer mk_…" in words that read as if the input were right).
 */
export function keyOf(pasted: string): string {
  return pasted.trim().replace(/^bearer\s+/i, '');
}

/** Why the console signed out by itself: the server refused the key it was using. */
function SignedOut({ reason }: { reason: string }) {
  return (
    <div class="error" role="alert" data-testid="signed-out">
      <strong>Signed out</strong>
      <code>{reason}</code>
      <span>
        {reason === 'KEY_REVOKED'
          ? 'This memory key was revoked, so the console forgot it.'
          : 'The server no longer accepts this memory key, so the console forgot it.'}{' '}
        Sign in with another key.
      </span>
    </div>
  );
}
