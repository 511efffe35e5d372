import type { MemoryRouterClient, VaultSelector } from '@memoryrouter/client';

/** Subscribes to a vault's changes; returns a function that stops listening. */
export type WatchVault = (
  client: MemoryRouterClient,
  selector: VaultSelector,
  onChange: () => void,
) => () => void;

/**
 * Live memory events for the vault screen, which reloads its page on every
 * `onChange`. The subscription (`client.memoryEvents`, graphql-sse) stays
 * open while the screen is shown; the vault object hibernates between
 * events, so an idle screen costs nothing. A dropped stream is not retried
 * here: the screen's Refresh button still works, and the next visit
 * subscribes again.
 */
export const watchVault: WatchVault | null = (client, selector, onChange) => {
  const controller = new AbortController();
  void (async () => {
    try {
      const events = client.memoryEvents(selector, { signal: controller.signal });
      // Every event kind, RESYNC included, means the page should be read again.
      while (!(await events.next()).done) onChange();
    } catch {
      // Stream refused or dropped: the screen keeps its manual refresh.
    }
  })();
  return () => controller.abort();
};
