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

/** The imported HMAC key of the last secret seen: importing it again on every request is waste. */
let imported: { secret: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret === '') throw new Error('configuration: KEY_HMAC_SECRET is not set');
  if (imported?.secret !== secret) imported = { secret, key: importHmacKey(secret) };
  return imported.key;
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

export async function deriveKey(hmacSecret: string, key: string): Promise<KeyDerivation> {
  const cryptoKey = await hmacKey(hmacSecret);
  const [id, verifier] = await Promise.all([
    hmac(cryptoKey, 'memoryrouter/key-id', key),
    hmac(cryptoKey, 'memoryrouter/key-verifier', key),
  ]);
  return { keyId: `key_${toHex(id.subarray(0, 16))}`, verifier: toBase64Url(verifier) };
}
