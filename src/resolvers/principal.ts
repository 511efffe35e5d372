import type { AccountStatus } from '../billing/usage';
import type { MemoryKeyRecord } from '../durable/rpc/account-types';
import { CodedError } from '../core/errors';
import { selectVault, type VaultAddress, type VaultSelector } from '../vaults/address';

/**
 * Who is calling, checked once at the edge (src/http/authenticate.ts) and
 * passed down: a memory key (its own vaults' data) or an account admin (keys,
 * billing, snapshots). The account's standing comes with a key, read in the
 * same call that checked it.
 */
export interface KeyPrincipal {
  kind: 'key';
  accountId: string;
  key: MemoryKeyRecord;
  status: AccountStatus;
  /**
   * When its account object last accepted the key (epoch ms): a principal
   * recalled from the isolate's cache (verified-keys.ts) is up to
   * VERIFIED_KEY_TTL_MS old, and a stream's first standing check is due a
   * TTL after it (standing-watch.ts standingSchedule). Unset: just now.
   */
  verifiedAt?: number;
}

export interface AdminPrincipal {
  kind: 'admin';
  accountId: string;
}

export type Principal = KeyPrincipal | AdminPrincipal;

/**
 * A memory key of an account in good standing: what metered operations
 * (storing, searching, injecting memory into a model call) take. Reading and
 * exporting one's own memories needs only a KeyPrincipal, so a suspended
 * account can still get its data out.
 */
export type ActiveKeyPrincipal = KeyPrincipal & { status: 'active' };

/** What an operation needs: a memory key, one of an active account, an admin token, or either. */
export type Credential = 'memoryKey' | 'activeMemoryKey' | 'admin' | 'either';

/** What a suspended account's key is told by metered operations, and open subscriptions end with. */
export const accountSuspended = () =>
  new CodedError(
    'PAYMENT_REQUIRED',
    'this account is suspended for billing; reading and exporting your memories still works',
    'ACCOUNT_SUSPENDED',
  );

/** What the standing watch follows (resolvers/standing-watch.ts): a GraphQL subscription, a drop-in stream or call. */
export type WatchedWork = 'subscription' | 'stream' | 'request' | 'import';

/** What watched work of a revoked key ends with (resolvers/standing-watch.ts). */
export const keyRevoked = (watched: WatchedWork = 'subscription') =>
  new CodedError('UNAUTHENTICATED', `the memory key of this ${watched} was revoked`, 'KEY_REVOKED');

/**
 * Why a request may not run an operation that needs `needed`, in words that
 * match what it sent: nothing, a credential that failed (and why), the other
 * kind of credential, or a key whose account is suspended.
 */
export function refusal(
  principal: Principal | null,
  authError: CodedError | null,
  needed: Credential,
  /**
   * How the client sends a memory key, in its SDK's own slot: Anthropic's
   * `x-api-key`, Google's `x-goog-api-key` (or `?key=`); default: a Bearer token.
   */
  sendKey = '"Authorization: Bearer mk_…"',
): CodedError {
  if (principal === null) {
    if (authError !== null) return authError;
    return new CodedError(
      'UNAUTHENTICATED',
      {
        admin: 'this operation needs an admin token: send "Authorization: Bearer <JWT>"',
        memoryKey: `this operation needs a memory key: send ${sendKey}`,
        activeMemoryKey: `this operation needs a memory key: send ${sendKey}`,
        either: `send a memory key (${sendKey}) or an admin token`,
      }[needed],
      'NO_CREDENTIAL',
    );
  }
  if (principal.kind === 'key' && needed === 'activeMemoryKey') return accountSuspended();
  return new CodedError(
    'FORBIDDEN',
    needed === 'admin'
      ? 'this operation needs an admin token; the request sent a memory key'
      : 'this operation needs a memory key; the request sent an admin token',
    'WRONG_CREDENTIAL_KIND',
  );
}

/** Whether a principal may do what `needed` asks for. */
export function satisfies(principal: Principal | null, needed: Credential): boolean {
  switch (needed) {
    case 'memoryKey':
      return principal?.kind === 'key';
    case 'activeMemoryKey':
      return principal?.kind === 'key' && principal.status === 'active';
    case 'admin':
      return principal?.kind === 'admin';
    case 'either':
      return principal !== null;
  }
}

/** A client's selector as an address under the calling key: it can only ever name its own vaults. */
export function vaultOf(principal: KeyPrincipal, selector?: VaultSelector | null): VaultAddress {
  return selectVault(principal.key.id, selector);
}
