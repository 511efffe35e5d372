import type { MemoryRouterClient, VaultSelector } from '@memoryrouter/client';

/** Subscribes to a vault's changes; returns a function that stops listening. */
export type WatchVault = (
  client: MemoryRouterClient,
  selector: VaultSelector,
  onChange: () => void,
) => () => void;

/**
 * Integration point for live memory events (issue 14): the vault screen calls
 * this, when set, and reloads its page on every `onChange`.
 *
 * Null because the API has no `Subscription.memoryEvents` yet, so the vault
 * screen updates on its Refresh button and after its own actions. When the
 * subscription lands: add its document to packages/client/src/operations,
 * run `npm run generate`, and set this to a function that iterates
 * `client.subscribe(MemoryEventsDocument, { vault: selector }, { signal })`,
 * calls `onChange()` per event, and returns `() => controller.abort()`.
 */
export const watchVault: WatchVault | null = null;
