/**
 * The credential a request presents, as an `Authorization` value, read the
 * same way on every route: `X-Memory-Key: mk_…`, then `Authorization:
 * Bearer …` (a memory key or an admin JWT), then `x-api-key: mk_…`
 * (Anthropic's SDK), then `x-goog-api-key: mk_…` (Google's), then a
 * `key=mk_…` query parameter (Gemini's REST examples). null when there is
 * none.
 */
export function presentedCredential(request: Request): string | null {
  const { headers } = request;
  const memoryKey = headers.get('x-memory-key')?.trim();
  if (memoryKey) return `Bearer ${memoryKey}`;
  const authorization = headers.get('authorization')?.trim();
  if (authorization) return authorization;
  const apiKey = headers.get('x-api-key')?.trim() || headers.get('x-goog-api-key')?.trim();
  if (apiKey) return `Bearer ${apiKey}`;
  const queryKey = new URL(request.url).searchParams.get('key');
  if (queryKey?.startsWith('mk_')) return `Bearer ${queryKey}`;
  return null;
}

/** The caller's provider key for this request only (X-Provider-Key): never stored, never logged. */
export function presentedProviderKey(request: Request): string | null {
  return request.headers.get('x-provider-key')?.trim() || null;
}
