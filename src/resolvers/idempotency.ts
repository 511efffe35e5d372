import { fingerprintKey } from '../auth/fingerprint-key';
import { toHex } from '../core/encoding';
import { CodedError } from '../core/errors';
import { IDEMPOTENCY_KEY } from '../core/limits';

/**
 * The version prefix of a keyed fingerprint. Records written before keyed
 * fingerprints hold a bare SHA-256 (64 hex digits, no prefix), so the two
 * forms can never be mistaken for each other.
 */
export const FINGERPRINT_PREFIX = 'hmac-v1:';

/** A store call's idempotency key and the digests of its inputs, as the vault compares them. */
export interface Idempotency {
  key: string;
  /** HMAC-SHA-256 of the inputs under the fingerprint key (auth/fingerprint-key.ts), prefixed. */
  fingerprint: string;
  /**
   * LEGACY: the inputs' plain SHA-256, the form records written before keyed
   * fingerprints hold, so a retry of such a store still replays. Never
   * stored. No such record outlives IDEMPOTENCY_WINDOW_MS (24 h), so this
   * field and its check in the vault (store-keys.ts, `sameInputs`) can go in
   * any release deployed 24 hours after keyed fingerprints were live on
   * every isolate.
   */
  legacyFingerprint: string;
}

/**
 * Checks an idempotency key and digests the call's inputs (their JSON, as
 * GraphQL coerced them: fields in the schema's order; a store with fact
 * extraction passes `{ inputs, extract }`, so its options count and its
 * digest never equals a plain store's), so the vault can tell a retry of
 * the same call from another call reusing the key. The digest is
 * keyed: whoever reads a vault's storage cannot confirm a guessed memory
 * text by hashing it. Neither digest is logged or answered.
 */
export async function idempotencyOf(
  hmacSecret: string,
  key: string,
  inputs: unknown,
): Promise<Idempotency> {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'idempotencyKey: must be 1–255 printable ASCII characters without spaces',
      'INVALID_IDEMPOTENCY_KEY',
    );
  }
  const bytes = new TextEncoder().encode(JSON.stringify(inputs));
  const [keyed, plain] = await Promise.all([
    fingerprintKey(hmacSecret).then((cryptoKey) => crypto.subtle.sign('HMAC', cryptoKey, bytes)),
    crypto.subtle.digest('SHA-256', bytes),
  ]);
  return {
    key,
    fingerprint: `${FINGERPRINT_PREFIX}${toHex(new Uint8Array(keyed))}`,
    legacyFingerprint: toHex(new Uint8Array(plain)),
  };
}
