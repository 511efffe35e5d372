/**
 * Vaults this isolate has registered with their account (the listing
 * `vaults` reads), so a write to a vault registered before needs no
 * account-object call. A vault deleted since tells the next write that it
 * was created again (`StoreResult.created`), and the write registers it
 * anew, whichever isolate serves it.
 */
const MAX_REMEMBERED = 50_000;
const registered = new Set<string>();

export function registeredHere(vaultName: string): boolean {
  return registered.has(vaultName);
}

export function rememberRegistered(vaultName: string): void {
  registered.delete(vaultName); // re-inserted last: Set order is age order
  registered.add(vaultName);
  if (registered.size > MAX_REMEMBERED) {
    const oldest = registered.values().next().value;
    if (oldest !== undefined) registered.delete(oldest);
  }
}

export function forgetRegistered(vaultName: string): void {
  registered.delete(vaultName);
}
