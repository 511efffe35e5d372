import type { Migration } from './sql';

/**
 * An account: its memory keys (verifiers only, never the keys) and the
 * registry of vaults its keys have written, for listing.
 */
export const ACCOUNT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE memory_keys (
        id TEXT PRIMARY KEY,
        name TEXT,
        verifier TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      )`,
      `CREATE TABLE vaults (
        key_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        external_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (key_id, kind, external_id)
      )`,
    ],
  },
];
