import type { AccountStatus } from '../../billing/usage';
import type { VaultKind } from '../../vaults/address';

/** Which of an account's keys `AccountObject.pageKeys` answers. */
export interface KeyPage {
  /** Start after this key (its id), in the order of creation. */
  after?: string;
  /** At most this many. */
  first?: number;
  includeRevoked: boolean;
}

export interface MemoryKeyRecord {
  id: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
  /**
   * Public id of the KEY_HMAC_SECRET its verifier was made under (not the
   * secret); null for a key made before ids were recorded and not used since.
   */
  secretId: string | null;
}

/** A presented key as the Worker derived it: under the current secret, and the previous one during a rotation. */
export interface PresentedKey {
  current: { keyId: string; verifier: string; secretId: string };
  previous: { keyId: string; verifier: string } | null;
}

/** A memory key that checked out, and its account's standing (AccountObject.authenticate). */
export interface KeyStanding {
  key: MemoryKeyRecord;
  status: AccountStatus;
}

/**
 * Whether a key may go on with an open subscription (AccountObject.keyState):
 * `revoked` also for a key the account never had; `suspended` while the
 * account is suspended for billing.
 */
export type KeyState = 'active' | 'suspended' | 'revoked';

export interface RegisteredVault {
  kind: VaultKind;
  /** null for CORE. */
  externalId: string | null;
  createdAt: number;
}

/** One page of a key's SESSION and EPHEMERAL vaults, oldest first (AccountObject.listVaultPage). */
export interface RegisteredVaultPage {
  vaults: RegisteredVault[];
  hasNextPage: boolean;
}

/** A stored provider key as it may be shown: never the key, nor its ciphertext. */
export interface ProviderKeyRecord {
  provider: string;
  /** null: every key of the account; otherwise one memory key's id. */
  memoryKeyId: string | null;
  fingerprint: string;
  last4: string;
  /** Id of the deployment secret it is sealed under (not the secret). */
  secretId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SealedProviderKey {
  /** '' for the account, otherwise the memory key id. */
  scope: string;
  sealed: string;
}

/** Memory tokens of one key on one UTC day, as a usage shard sends them in a batch. */
export interface UsageEntry {
  keyId: string;
  /** YYYY-MM-DD */
  day: string;
  memoryTokens: number;
}
