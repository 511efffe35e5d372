import { CodedError } from '../core/errors';
import { decodeText, encodeText, fromBase64Url, toBase64Url, toHex } from '../core/encoding';

/**
 * Memory keys: `mk_<account>.<secret>` where <account> is the base64url
 * account id (a routing hint, not a secret) and <secret> 32 random bytes.
 *
 * The server never stores a key. It derives two values from it with an HMAC
 * under KEY_HMAC_SECRET:
 *   - the key id (128 bits, hex): names the key's vault objects and is its
 *     public id; the secret cannot be recovered from it;
 *   - the verifier (256 bits): stored by the account object and compared in
 *     constant time on every request.
 *
 * Rotation (KEY_HMAC_SECRET_PREVIOUS): a key id names vault objects, so it
 * must outlive the secret. The account keeps each key's canonical id apart
 * from its lookup id (the id under the secret that made its verifier): a key
 * found only under the previous secret is verified under it and sealed again
 * under the current one, keeping its canonical id (AccountObject.authenticate).
 */
export const KEY_PREFIX = 'mk_';
const SECRET_BYTES = 32;
const ACCOUNT_ID = /^[A-Za-z0-9_.@:-]{1,128}$/;

export interface ParsedKey {
  accountId: string;
  /** The whole key, as presented. */
  key: string;
}

export function isValidAccountId(accountId: string): boolean {
  return ACCOUNT_ID.test(accountId);
}

export function generateMemoryKey(accountId: string): string {
  if (!isValidAccountId(accountId))
    throw new CodedError('BAD_USER_INPUT', 'invalid account id', 'INVALID_ACCOUNT_ID');
  const secret = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `${KEY_PREFIX}${encodeText(accountId)}.${toBase64Url(secret)}`;
}

/** Parses a presented key; null for anything that is not a well-formed memory key. */
export function parseMemoryKey(key: string): ParsedKey | null {
  if (!key.startsWith(KEY_PREFIX) || key.length > 400) return null;
  const [account, secret, ...rest] = key.slice(KEY_PREFIX.length).split('.');
  if (account === undefined || secret === undefined || rest.length > 0) return null;
  const accountId = decodeText(account);
  const secretBytes = fromBase64Url(secret);
  if (
    accountId === null ||
    !isValidAccountId(accountId) ||
    secretBytes?.byteLength !== SECRET_BYTES
  ) {
    return null;
  }
  return { accountId, key };
}

/**
 * The imported HMAC keys of the secrets seen (the current one and, during a
 * rotation, the previous): importing one again on every request is waste.
 * An isolate sees one deployment's secrets, so the map stays tiny; it is
 * cleared past a few entries anyway (tests switch secrets).
 */
const imported = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret === '') throw new Error('configuration: KEY_HMAC_SECRET is not set');
  let key = imported.get(secret);
  if (key === undefined) {
    if (imported.size >= 4) imported.clear();
    key = importHmacKey(secret);
    imported.set(secret, key);
  }
  return key;
}

function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

async function hmac(cryptoKey: CryptoKey, label: string, value: string): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign(
    'HMAC',
    cryptoKey,
    new TextEncoder().encode(`${label}\0${value}`),
  );
  return new Uint8Array(signature);
}

export interface KeyDerivation {
  keyId: string;
  verifier: string;
}

/** A key's derivation under the current secret, and under the previous one during a rotation. */
export interface KeyDerivations {
  current: KeyDerivation & { secretId: string };
  previous: KeyDerivation | null;
}

/** The HMAC secrets of memory keys: KEY_HMAC_SECRET and, during a rotation, KEY_HMAC_SECRET_PREVIOUS. */
export interface KeyHmacSecrets {
  KEY_HMAC_SECRET: string;
  KEY_HMAC_SECRET_PREVIOUS?: string;
}

/**
 * The previous secret, or null when none is set. One shorter than 16
 * characters is refused by the configuration check (core/config-check.ts)
 * before any request gets here.
 */
export function previousKeySecret(secrets: KeyHmacSecrets): string | null {
  const previous = secrets.KEY_HMAC_SECRET_PREVIOUS ?? '';
  return previous === '' || previous === secrets.KEY_HMAC_SECRET ? null : previous;
}

/**
 * A public id of a secret (64 bits of an HMAC under it, hex): recorded with
 * each key so an operator sees which keys are still sealed under a previous
 * secret. It cannot be turned back into the secret, nor tried against
 * guesses without the secret itself.
 */
export function keySecretId(hmacSecret: string): Promise<string> {
  let id = secretIds.get(hmacSecret);
  if (id === undefined) {
    if (secretIds.size >= 4) secretIds.clear();
    id = hmacKey(hmacSecret)
      .then((cryptoKey) => hmac(cryptoKey, 'memoryrouter/key-secret-id', ''))
      .then((bytes) => toHex(bytes.subarray(0, 8)));
    secretIds.set(hmacSecret, id);
  }
  return id;
}

const secretIds = new Map<string, Promise<string>>();

/**
 * What the account needs to check a presented key, under both secrets during
 * a rotation, from its derivation under the current secret (`current`,
 * already made to look the key up in the isolate's verified keys: only a key
 * not found there pays for the rest).
 */
export async function deriveKeyForCheck(
  secrets: KeyHmacSecrets,
  key: string,
  current: KeyDerivation,
): Promise<KeyDerivations> {
  const previousSecret = previousKeySecret(secrets);
  const [secretId, previous] = await Promise.all([
    keySecretId(secrets.KEY_HMAC_SECRET),
    previousSecret === null ? null : deriveKey(previousSecret, key),
  ]);
  return { current: { ...current, secretId }, previous };
}

export async function deriveKey(hmacSecret: string, key: string): Promise<KeyDerivation> {
  const cryptoKey = await hmacKey(hmacSecret);
  const [id, verifier] = await Promise.all([
    hmac(cryptoKey, 'memoryrouter/key-id', key),
    hmac(cryptoKey, 'memoryrouter/key-verifier', key),
  ]);
  return { keyId: `key_${toHex(id.subarray(0, 16))}`, verifier: toBase64Url(verifier) };
}
