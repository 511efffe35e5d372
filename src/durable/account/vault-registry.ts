import type { VaultAddress, VaultKind } from '../../vaults/address';
import type { RegisteredVault, RegisteredVaultPage } from '../rpc/account-types';
import type { VaultListPosition } from '../../vaults/list-cursors';
import type { Sql } from '../sqlite/sql';

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

  /**
   * One key's SESSION and EPHEMERAL vaults after `after`, oldest first, at
   * most `first`: keyset paging in the order `list` uses, so a vault
   * registered while a client pages comes last and none is seen twice. The
   * key's rows are found by the primary key's prefix and sorted in memory
   * (a key's vaults number in the thousands, not millions).
   */
  page(keyId: string, first: number, after: VaultListPosition | null): RegisteredVaultPage {
    const from = after ?? { createdAt: -1, kind: 'CORE', externalId: null };
    const rows = this.sql.all<VaultRow>(
      `SELECT kind, external_id, created_at FROM vaults
       WHERE key_id = ? AND kind != 'CORE' AND (created_at, kind, external_id) > (?, ?, ?)
       ORDER BY created_at, kind, external_id LIMIT ?`,
      keyId,
      from.createdAt,
      from.kind,
      from.externalId ?? '',
      first + 1,
    );
    return { vaults: rows.slice(0, first).map(registeredOf), hasNextPage: rows.length > first };
  }
}

const registeredOf = (row: VaultRow): RegisteredVault => ({
  kind: row.kind as VaultKind,
  externalId: externalIdOf(row),
  createdAt: row.created_at,
});

const externalIdOf = (row: VaultRow): string | null =>
  row.external_id === '' ? null : row.external_id;
