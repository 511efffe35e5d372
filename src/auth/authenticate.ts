import { CodedError } from '../errors';
import { verifyAdminJwt } from './admin-jwt';
import { deriveKey, KEY_PREFIX, parseMemoryKey } from './memory-key';
import type { Principal } from './principal';

/** Three base64url segments: header, payload, signature. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function accountStub(env: Env, accountId: string) {
  return env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
}

/**
 * Resolves an `Authorization: Bearer …` header value to a principal. `mk_…` is a
 * memory key (checked by its account object); a JWT is an admin token.
 * Returns null without credentials; throws UNAUTHENTICATED, saying which
 * kind of credential failed and why, for bad ones.
 */
export async function authenticate(
  header: string | null | undefined,
  env: Env,
): Promise<Principal | null> {
  if (header === null || header === undefined || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null)
    throw new CodedError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
  const token = match[1]!;

  if (token.startsWith(KEY_PREFIX)) {
    const parsed = parseMemoryKey(token);
    if (parsed === null) throw new CodedError('UNAUTHENTICATED', 'malformed memory key');
    const { keyId, verifier } = await deriveKey(env.KEY_HMAC_SECRET, parsed.key);
    const result = await accountStub(env, parsed.accountId).authenticate(
      parsed.accountId,
      keyId,
      verifier,
    );
    if (!result.ok) throw new CodedError(result.code, result.message);
    return { kind: 'key', accountId: result.accountId, key: result.key, status: result.status };
  }
  if (!JWT_SHAPE.test(token)) {
    throw new CodedError(
      'UNAUTHENTICATED',
      'the bearer token is neither a memory key (mk_…) nor an admin token (a JWT)',
    );
  }
  return { kind: 'admin', accountId: await verifyAdminJwt(token, env) };
}
