/**
 * The credential a request presents, as an `Authorization` value, read the
 * same way on every route: `X-Memory-Key: mk_…`, then `Authorization:
 * Bearer …` (a memory key or an admin JWT), then `x-api-key: mk_…`
 * (Anthropic's SDK), then `x-goog-api-key: mk_…` (Google's), then a
 * `key=mk_…` query parameter (Gemini's REST examples). null when there is
 * none.
 */
export function presentedCredential(request: Request): string | null {
  const sent = credentialIn((name) => request.headers.get(name)?.trim() || null);
  if (sent !== null) return sent;
  const queryKey = new URL(request.url).searchParams.get('key');
  if (queryKey?.startsWith('mk_')) return `Bearer ${queryKey}`;
  return null;
}

/**
 * The credential among named values (a request's headers, a GraphQL
 * WebSocket's connectionParams), in the order of precedence above, as an
 * `Authorization` value (the `authorization` one as sent); null when none.
 */
export function credentialIn(read: (name: string) => string | null): string | null {
  const memoryKey = read('x-memory-key');
  if (memoryKey) return `Bearer ${memoryKey}`;
  const authorization = read('authorization');
  if (authorization) return authorization;
  const apiKey = read('x-api-key') || read('x-goog-api-key');
  if (apiKey) return `Bearer ${apiKey}`;
  return null;
}

/** The caller's provider key for this request only (X-Provider-Key): never stored, never logged. */
export function presentedProviderKey(request: Request): string | null {
  return request.headers.get('x-provider-key')?.trim() || null;
}
