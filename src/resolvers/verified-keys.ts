import { ExpiringMap } from '../core/expiring-map';
import { constantTimeEqual } from '../durable/account/constant-time';
import type { KeyPrincipal } from './principal';

/**
 * Memory keys this isolate verified lately, so a request with a key seen a
 * moment ago needs no round trip to its account object (one object per
 * account would otherwise cap a customer's whole traffic).
 *
 * The bound: a revocation or a suspension takes effect at once in the isolate
 * that made it (it forgets the entries), and in every other isolate within
 * VERIFIED_KEY_TTL_MS, after which a key is checked by its account object
 * again. Only successes are kept; a refused key is asked about every time.
 *
 * Entries are found by the key's id under the current KEY_HMAC_SECRET and
 * checked against the verifier, both HMACs of the key (src/auth/memory-key.ts):
 * the key itself is never kept. After a rotation that id differs from the
 * key's own (its canonical id, which names its vaults), so a revocation
 * forgets entries by the principal's key id as well.
 */
export const VERIFIED_KEY_TTL_MS = 15_000;
/** Most keys one isolate remembers; the oldest go first. */
export const VERIFIED_KEY_CAP = 10_000;

interface Entry {
  verifier: string;
  principal: KeyPrincipal;
}

const entries = new ExpiringMap<string, Entry>(VERIFIED_KEY_TTL_MS, VERIFIED_KEY_CAP);

/** The principal of a key verified less than VERIFIED_KEY_TTL_MS ago with this verifier; else null. */
export function recalledPrincipal(
  keyId: string,
  verifier: string,
  now: number = Date.now(),
): KeyPrincipal | null {
  const entry = entries.get(keyId, now);
  if (entry === undefined) return null;
  return constantTimeEqual(verifier, entry.verifier) ? entry.principal : null;
}

/** Remembers a key its account object just accepted. */
export function rememberPrincipal(
  keyId: string,
  verifier: string,
  principal: KeyPrincipal,
  now: number = Date.now(),
): void {
  entries.set(keyId, { verifier, principal }, now);
}

/**
 * A key was revoked here: refuse it at once in this isolate. Found by its
 * principal's (canonical) id, which is also the entry's own key unless the
 * key was sealed again after a rotation.
 */
export function forgetKey(keyId: string): void {
  entries.deleteWhere((entry) => entry.principal.key.id === keyId);
}

/** An account's standing changed here (suspended, reinstated): check its keys again. */
export function forgetAccount(accountId: string): void {
  entries.deleteWhere((entry) => entry.principal.accountId === accountId);
}

/** How many keys are remembered (for tests of the cap). */
export function rememberedKeyCount(): number {
  return entries.size;
}
