import { isMemoryRouterError } from '@memoryrouter/client';

/** The API's own message (and code, reason) for a failure; nothing when there is none. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <strong>{isMemoryRouterError(error) ? error.code : 'Error'}</strong>
      {isMemoryRouterError(error) && error.reason ? <code>{error.reason}</code> : null}
      <span>{message}</span>
    </div>
  );
}
