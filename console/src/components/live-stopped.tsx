import { isMemoryRouterError } from '@memoryrouter/client';
import { isSuspension } from '../session';

/**
 * Says that the vault screen's live updates ended and why, with the code the
 * stream ended with, and offers to reconnect. A suspended account keeps the
 * console signed in (its keys still read and export), so the notice says how
 * billing comes back; a revoked key never gets here (the console signs out).
 */
export function LiveStopped({ error, onReconnect }: { error: unknown; onReconnect: () => void }) {
  const coded = isMemoryRouterError(error) ? error : null;
  const suspended = isSuspension(error);
  return (
    <div class="error" role="alert" data-testid="live-stopped">
      <strong>Live updates stopped</strong>
      {coded ? <code>{coded.code}</code> : null}
      {coded?.reason ? <code>{coded.reason}</code> : null}
      <span>
        {suspended
          ? 'This account is suspended for billing, so the server ended live updates. Its memories can still be read, paged through and exported here; storing, searching, chat and live updates come back once billing is restored (the account’s Stripe invoice paid or its subscription active again).'
          : error === null
            ? 'The server closed the stream. This page no longer updates by itself; Refresh still reads it.'
            : `${error instanceof Error ? error.message : String(error)}. This page no longer updates by itself; Refresh still reads it.`}
      </span>
      <button type="button" class="secondary" onClick={onReconnect}>
        Reconnect
      </button>
    </div>
  );
}
