/**
 * The key of idempotency fingerprints (resolvers/idempotency.ts): an
 * HMAC-SHA-256 key derived with HKDF from KEY_HMAC_SECRET for this one job.
 * Keyed, a fingerprint in a vault's storage cannot confirm a guessed memory
 * text (anyone can hash a guess; only the server can key it), and a subkey
 * of its own keeps it apart from the key ids and verifiers that
 * auth/memory-key.ts makes with the secret itself. Changing the label below
 * changes every fingerprint, so retries of stores made before would be
 * refused as reused keys for up to 24 hours: give it a new version instead.
 */
const HKDF_INFO = new TextEncoder().encode('memoryrouter idempotency fingerprint v1');

/** Derived once per isolate: the secret cannot change while it lives (a new one replaces it). */
let derived: { secret: string; key: Promise<CryptoKey> } | null = null;

export function fingerprintKey(hmacSecret: string): Promise<CryptoKey> {
  // The configuration guard (http/guard.ts) answers CONFIGURATION_ERROR
  // before any call gets here without a secret; this is its last line, as in
  // auth/memory-key.ts.
  if (hmacSecret === '') throw new Error('configuration: KEY_HMAC_SECRET is not set');
  if (derived?.secret !== hmacSecret) {
    derived = { secret: hmacSecret, key: deriveFingerprintKey(hmacSecret) };
  }
  return derived.key;
}

async function deriveFingerprintKey(hmacSecret: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(hmacSecret),
    'HKDF',
    false,
    ['deriveKey'],
  );
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: HKDF_INFO },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign'],
  );
}
