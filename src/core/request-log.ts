import { AsyncLocalStorage } from 'node:async_hooks';
import { randomId } from './encoding';

/**
 * The request id: made once at the Worker's entry (src/http/app.ts, the first
 * middleware), answered on every response as `X-Memory-Request-Id`, put in
 * every GraphQL error's `extensions.requestId`, and named by every log line
 * about a failure, so a user's quoted id finds its log line. It is carried in
 * an AsyncLocalStorage set at the entry rather than as a parameter through
 * every layer: a failure deep in a resolver logs it without knowing a request
 * exists. Code running outside any request (a Durable Object's alarm, a
 * test calling a function directly) finds none and logs without it.
 */
export const REQUEST_ID_HEADER = 'x-memory-request-id';

const requestIds = new AsyncLocalStorage<string>();

/**
 * `mrq_` and 16 base64url characters (96 random bits): unique without
 * coordination, URL-safe, short enough to read over the phone. Not `req_`:
 * Anthropic's request ids start so, and ours may sit in the same header
 * (error-shapes.ts), so the prefix says whose support to ask. Cloudflare's
 * `cf-ray` is not reused: Workers Logs already tie every line of an
 * invocation to its ray, and outside Cloudflare's edge (wrangler dev, a
 * service binding) the header is whatever the caller sent, so neither unique
 * nor ours.
 */
export function newRequestId(): string {
  return `mrq_${randomId(12)}`;
}

/** Runs `work` (and everything it awaits or schedules) as request `id`. */
export function inRequest<T>(id: string, work: () => T): T {
  return requestIds.run(id, work);
}

/**
 * `listener`, run as the request current where this is called: for callbacks
 * the runtime calls from outside it (a WebSocket's message and close events,
 * whose operations log as the upgrade request's id).
 */
export function inThisRequest<A extends unknown[], R>(
  listener: (...args: A) => R,
): (...args: A) => R {
  const id = requestIds.getStore();
  return id === undefined ? listener : (...args) => requestIds.run(id, listener, ...args);
}

/** The id of the request this code runs for; undefined outside one. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/** `extensions.requestId` of a GraphQL error, for a client that keeps only the body; {} outside a request. */
export function requestIdExtension(): { requestId?: string } {
  const requestId = requestIds.getStore();
  return requestId === undefined ? {} : { requestId };
}

/**
 * Log lines about failures: the request id first, then what the caller
 * passes (which must never hold a secret or request input; the callers
 * redact). Every console.error/warn of src/ goes through these two.
 */
export function logError(...args: unknown[]): void {
  console.error(...withRequestId(args));
}

export function logWarn(...args: unknown[]): void {
  console.warn(...withRequestId(args));
}

function withRequestId(args: unknown[]): unknown[] {
  const id = requestIds.getStore();
  return id === undefined ? args : [`[${id}]`, ...args];
}
