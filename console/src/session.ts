import {
  createClient,
  isMemoryRouterError,
  type FetchLike,
  type MemoryRouterClient,
} from '@memoryrouter/client';

/**
 * The memory key lives in sessionStorage only: it is gone when the tab
 * closes, is never written to localStorage, and never appears in a URL.
 */
const STORAGE_KEY = 'memoryrouter.memoryKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function rememberKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Told that the server no longer takes the key, with its reason (KEY_REVOKED, …). */
export type OnKeyRefused = (reason: string) => void;

/**
 * The reasons of an UNAUTHENTICATED answer that mean the memory key itself
 * is refused. Others share the code but not the meaning: a chat without a
 * provider key is UNAUTHENTICATED / PROVIDER_KEY_MISSING, and must not sign
 * anyone out.
 */
const KEY_REFUSALS = new Set(['KEY_REVOKED', 'KEY_UNKNOWN', 'MALFORMED_CREDENTIAL']);

/**
 * A client for the server that serves this console. With `onKeyRefused`,
 * every answer of every screen passes one place that notices a refused key.
 * The status cannot say it alone: a query whose field is nullable answers
 * 200 with the field null and the refusal in `errors`; so the reason is read
 * from a copy of each JSON body (GraphQL's `errors[].extensions`, a REST
 * route's `error`), after the answer has gone on to the screen. Streams are
 * not read that way (export downloads carry no refusal once begun); a
 * `memoryEvents` or `chat` subscription that the server ends because the key
 * was revoked (its last event is the error) is noticed where the client
 * throws it.
 */
export function clientFor(key: string, onKeyRefused?: OnKeyRefused): MemoryRouterClient {
  const client = createClient({
    url: location.origin,
    key,
    ...(onKeyRefused ? { fetch: noticingRefusal(onKeyRefused) } : {}),
  });
  if (!onKeyRefused) return client;
  return {
    ...client,
    memoryEvents: (vault, init) =>
      noticingStreamRefusal(client.memoryEvents(vault, init), onKeyRefused),
    chat: (input, init) => noticingStreamRefusal(client.chat(input, init), onKeyRefused),
  };
}

/** The reason, when `error` is the server refusing the memory key itself; null otherwise. */
export function keyRefusalOf(error: unknown): string | null {
  return isMemoryRouterError(error, 'UNAUTHENTICATED') &&
    error.reason !== undefined &&
    KEY_REFUSALS.has(error.reason)
    ? error.reason
    : null;
}

/** True when `error` is the server refusing a write because the account is suspended for billing. */
export function isSuspension(error: unknown): boolean {
  return isMemoryRouterError(error, 'PAYMENT_REQUIRED') && error.reason === 'ACCOUNT_SUSPENDED';
}

/** `events` as they come; a stream ended by a refusal of the key tells `onKeyRefused` first. */
async function* noticingStreamRefusal<T>(
  events: AsyncGenerator<T, void, undefined>,
  onKeyRefused: OnKeyRefused,
): AsyncGenerator<T, void, undefined> {
  try {
    yield* events;
  } catch (error) {
    const reason = keyRefusalOf(error);
    if (reason !== null) onKeyRefused(reason);
    throw error;
  }
}

function noticingRefusal(onKeyRefused: OnKeyRefused): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (
      /^application\/(graphql-response\+)?json\b/.test(response.headers.get('content-type') ?? '')
    )
      void keyRefusal(response.clone()).then((reason) => reason && onKeyRefused(reason));
    return response;
  };
}

/** The reason, when a JSON answer refuses the memory key; null otherwise. */
async function keyRefusal(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as {
      errors?: { extensions?: { code?: unknown; reason?: unknown } }[];
      error?: { code?: unknown; reason?: unknown };
    };
    const refusals = [...(body.errors ?? []).map((error) => error.extensions), body.error];
    for (const refusal of refusals) {
      if (refusal?.code !== 'UNAUTHENTICATED' || typeof refusal.reason !== 'string') continue;
      if (KEY_REFUSALS.has(refusal.reason)) return refusal.reason;
    }
    return null;
  } catch {
    return null;
  }
}
