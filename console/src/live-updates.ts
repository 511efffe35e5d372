import type { MemoryRouterClient, VaultSelector } from '@memoryrouter/client';

export interface LiveUpdateHandlers {
  /** A change happened in the vault (any event kind, RESYNC included). */
  onChange: () => void;
  /**
   * The stream ended without the screen asking: with the server's or the
   * network's error, or null when the server closed it without one.
   */
  onStopped: (error: unknown) => void;
}

/** Subscribes to a vault's changes; returns a function that stops listening. */
export type WatchVault = (
  client: MemoryRouterClient,
  selector: VaultSelector,
  handlers: LiveUpdateHandlers,
) => () => void;

/**
 * Live memory events for the vault screen, which reloads its page on every
 * `onChange`. The subscription (`client.memoryEvents`, graphql-sse) stays
 * open while the screen is shown; the vault object hibernates between
 * events, so an idle screen costs nothing. A stream that ends by itself is
 * reported, never retried here: the server ends it for a reason (a revoked
 * key, a suspended account) that a retry would only meet again, so the
 * screen says why and lets the person reconnect.
 */
export const watchVault: WatchVault | null = (client, selector, { onChange, onStopped }) => {
  const controller = new AbortController();
  void (async () => {
    try {
      const events = client.memoryEvents(selector, { signal: controller.signal });
      while (!(await events.next()).done) onChange();
      if (!controller.signal.aborted) onStopped(null);
    } catch (error) {
      if (!controller.signal.aborted) onStopped(error);
    }
  })();
  return () => controller.abort();
};
