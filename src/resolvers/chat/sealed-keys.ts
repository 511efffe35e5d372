import type { SealedProviderKey } from '../../durable/account-types';

/**
 * Stored provider keys this isolate fetched lately, still sealed: a chat
 * with a stored key then needs no call to its account object (which would
 * otherwise serve every chat of the account) and only opens the sealed value
 * (AES-GCM, microseconds). The plain key is never kept here.
 *
 * The bound: setting or deleting a stored key takes effect at once in the
 * isolate that did it (it forgets the account's entries), and in every other
 * isolate within SEALED_KEY_TTL_MS. Only keys found are kept: a request that
 * found none asks again, so a key just stored works at once everywhere.
 */
export const SEALED_KEY_TTL_MS = 15_000;
/** Most (account, memory key, provider) entries one isolate keeps; the oldest go first. */
export const SEALED_KEY_CAP = 10_000;

interface Entry {
  accountId: string;
  rows: SealedProviderKey[];
  expiresAt: number;
}

const entries = new Map<string, Entry>();

const entryKey = (accountId: string, keyId: string, provider: string) =>
  `${accountId}\n${keyId}\n${provider}`;

/** The sealed keys fetched less than SEALED_KEY_TTL_MS ago for this memory key and provider; else null. */
export function recalledSealedKeys(
  accountId: string,
  keyId: string,
  provider: string,
  now: number = Date.now(),
): SealedProviderKey[] | null {
  const key = entryKey(accountId, keyId, provider);
  const entry = entries.get(key);
  if (entry === undefined) return null;
  if (entry.expiresAt <= now) {
    entries.delete(key);
    return null;
  }
  return entry.rows;
}

/** Keeps what the account object just answered, when it found a key. */
export function rememberSealedKeys(
  accountId: string,
  keyId: string,
  provider: string,
  rows: SealedProviderKey[],
  now: number = Date.now(),
): void {
  if (rows.length === 0) return;
  const key = entryKey(accountId, keyId, provider);
  entries.delete(key); // re-inserted last: Map order is age order
  entries.set(key, { accountId, rows, expiresAt: now + SEALED_KEY_TTL_MS });
  while (entries.size > SEALED_KEY_CAP) {
    const oldest = entries.keys().next().value;
    if (oldest === undefined) break;
    entries.delete(oldest);
  }
}

/** A stored key of the account changed here (set, deleted, sealed again): fetch its keys again. */
export function forgetSealedKeys(accountId: string): void {
  for (const [key, entry] of entries) {
    if (entry.accountId === accountId) entries.delete(key);
  }
}

/** How many entries are kept (for tests of the cap). */
export function sealedKeyEntryCount(): number {
  return entries.size;
}
