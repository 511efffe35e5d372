import type { AccountStatus } from '../billing/usage';
import type { MemoryKeyRecord } from '../durable/account-types';

/** Who is calling: a memory key (data access) or an account admin (key management). */
export type Principal =
  | { kind: 'key'; accountId: string; key: MemoryKeyRecord; status: AccountStatus }
  | { kind: 'admin'; accountId: string };

export type KeyPrincipal = Extract<Principal, { kind: 'key' }>;
