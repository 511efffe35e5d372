import { errors, jwtVerify } from 'jose';
import { CodedError } from '../core/errors';
import { isValidAccountId } from './memory-key';

export interface AdminJwtConfig {
  ADMIN_JWT_SECRET?: string;
  ADMIN_JWT_ISSUER?: string;
  ADMIN_JWT_AUDIENCE?: string;
}

/** Three base64url segments: header, payload, signature (an admin token's shape). */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Longest an admin token may still be valid for when it is presented. */
export const MAX_ADMIN_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * Verifies an admin JWT (HS256, signed with ADMIN_JWT_SECRET, `exp` required)
 * and returns its subject, the account the admin manages.
 */
export async function verifyAdminJwt(token: string, config: AdminJwtConfig): Promise<string> {
  const secret = config.ADMIN_JWT_SECRET ?? '';
  if (secret === '') throw new Error('configuration: ADMIN_JWT_SECRET is not set');
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      ...(config.ADMIN_JWT_ISSUER ? { issuer: config.ADMIN_JWT_ISSUER } : {}),
      ...(config.ADMIN_JWT_AUDIENCE ? { audience: config.ADMIN_JWT_AUDIENCE } : {}),
    });
    // A leaked token must not work for ever: `exp` is required and bounded.
    if (payload.exp! > Date.now() / 1000 + MAX_ADMIN_TOKEN_LIFETIME_SECONDS) {
      throw new CodedError(
        'UNAUTHENTICATED',
        'admin token lives too long: its exp may be at most 24 hours ahead',
        'ADMIN_TOKEN_LIFETIME',
      );
    }
    if (typeof payload.sub !== 'string' || !isValidAccountId(payload.sub)) {
      throw new CodedError(
        'UNAUTHENTICATED',
        'admin token subject is not a valid account id',
        'ADMIN_TOKEN_INVALID',
      );
    }
    return payload.sub;
  } catch (error) {
    if (error instanceof CodedError) throw error;
    if (error instanceof errors.JWTExpired)
      throw new CodedError('UNAUTHENTICATED', 'admin token has expired', 'ADMIN_TOKEN_EXPIRED');
    // Says which claim failed (a pinned iss / aud the token lacks or gets
    // wrong is the usual cause), never the value the deployment expects.
    if (error instanceof errors.JWTClaimValidationFailed) {
      const problem = error.reason === 'missing' ? 'is missing' : 'was not accepted';
      throw new CodedError(
        'UNAUTHENTICATED',
        `invalid admin token: its "${error.claim}" claim ${problem}`,
        'ADMIN_TOKEN_INVALID',
      );
    }
    if (error instanceof errors.JOSEError)
      throw new CodedError('UNAUTHENTICATED', 'invalid admin token', 'ADMIN_TOKEN_INVALID');
    throw error;
  }
}
