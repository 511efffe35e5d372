import type { GraphQLContext } from '../context';
import type { KeyPrincipal } from '../auth/principal';
import { CodedError } from '../errors';
import { vaultAddress, type VaultAddress, type VaultKind } from '../vaults/address';

/** What an operation accepts: a memory key, an admin token, or either. */
export type Credential = 'memoryKey' | 'admin' | 'either';

/**
 * Why a request may not run an operation that needs `needed`, in words that
 * match what it sent: nothing, a credential that failed (and why), or the
 * other kind of credential.
 */
export function refusal(context: GraphQLContext, needed: Credential): CodedError {
  const principal = context.principal;
  if (principal === null) {
    return new CodedError(
      'UNAUTHENTICATED',
      context.authError ??
        {
          admin: 'this operation needs an admin token: send "Authorization: Bearer <JWT>"',
          memoryKey: 'this operation needs a memory key: send "Authorization: Bearer mk_…"',
          either: 'send a memory key ("Authorization: Bearer mk_…") or an admin token',
        }[needed],
    );
  }
  return new CodedError(
    'FORBIDDEN',
    needed === 'admin'
      ? 'this operation needs an admin token; the request sent a memory key'
      : 'this operation needs a memory key; the request sent an admin token',
  );
}

/** The calling memory key; scope-auth has usually checked already, this narrows the type. */
export function keyPrincipal(context: GraphQLContext): KeyPrincipal {
  const principal = context.principal;
  if (principal?.kind !== 'key') throw refusal(context, 'memoryKey');
  return principal;
}

export interface VaultSelector {
  kind: VaultKind;
  id?: string | null;
}

/** Turns a client's selector into a server-side address under the caller's own key. */
export function addressFor(
  context: GraphQLContext,
  selector: VaultSelector | null | undefined,
): VaultAddress {
  const { key } = keyPrincipal(context);
  return selector ? vaultAddress(key.id, selector.kind, selector.id) : vaultAddress(key.id, 'CORE');
}
