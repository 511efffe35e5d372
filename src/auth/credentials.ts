import { JWT_SHAPE } from './admin-jwt';
import { CodedError } from '../core/errors';

/** What a request presents: its credential as an `Authorization` value, and a provider key. */
export interface Presented {
  /** The memory key or admin JWT, as `Bearer …` (the `authorization` value as sent); null when none. */
  credential: string | null;
  /** The caller's provider key for this request only: never stored, never logged. */
  providerKey: string | null;
}

/** The headers a credential may come in, in the order docs/api.md names them. */
const CREDENTIAL_HEADERS = ['x-memory-key', 'authorization', 'x-api-key', 'x-goog-api-key'];

/** Where the key slot of each provider's SDK puts its key. */
const SDK_KEY_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key']);

/**
 * The credential a request presents, read the same way on every route:
 * `X-Memory-Key: mk_…`, `Authorization: Bearer …` (a memory key or an admin
 * JWT), `x-api-key: mk_…` (Anthropic's SDK), `x-goog-api-key: mk_…`
 * (Google's), or a `key=mk_…` query parameter (Gemini's REST examples).
 * Several places may carry the same credential; two that differ are refused
 * (AMBIGUOUS_CREDENTIAL) rather than one picked. On a drop-in route, when
 * the memory key comes in X-Memory-Key, an SDK key slot holding something
 * other than a memory key is the caller's provider key (the SDK's `apiKey`
 * is the provider's key, X-Memory-Key added as a header), unless
 * X-Provider-Key says otherwise; an admin JWT there stays a credential (two
 * credentials: refused), so it is never forwarded to a provider. An admin JWT is never read from the URL
 * (ADMIN_TOKEN_IN_URL): URLs end up in logs and histories; anything else
 * in `?key=` that is not a memory key is refused (INVALID_KEY_FORMAT).
 */
export function presentedCredentials(request: Request, { dropIn = false } = {}): Presented {
  const header = (name: string) => request.headers.get(name)?.trim() || null;
  const queryKey = new URL(request.url).searchParams.get('key')?.trim() || null;
  if (queryKey !== null && JWT_SHAPE.test(queryKey)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'an admin token is not taken from the URL (URLs end up in logs and browser histories): send it as "Authorization: Bearer <JWT>"',
      'ADMIN_TOKEN_IN_URL',
    );
  }
  // Anything else there (a provider's key, a typo) would be ignored and the
  // request run unauthenticated or on another credential without a word.
  if (queryKey !== null && !queryKey.startsWith('mk_')) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'the key query parameter takes a memory key (mk_…) only, and this is not one: send your memory key there, or leave the parameter out',
      'INVALID_KEY_FORMAT',
    );
  }
  const sent: [string, string][] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = header(name);
    if (value !== null) sent.push([name, value]);
  }
  if (queryKey !== null) sent.push(['?key=', queryKey]);
  let providerKey = header('x-provider-key');
  const withMemoryKeyHeader = dropIn && sent.some(([name]) => name === 'x-memory-key');
  const credentials = sent.filter(([name, value]) => {
    const key = tokenOf(value);
    // An admin token is a credential wherever it is sent, never a provider
    // key: taken as one, it would be forwarded to the provider.
    if (
      !withMemoryKeyHeader ||
      !SDK_KEY_HEADERS.has(name) ||
      key.startsWith('mk_') ||
      JWT_SHAPE.test(key)
    )
      return true;
    if (providerKey !== null && providerKey !== key) {
      throw new CodedError(
        'UNAUTHENTICATED',
        `two different provider keys: X-Provider-Key and ${headerName(name)} (taken as the provider key beside X-Memory-Key); send one`,
        'AMBIGUOUS_CREDENTIAL',
      );
    }
    providerKey = key;
    return false;
  });
  if (providerKey !== null) checkSentProviderKey(providerKey);
  return { credential: agreed(credentials), providerKey };
}

/**
 * A provider key as a request sends it (X-Provider-Key, an SDK key slot
 * beside X-Memory-Key, a socket's `providerKey`), refused before anything is
 * sent on when no provider could take it. A memory key or an admin token
 * there is a credential in the wrong place: forwarded, the provider (or
 * whatever a base URL names) would receive the secret, and its 401 would
 * read as a bad provider key. A character outside printable ASCII (a smart
 * quote or a line break pasted with the key) is in no provider's keys; sent
 * on, the runtime logs the whole header with a warning, and the provider's
 * echo of it comes back in another encoding, past the scrub of its message.
 */
export function checkSentProviderKey(key: string): void {
  if (key.startsWith('mk_') || JWT_SHAPE.test(key)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      `the provider key (X-Provider-Key, or providerKey on a socket) is ${key.startsWith('mk_') ? 'a memory key (mk_…)' : 'an admin token'}, which is never sent to a provider: send your provider's own API key there, or leave it out to use a stored one`,
      'PROVIDER_KEY_IS_CREDENTIAL',
    );
  }
  const odd = unprintableAt(key);
  if (odd !== -1) {
    throw new CodedError(
      'UNAUTHENTICATED',
      `the provider key has a character no API key has at position ${odd + 1} (not printable ASCII: a smart quote, an accented letter or a line break pasted with it?); nothing was sent to the provider`,
      'PROVIDER_KEY_MALFORMED',
    );
  }
}

/** Where `text` first holds a character outside printable ASCII (! to ~); -1 when nowhere. */
export function unprintableAt(text: string): number {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x21 || code > 0x7e) return at;
  }
  return -1;
}

/**
 * The one credential among named values (a GraphQL WebSocket's
 * connectionParams), under the header names above, as an `Authorization`
 * value; null when none. Two that differ: AMBIGUOUS_CREDENTIAL.
 */
export function credentialIn(read: (name: string) => string | null): string | null {
  const sent: [string, string][] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = read(name);
    if (value) sent.push([name, value]);
  }
  return agreed(sent);
}

/**
 * A GraphQL WebSocket operation's credential: its connection_init payload's
 * (`sent`, as credentialIn reads it), else its upgrade request's headers'
 * (`upgrade`, from presentedCredentials); both as `Authorization` values.
 * The two may carry the same credential; two that differ are refused
 * (AMBIGUOUS_CREDENTIAL) as two places of one HTTP request are.
 */
export function socketCredential(sent: string | null, upgrade: string | null): string | null {
  if (sent !== null && upgrade !== null && tokenOf(sent) !== tokenOf(upgrade)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'two different credentials: the connection_init payload and the upgrade request; send one (docs/api.md, "Using the API")',
      'AMBIGUOUS_CREDENTIAL',
    );
  }
  return sent ?? upgrade;
}

/**
 * A GraphQL WebSocket operation's provider key: its connection_init
 * payload's (`sent`: each value found under the payload's provider-key
 * names), else its upgrade request's (`upgrade`). As with the credential,
 * two that differ are refused (AMBIGUOUS_CREDENTIAL) rather than one picked:
 * the one not picked would be a key the caller believes is billed.
 */
export function socketProviderKey(sent: readonly string[], upgrade: string | null): string | null {
  const values = upgrade === null ? sent : [...sent, upgrade];
  const first = values[0];
  if (first === undefined) return null;
  if (values.some((value) => value !== first)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      upgrade !== null && sent.length > 0 && sent.every((value) => value === sent[0])
        ? 'two different provider keys: the connection_init payload and the upgrade request; send one'
        : 'two different provider keys in the connection_init payload (providerKey, x-provider-key); send one',
      'AMBIGUOUS_CREDENTIAL',
    );
  }
  checkSentProviderKey(first);
  return first;
}

/** The token of a header's value: an Authorization value without its scheme, any other as sent. */
function tokenOf(value: string): string {
  return value.replace(/^Bearer\s+/i, '').trim();
}

/** The credential all the places agree on, as an `Authorization` value; null when none. */
function agreed(sent: [string, string][]): string | null {
  const first = sent[0];
  if (first === undefined) return null;
  const other = sent.find(([, value]) => tokenOf(value) !== tokenOf(first[1]));
  if (other !== undefined) {
    throw new CodedError(
      'UNAUTHENTICATED',
      `two different credentials: ${headerName(first[0])} and ${headerName(other[0])}; send one (docs/api.md, "Using the API")`,
      'AMBIGUOUS_CREDENTIAL',
    );
  }
  return first[0] === 'authorization' ? first[1] : `Bearer ${first[1]}`;
}

const HEADER_NAMES: Record<string, string> = {
  'x-memory-key': 'X-Memory-Key',
  authorization: 'Authorization',
  'x-api-key': 'x-api-key',
  'x-goog-api-key': 'x-goog-api-key',
  '?key=': 'the key query parameter',
};

function headerName(name: string): string {
  return HEADER_NAMES[name] ?? name;
}
