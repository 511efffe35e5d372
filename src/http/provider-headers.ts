/** Upstream response headers not passed on: hop-by-hop, framing we redo, cookies. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'set-cookie',
  'alt-svc',
]);

/**
 * The provider's response headers a client gets, on an answer and on an
 * error alike (rate limits, request ids, processing times): all but
 * hop-by-hop, framing and cookies.
 */
export function providerHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  upstream.forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.set(name, value);
  });
  return headers;
}
