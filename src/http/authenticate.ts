import { JWT_SHAPE, verifyAdminJwt } from '../auth/admin-jwt';
import { deriveKey, deriveKeyForCheck, KEY_PREFIX, parseMemoryKey } from '../auth/memory-key';
import { accountStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import type { KeyPrincipal, Principal } from '../resolvers/principal';
import { recalledPrincipal, rememberPrincipal } from '../resolvers/verified-keys';

/** Who a request is, or why the credentials it sent were refused. */
export interface Authenticated {
  principal: Principal | null;
  authError: CodedError | null;
}

/**
 * Authenticates a request once, at the edge. `mk_…` is a memory key, checked
 * by its account object in the same call that reads the account's standing,
 * unless this isolate verified it within the last seconds (verified-keys.ts);
 * a JWT is an admin token. No credential is no principal; a bad one is no
 * principal and the reason, kept for the answer of whatever needed one.
 */
export async function authenticate(credential: string | null, env: Env): Promise<Authenticated> {
  if (credential === null || credential.trim() === '') return { principal: null, authError: null };
  try {
    return { principal: await principalOf(credential, env), authError: null };
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    return { principal: null, authError: error };
  }
}

async function principalOf(credential: string, env: Env): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(credential);
  if (match === null) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'Authorization must be "Bearer <token>"',
      'MALFORMED_CREDENTIAL',
    );
  }
  const token = match[1]!;
  if (token.startsWith(KEY_PREFIX)) {
    const parsed = parseMemoryKey(token);
    if (parsed === null)
      throw new CodedError('UNAUTHENTICATED', 'malformed memory key', 'MALFORMED_CREDENTIAL');
    const current = await deriveKey(env.KEY_HMAC_SECRET, parsed.key);
    const { keyId, verifier } = current;
    const recalled = recalledPrincipal(keyId, verifier);
    if (recalled !== null && recalled.accountId === parsed.accountId) return recalled;
    const standing = await accountStub(env, parsed.accountId).authenticate(
      parsed.accountId,
      await deriveKeyForCheck(env, parsed.key, current),
    );
    if (!standing.ok) throw CodedError.from(standing);
    const principal: KeyPrincipal = {
      kind: 'key',
      accountId: parsed.accountId,
      key: standing.key,
      status: standing.status,
      verifiedAt: Date.now(),
    };
    rememberPrincipal(keyId, verifier, principal);
    return principal;
  }
  if (!JWT_SHAPE.test(token)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'the bearer token is neither a memory key (mk_…) nor an admin token (a JWT)',
      'MALFORMED_CREDENTIAL',
    );
  }
  return { kind: 'admin', accountId: await verifyAdminJwt(token, env) };
}
