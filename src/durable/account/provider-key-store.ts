import type { ProviderKeyRecord, SealedProviderKey } from '../rpc/account-types';
import type { Sql } from '../sqlite/sql';

/** A provider key as the Worker hands it over: sealed, with what may be shown of it. */
export interface SealedProviderKeyRow {
  /** '' for the account, otherwise the memory key id. */
  scope: string;
  provider: string;
  sealed: string;
  fingerprint: string;
  last4: string;
}

/**
 * The account's stored provider keys (table `provider_keys`): ciphertext the
 * Worker sealed, one per scope and provider, and what may be shown of each.
 * The account object checks who may write; this keeps the rows.
 */
export class ProviderKeyStore {
  constructor(private readonly sql: Sql) {}

  /** Saves or replaces a key; returns what may be shown of it. */
  save(row: SealedProviderKeyRow): ProviderKeyRecord {
    const now = Date.now();
    this.sql.run(
      `INSERT INTO provider_keys (scope, provider, sealed, fingerprint, last4, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, provider) DO UPDATE SET sealed = excluded.sealed,
         fingerprint = excluded.fingerprint, last4 = excluded.last4, updated_at = excluded.updated_at`,
      row.scope,
      row.provider,
      row.sealed,
      row.fingerprint,
      row.last4,
      now,
      now,
    );
    return this.records(row.scope, row.provider)[0]!;
  }

  /** Forgets a key; false when there was none. */
  delete(scope: string, provider: string): boolean {
    const before = this.records(scope, provider).length;
    this.sql.run('DELETE FROM provider_keys WHERE scope = ? AND provider = ?', scope, provider);
    return before > 0;
  }

  /** The sealed keys a request of `keyId` may use for `provider`: its own first, then the account's. */
  sealedFor(keyId: string, provider: string): SealedProviderKey[] {
    return this.sql.all<{ scope: string; sealed: string }>(
      `SELECT scope, sealed FROM provider_keys WHERE provider = ? AND scope IN (?, '')
       ORDER BY scope = '' ASC`,
      provider,
      keyId,
    );
  }

  allSealed(): (SealedProviderKey & { provider: string })[] {
    return this.sql.all<{ scope: string; provider: string; sealed: string }>(
      'SELECT scope, provider, sealed FROM provider_keys ORDER BY scope, provider',
    );
  }

  /** Replaces a sealed value, unless it changed meanwhile (a concurrent set wins). */
  reseal(scope: string, provider: string, previous: string, sealed: string): boolean {
    const before = this.sql.first<{ sealed: string }>(
      'SELECT sealed FROM provider_keys WHERE scope = ? AND provider = ?',
      scope,
      provider,
    );
    if (before?.sealed !== previous) return false;
    this.sql.run(
      'UPDATE provider_keys SET sealed = ? WHERE scope = ? AND provider = ?',
      sealed,
      scope,
      provider,
    );
    return true;
  }

  /** What may be shown of the keys of one scope and provider (null: any). */
  records(scope: string | null, provider: string | null): ProviderKeyRecord[] {
    return this.sql
      .all<{
        scope: string;
        provider: string;
        sealed: string;
        fingerprint: string;
        last4: string;
        created_at: number;
        updated_at: number;
      }>(
        `SELECT * FROM provider_keys WHERE (? IS NULL OR scope = ?) AND (? IS NULL OR provider = ?)
         ORDER BY scope, provider`,
        scope,
        scope,
        provider,
        provider,
      )
      .map((row) => ({
        provider: row.provider,
        memoryKeyId: row.scope === '' ? null : row.scope,
        fingerprint: row.fingerprint,
        last4: row.last4,
        // A sealed value names the deployment secret it was sealed under: `v1.{secretId}.…`.
        secretId: row.sealed.split('.')[1] ?? null,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
  }
}
