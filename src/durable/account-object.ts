import { DurableObject } from 'cloudflare:workers';
import { constantTimeEqual } from '../auth/constant-time';
import { failure, type Result } from '../errors';
import type { VaultKind } from '../vaults/address';
import { ACCOUNT_MIGRATIONS } from './account-schema';
import type { KeyPrincipal, MemoryKeyRecord, RegisteredVault } from './account-types';
import { MetaTable, migrate, Sql } from './sql';

interface KeyRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string | null;
  verifier: string;
  created_at: number;
  revoked_at: number | null;
}

/** Most vaults one key may list; more are still stored, listing pages stop here. */
export const MAX_LISTED_VAULTS = 1_000;

/**
 * One account (`account:{accountId}`): its memory keys, stored as verifiers
 * only, and the registry of vaults written under its keys.
 */
export class AccountObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private meta!: MetaTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, ACCOUNT_MIGRATIONS);
      this.meta = new MetaTable(this.sql);
    });
  }

  async createKey(
    accountId: string,
    key: { id: string; name: string | null; verifier: string },
  ): Promise<MemoryKeyRecord> {
    this.recordAccount(accountId);
    const createdAt = Date.now();
    this.sql.run(
      'INSERT INTO memory_keys (id, name, verifier, created_at) VALUES (?, ?, ?, ?)',
      key.id,
      key.name,
      key.verifier,
      createdAt,
    );
    return { id: key.id, name: key.name, createdAt, revokedAt: null };
  }

  /** Checks a presented key's verifier in constant time. */
  async authenticate(
    accountId: string,
    keyId: string,
    verifier: string,
  ): Promise<Result<KeyPrincipal>> {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE id = ?', keyId);
    const denied = failure('UNAUTHENTICATED', 'invalid or revoked memory key');
    if (row === null || this.meta.get('account_id') !== accountId) return denied;
    if (!constantTimeEqual(verifier, row.verifier)) return denied;
    if (row.revoked_at !== null) return denied;
    return { ok: true, accountId, key: toKeyRecord(row) };
  }

  async listKeys(): Promise<MemoryKeyRecord[]> {
    return this.sql
      .all<KeyRow>('SELECT * FROM memory_keys ORDER BY created_at, id')
      .map(toKeyRecord);
  }

  async revokeKey(keyId: string): Promise<Result<{ key: MemoryKeyRecord }>> {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE id = ?', keyId);
    if (row === null) return failure('NOT_FOUND', 'no such memory key in this account');
    if (row.revoked_at === null) {
      row.revoked_at = Date.now();
      this.sql.run('UPDATE memory_keys SET revoked_at = ? WHERE id = ?', row.revoked_at, keyId);
    }
    return { ok: true, key: toKeyRecord(row) };
  }

  /** Records that a key has written to a vault (idempotent). */
  async registerVault(keyId: string, kind: VaultKind, externalId: string | null): Promise<void> {
    this.sql.run(
      `INSERT INTO vaults (key_id, kind, external_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      keyId,
      kind,
      externalId ?? '',
      Date.now(),
    );
  }

  async forgetVault(keyId: string, kind: VaultKind, externalId: string | null): Promise<void> {
    this.sql.run(
      'DELETE FROM vaults WHERE key_id = ? AND kind = ? AND external_id = ?',
      keyId,
      kind,
      externalId ?? '',
    );
  }

  async listVaults(keyId: string): Promise<RegisteredVault[]> {
    return this.sql
      .all<{ kind: string; external_id: string; created_at: number }>(
        `SELECT kind, external_id, created_at FROM vaults WHERE key_id = ?
         ORDER BY created_at, kind, external_id LIMIT ?`,
        keyId,
        MAX_LISTED_VAULTS,
      )
      .map((row) => ({
        kind: row.kind as VaultKind,
        externalId: row.external_id === '' ? null : row.external_id,
        createdAt: row.created_at,
      }));
  }

  private recordAccount(accountId: string): void {
    if (this.meta.get('account_id') === null) this.meta.set('account_id', accountId);
  }
}

function toKeyRecord(row: KeyRow): MemoryKeyRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at, revokedAt: row.revoked_at };
}
