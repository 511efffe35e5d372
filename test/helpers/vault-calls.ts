import { VaultObject } from '../../src/durable/vault/vault-object';
import { vaultLabel, type VaultAddress } from '../../src/vaults/address';

/** The RPC methods of a vault object a Worker request may call. */
const VAULT_RPCS = [
  'read',
  'search',
  'get',
  'list',
  'stats',
  'store',
  'remove',
  'clear',
  'textStatistics',
] as const;

/**
 * Records every RPC call vault objects receive until stopped: the objects run
 * in this isolate, so their class is the one imported here.
 */
export function recordVaultCalls() {
  const calls: string[] = [];
  const prototype = VaultObject.prototype as unknown as Record<
    string,
    (this: unknown, address: VaultAddress, ...rest: unknown[]) => unknown
  >;
  const originals = VAULT_RPCS.map((name) => [name, prototype[name]!] as const);
  for (const [name, original] of originals) {
    prototype[name] = function (address, ...rest) {
      calls.push(`${name} ${vaultLabel(address)}`);
      return original.call(this, address, ...rest);
    };
  }
  return {
    calls,
    stop: () => {
      for (const [name, original] of originals) prototype[name] = original;
    },
  };
}
