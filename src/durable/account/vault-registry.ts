import type { VaultAddress, VaultKind } from '../../vaults/address';
import type { RegisteredVault } from '../rpc/account-types';
import type { Sql } from '../sqlite/sql';

/** Most vaults one key may list; more are still stored, listing pages stop here. */
export const MAX_LISTED_VAULTS = 1_000;

interface VaultRow extends Record<string, SqlStorageValue> {
  key_id: string;
  kind: string;
  external_id: string;
  created_at: number;
}

/**
 * The account's registry of the vaults its keys wrote to: what `vaults`
 * lists, and what a usage read flushes. A vault without an external id is
 * stored with '' (a NULL in the primary key would let the same vault in twice).
 */
export class VaultRegistry {
  constructor(private readonly sql: Sql) {}

  /** Records that a key has written to a vault (idempotent). */
  register(keyId: string, kind: VaultKind, externalId: string | null): void {
    this.sql.run(
      `INSERT INTO vaults (key_id, kind, external_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      keyId,
      kind,
      externalId ?? '',
      Date.now(),
    );
  }

  forget(keyId: string, kind: VaultKind, externalId: string | null): void {
    this.sql.run(
      'DELETE FROM vaults WHERE key_id = ? AND kind = ? AND external_id = ?',
      keyId,
      kind,
      externalId ?? '',
    );
  }

  /** Every vault any key of the account wrote to. */
  addresses(): VaultAddress[] {
    return this.sql.all<VaultRow>('SELECT key_id, kind, external_id FROM vaults').map((row) => ({
      keyId: row.key_id,
      kind: row.kind as VaultKind,
      externalId: externalIdOf(row),
    }));
  }

  /** One key's vaults, oldest first, at most MAX_LISTED_VAULTS. */
  list(keyId: string): RegisteredVault[] {
    return this.sql
      .all<VaultRow>(
        `SELECT kind, external_id, created_at FROM vaults WHERE key_id = ?
         ORDER BY created_at, kind, external_id LIMIT ?`,
        keyId,
        MAX_LISTED_VAULTS,
      )
      .map((row) => ({
        kind: row.kind as VaultKind,
        externalId: externalIdOf(row),
        createdAt: row.created_at,
      }));
  }
}

const externalIdOf = (row: VaultRow): string | null =>
  row.external_id === '' ? null : row.external_id;
