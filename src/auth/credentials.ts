/**
 * The credential a request presents, as an `Authorization` value. The same
 * headers work on every route: `X-Memory-Key: mk_…`, `Authorization: Bearer
 * …` (a memory key or an admin JWT) and `x-api-key: mk_…` (what Anthropic's
 * SDK sends). null when there is none.
 */
export function presentedCredential(headers: Headers): string | null {
  const memoryKey = headers.get('x-memory-key')?.trim();
  if (memoryKey) return `Bearer ${memoryKey}`;
  const authorization = headers.get('authorization')?.trim();
  if (authorization) return authorization;
  const apiKey = headers.get('x-api-key')?.trim();
  if (apiKey) return `Bearer ${apiKey}`;
  return null;
}
