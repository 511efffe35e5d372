import { ExpiringMap } from '../../core/expiring-map';
import type { SealedProviderKey } from '../../durable/rpc/account-types';

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
}

const entries = new ExpiringMap<string, Entry>(SEALED_KEY_TTL_MS, SEALED_KEY_CAP);

const entryKey = (accountId: string, keyId: string, provider: string) =>
  `${accountId}\n${keyId}\n${provider}`;

/** The sealed keys fetched less than SEALED_KEY_TTL_MS ago for this memory key and provider; else null. */
export function recalledSealedKeys(
  accountId: string,
  keyId: string,
  provider: string,
  now: number = Date.now(),
): SealedProviderKey[] | null {
  return entries.get(entryKey(accountId, keyId, provider), now)?.rows ?? null;
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
  entries.set(entryKey(accountId, keyId, provider), { accountId, rows }, now);
}

/** A stored key of the account changed here (set, deleted, sealed again): fetch its keys again. */
export function forgetSealedKeys(accountId: string): void {
  entries.deleteWhere((entry) => entry.accountId === accountId);
}

/** How many entries are kept (for tests of the cap). */
export function sealedKeyEntryCount(): number {
  return entries.size;
}
