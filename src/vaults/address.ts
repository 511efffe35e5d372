import { CodedError } from '../core/errors';
import { EXTERNAL_ID } from '../core/limits';

export const VAULT_KINDS = ['CORE', 'SESSION', 'EPHEMERAL'] as const;
export type VaultKind = (typeof VAULT_KINDS)[number];

/**
 * Where a vault lives. `keyId` is derived on the server from the memory key, so
 * a client can only ever name vaults under its own key; `externalId` is the
 * client's session or conversation id (null for CORE).
 */
export interface VaultAddress {
  kind: VaultKind;
  keyId: string;
  externalId: string | null;
}

/** How a client names one of its own vaults: a kind, and for SESSION and EPHEMERAL an id. */
export interface VaultSelector {
  kind: VaultKind;
  id?: string | null;
}

export function validateExternalId(kind: VaultKind, id: string | null | undefined): string | null {
  if (kind === 'CORE') {
    if (id !== null && id !== undefined && id !== '') {
      throw new CodedError('BAD_USER_INPUT', 'a CORE vault takes no id', 'INVALID_VAULT_ID');
    }
    return null;
  }
  const label = kind === 'SESSION' ? 'session id' : 'conversation id';
  if (id === null || id === undefined || id === '') {
    throw new CodedError('BAD_USER_INPUT', `a ${kind} vault needs a ${label}`, 'INVALID_VAULT_ID');
  }
  if (!EXTERNAL_ID.test(id)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${label} must be 1–128 characters of letters, digits and . _ : @ ~ -`,
      'INVALID_VAULT_ID',
    );
  }
  // A vault's id is a path segment of its export and import URLs, where
  // every URL parser folds "." and ".." away: such a vault could be written
  // and never exported.
  if (id === '.' || id === '..') {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${label} "${id}" is not allowed: "." and ".." are path segments in the vault's export and import URLs`,
      'INVALID_VAULT_ID',
    );
  }
  return id;
}

/**
 * A chat's session or conversation id as its caller sent it, `field` naming
 * the header or field: null when left out. Sent empty it is refused, never
 * read as left out: the turn would be stored in the permanent CORE vault,
 * every chat of an app whose session variable came out blank (outside
 * review 103 #5).
 */
export function chatVaultId(
  kind: Exclude<VaultKind, 'CORE'>,
  id: string | null | undefined,
  field: string,
): string | null {
  if (id === null || id === undefined) return null;
  if (id.trim() === '') {
    const label = kind === 'SESSION' ? 'session id' : 'conversation id';
    throw new CodedError(
      'BAD_USER_INPUT',
      `${field} is empty: send a ${label}, or leave it out to use the CORE vault alone`,
      'INVALID_VAULT_ID',
    );
  }
  return validateExternalId(kind, id);
}

export function vaultAddress(
  keyId: string,
  kind: VaultKind,
  externalId?: string | null,
): VaultAddress {
  return { kind, keyId, externalId: validateExternalId(kind, externalId) };
}

/** The vault a selector names under a key: the CORE vault when there is no selector. */
export function selectVault(keyId: string, selector?: VaultSelector | null): VaultAddress {
  return selector ? vaultAddress(keyId, selector.kind, selector.id) : vaultAddress(keyId, 'CORE');
}

/** Where a vault's export is downloaded (GET) and its import posted (…/import, POST). */
export function exportPath(address: Pick<VaultAddress, 'kind' | 'externalId'>): string {
  const id = address.externalId === null ? '' : `/${encodeURIComponent(address.externalId)}`;
  return `/v1/vaults/${address.kind.toLowerCase()}${id}/export`;
}

/** The Durable Object name of a vault; built only from server-side parts. */
export function vaultObjectName(address: VaultAddress): string {
  switch (address.kind) {
    case 'CORE':
      return `core:${address.keyId}`;
    case 'SESSION':
      return `session:${address.keyId}:${address.externalId}`;
    case 'EPHEMERAL':
      return `ephemeral:${address.keyId}:${address.externalId}`;
  }
}

/** A stable, key-independent label for a vault inside one key's namespace. */
export function vaultLabel(address: Pick<VaultAddress, 'kind' | 'externalId'>): string {
  return address.externalId === null
    ? address.kind.toLowerCase()
    : `${address.kind.toLowerCase()}:${address.externalId}`;
}

export function sameVault(a: VaultAddress, b: VaultAddress): boolean {
  return a.kind === b.kind && a.keyId === b.keyId && a.externalId === b.externalId;
}
