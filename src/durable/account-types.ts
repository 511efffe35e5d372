import type { VaultKind } from '../vaults/address';

export interface MemoryKeyRecord {
  id: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface KeyPrincipal {
  accountId: string;
  key: MemoryKeyRecord;
  status: 'active' | 'suspended';
}

export interface RegisteredVault {
  kind: VaultKind;
  /** null for CORE. */
  externalId: string | null;
  createdAt: number;
}
