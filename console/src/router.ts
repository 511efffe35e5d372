import { useEffect, useState } from 'preact/hooks';
import type { VaultSelector } from '@memoryrouter/client';

/**
 * Hash routes (#/vaults, #/vault/session/user-42, #/search, #/chat,
 * #/usage, #/import): the Worker serves one index.html, and no request path other
 * than /console/… is ever claimed by the console.
 */
export type Route =
  | { screen: 'vaults' }
  | { screen: 'vault'; selector: VaultSelector }
  | { screen: 'search' }
  | { screen: 'chat' }
  | { screen: 'usage' }
  | { screen: 'import'; selector: VaultSelector | null };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [screen, kind, id] = parts;
  switch (screen) {
    case 'vault':
      return { screen: 'vault', selector: selectorOf(kind, id) ?? { kind: 'CORE' } };
    case 'search':
    case 'chat':
    case 'usage':
      return { screen };
    case 'import':
      return { screen: 'import', selector: selectorOf(kind, id) };
    default:
      return { screen: 'vaults' };
  }
}

function selectorOf(kind: string | undefined, id: string | undefined): VaultSelector | null {
  if (kind === 'core') return { kind: 'CORE' };
  if ((kind === 'session' || kind === 'ephemeral') && id)
    return { kind: kind === 'session' ? 'SESSION' : 'EPHEMERAL', id };
  return null;
}

/** The hash of a vault's own screen (or of `screen` for that vault). */
export function vaultHref(selector: VaultSelector, screen: 'vault' | 'import' = 'vault'): string {
  const kind = selector.kind.toLowerCase();
  return selector.kind === 'CORE'
    ? `#/${screen}/${kind}`
    : `#/${screen}/${kind}/${encodeURIComponent(selector.id ?? '')}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
