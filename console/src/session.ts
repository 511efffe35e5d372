import { createClient, type MemoryRouterClient } from '@memoryrouter/client';

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

/** A client for the server that serves this console. */
export function clientFor(key: string): MemoryRouterClient {
  return createClient({ url: location.origin, key });
}
