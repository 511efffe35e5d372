import type { GraphQLContext } from '../context';
import type { KeyPrincipal } from '../auth/principal';
import { CodedError } from '../errors';
import { vaultAddress, type VaultAddress, type VaultKind } from '../vaults/address';

/** The calling memory key; scope-auth has already checked, this narrows the type. */
export function keyPrincipal(context: GraphQLContext): KeyPrincipal {
  const principal = context.principal;
  if (principal?.kind !== 'key')
    throw new CodedError('UNAUTHENTICATED', 'this operation needs a memory key');
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
