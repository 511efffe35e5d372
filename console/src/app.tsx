import { useEffect, useErrorBoundary, useMemo, useState } from 'preact/hooks';
import type { MemoryKey } from '@memoryrouter/client';
import { ErrorBanner } from './components/error-banner';
import { useRoute } from './router';
import { ChatScreen } from './screens/chat';
import { ImportScreen } from './screens/import';
import { SearchScreen } from './screens/search';
import { SignIn } from './screens/sign-in';
import { UsageScreen } from './screens/usage';
import { VaultScreen } from './screens/vault';
import { Vaults } from './screens/vaults';
import { clientFor, forgetKey, rememberKey, storedKey } from './session';

const NAV = [
  ['vaults', 'Vaults'],
  ['search', 'Search'],
  ['chat', 'Chat'],
  ['usage', 'Usage'],
  ['import', 'Import'],
] as const;

export function App() {
  const [key, setKey] = useState(storedKey);
  const [me, setMe] = useState<MemoryKey | null>(null);
  // Why the console signed itself out (the refusal's reason), shown on the sign-in screen.
  const [refusedBecause, setRefusedBecause] = useState<string | null>(null);
  /**
   * Forgets the key, and the screen it was on: the next key to sign in
   * starts at the Vaults screen, not in the vault of the same name that the
   * address still named (a link opened before signing in is still followed).
   */
  const signedOut = () => {
    forgetKey();
    setKey(null);
    setMe(null);
    if (location.hash !== '' && location.hash !== '#/vaults') location.replace('#/vaults');
  };
  const client = useMemo(
    () =>
      key === null
        ? null
        : clientFor(key, (reason) => {
            // A late refusal of a key signed out already must not sign out the next one.
            if (storedKey() !== key) return;
            signedOut();
            setRefusedBecause(reason);
          }),
    [key],
  );
  const route = useRoute();
  // A rendering bug shows its message instead of a blank page.
  const [renderError, resetRenderError] = useErrorBoundary();

  // After a reload the key is still in this tab's session: ask who it is. If
  // the server no longer accepts it, the client's refusal handler signs out.
  useEffect(() => {
    if (client === null || me !== null) return;
    client.me().then(setMe, () => {});
  }, [client]);

  if (client === null)
    return (
      <SignIn
        refusedBecause={refusedBecause}
        onSignedIn={(newKey, newMe) => {
          rememberKey(newKey);
          setRefusedBecause(null);
          setMe(newMe);
          setKey(newKey);
        }}
      />
    );

  const current = route.screen === 'vault' ? 'vaults' : route.screen;

  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/vaults">
          MemoryRouter
        </a>
        <nav>
          {NAV.map(([screen, label]) => (
            <a
              key={screen}
              href={`#/${screen}`}
              aria-current={current === screen ? 'page' : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <span class="who">{me ? (me.name ?? me.id) : null}</span>
        <button type="button" class="secondary" onClick={signedOut}>
          Sign out
        </button>
      </header>
      <main>
        {renderError ? (
          <>
            <ErrorBanner error={renderError} />
            <button type="button" onClick={resetRenderError}>
              Try again
            </button>
          </>
        ) : route.screen === 'vault' ? (
          <VaultScreen client={client} selector={route.selector} />
        ) : route.screen === 'search' ? (
          <SearchScreen client={client} />
        ) : route.screen === 'chat' ? (
          <ChatScreen client={client} />
        ) : route.screen === 'usage' ? (
          <UsageScreen client={client} me={me} />
        ) : route.screen === 'import' ? (
          <ImportScreen
            client={client}
            initial={route.selector}
            key={JSON.stringify(route.selector)}
          />
        ) : (
          <Vaults client={client} />
        )}
      </main>
    </div>
  );
}
