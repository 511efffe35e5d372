import { toHex } from '../core/encoding';
import { CodedError } from '../core/errors';
import { IDEMPOTENCY_KEY } from '../core/limits';

/** A store call's idempotency key and the digest of its inputs, as the vault keeps them. */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

/**
 * Checks an idempotency key and digests the call's inputs (SHA-256 of their
 * JSON, as GraphQL coerced them: fields in the schema's order), so the vault
 * can tell a retry of the same call from another call reusing the key.
 */
export async function idempotencyOf(key: string, inputs: unknown): Promise<Idempotency> {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'idempotencyKey: must be 1–255 printable ASCII characters without spaces',
      'INVALID_IDEMPOTENCY_KEY',
    );
  }
  const bytes = new TextEncoder().encode(JSON.stringify(inputs));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return { key, fingerprint: toHex(new Uint8Array(digest)) };
}
