import type { VaultSelector } from './generated/graphql.js';

/** The REST path of a vault's export or import: /v1/vaults/core, …/session/{id}, …/ephemeral/{id}. */
export function vaultRoute(selector: VaultSelector, action: 'export' | 'import'): string {
  const kind = selector.kind.toLowerCase();
  if (selector.kind === 'CORE') return `/v1/vaults/${kind}/${action}`;
  if (!selector.id) throw new TypeError(`a ${selector.kind} vault needs an id`);
  return `/v1/vaults/${kind}/${encodeURIComponent(selector.id)}/${action}`;
}
