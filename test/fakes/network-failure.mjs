// How a fake fails the connection itself (connect refused, reset mid-body)
// without throwing: workerd logs every exception that escapes a Worker, so a
// throwing fake printed a stack per scripted failure. The fake answers with a
// response marked by this header instead, and the tested isolate's fetch
// (test/setup/network-failures.ts) turns it into the network error workerd
// raises when a connection fails.

export const NETWORK_FAILURE_HEADER = 'x-fake-network-failure';

/**
 * The connection fails before any response (DNS, connect, TLS, reset). The
 * status is one no provider sends: should the marker go unread, the call
 * fails as a 5xx and the failure tests see the wrong reason.
 */
export function refusedConnection() {
  return new Response(null, { status: 599, headers: { [NETWORK_FAILURE_HEADER]: 'refused' } });
}

/** Headers of a response whose connection resets where its body ends. */
export const RESET_AFTER_BODY = { [NETWORK_FAILURE_HEADER]: 'reset' };
