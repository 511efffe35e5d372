import { MIN_SECRET_LENGTH } from '../core/config-check';
import { ConfigurationError } from '../core/errors';
import { fromBase64Url, toBase64Url, toHex } from '../core/encoding';

/**
 * Provider keys at rest: AES-256-GCM (WebCrypto) under a key derived with HKDF
 * from the deployment secret PROVIDER_KEY_SECRET. Each sealed value names the
 * secret it was sealed with (a short id derived from it, never the secret),
 * so after a rotation values sealed under PROVIDER_KEY_SECRET_PREVIOUS still
 * open and can be sealed again under the new secret. The row's identity
 * (account, scope, provider) is the additional authenticated data: a sealed
 * value copied to another row or account does not open.
 */

const VERSION = 'v1';
const HKDF_INFO = new TextEncoder().encode('memoryrouter provider keys v1');

export interface KeySecrets {
  current: string;
  previous: string | null;
}

export interface SecretVars {
  PROVIDER_KEY_SECRET?: string;
  PROVIDER_KEY_SECRET_PREVIOUS?: string;
}

/**
 * The deployment's secrets, or null when stored provider keys are not
 * configured. A secret shorter than MIN_SECRET_LENGTH is not used; the
 * configuration check (core/config-check.ts) refuses one that is set, so
 * this never switches stored keys off silently.
 */
export function keySecrets(vars: SecretVars): KeySecrets | null {
  const current = vars.PROVIDER_KEY_SECRET ?? '';
  if (current.length < MIN_SECRET_LENGTH) return null;
  const previous = vars.PROVIDER_KEY_SECRET_PREVIOUS ?? '';
  return { current, previous: previous.length >= MIN_SECRET_LENGTH ? previous : null };
}

/**
 * Why a deployment cannot open stored provider keys: PROVIDER_KEY_SECRET is
 * not set (a rotation needs it too: PROVIDER_KEY_SECRET_PREVIOUS alone opens
 * nothing). CONFIGURATION_ERROR, as docs/drop-in.md "Stored provider keys" says.
 */
export function storedKeysUnconfigured(message: string): ConfigurationError {
  return new ConfigurationError(
    `${message}: PROVIDER_KEY_SECRET is not set on this deployment (at least 16 characters)`,
    'PROVIDER_KEY_SECRET_NOT_SET',
    ['PROVIDER_KEY_SECRET'],
  );
}

const derived = new Map<string, Promise<{ id: string; key: CryptoKey }>>();

/** The AES key and public id of one secret, derived once per isolate. */
function material(secret: string): Promise<{ id: string; key: CryptoKey }> {
  let pending = derived.get(secret);
  if (pending === undefined) {
    pending = (async () => {
      const raw = new TextEncoder().encode(secret);
      const hkdf = await crypto.subtle.importKey('raw', raw, 'HKDF', false, [
        'deriveKey',
        'deriveBits',
      ]);
      const key = await crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: HKDF_INFO },
        hkdf,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      );
      const idBits = await crypto.subtle.deriveBits(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: new Uint8Array(0),
          info: new TextEncoder().encode('secret id'),
        },
        hkdf,
        64,
      );
      return { id: toHex(new Uint8Array(idBits)), key };
    })();
    derived.set(secret, pending);
  }
  return pending;
}

/** The id of the current secret, as recorded in values sealed under it. */
export async function currentSecretId(secrets: KeySecrets): Promise<string> {
  return (await material(secrets.current)).id;
}

export async function sealProviderKey(
  secrets: KeySecrets,
  plain: string,
  aad: string,
): Promise<string> {
  const { id, key } = await material(secrets.current);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(plain),
  );
  return [VERSION, id, toBase64Url(iv), toBase64Url(new Uint8Array(ciphertext))].join('.');
}

/**
 * Opens a sealed value; `current` says whether it was sealed under the
 * current secret. Null when no configured secret opens it.
 */
export async function openProviderKey(
  secrets: KeySecrets,
  sealed: string,
  aad: string,
): Promise<{ key: string; current: boolean } | null> {
  const [version, id, ivText, ciphertextText] = sealed.split('.');
  const iv = fromBase64Url(ivText ?? '');
  const ciphertext = fromBase64Url(ciphertextText ?? '');
  if (version !== VERSION || !id || iv === null || ciphertext === null) return null;
  for (const [secret, current] of [
    [secrets.current, true],
    [secrets.previous, false],
  ] as const) {
    if (secret === null) continue;
    const derivedKey = await material(secret);
    if (derivedKey.id !== id) continue;
    try {
      const plain = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: iv as Uint8Array<ArrayBuffer>,
          additionalData: new TextEncoder().encode(aad),
        },
        derivedKey.key,
        ciphertext as Uint8Array<ArrayBuffer>,
      );
      return { key: new TextDecoder().decode(plain), current };
    } catch {
      return null;
    }
  }
  return null;
}

/** What a stored key may show of itself: a SHA-256 fingerprint (16 hex digits) and its last 4 characters. */
export async function describeProviderKey(
  plain: string,
): Promise<{ fingerprint: string; last4: string }> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(plain));
  return {
    fingerprint: `sha256:${toHex(new Uint8Array(digest)).slice(0, 16)}`,
    last4: plain.slice(-4),
  };
}

/** The additional authenticated data binding a sealed key to its row. */
export function providerKeyAad(accountId: string, scope: string, provider: string): string {
  return `${accountId}\n${scope}\n${provider}`;
}
