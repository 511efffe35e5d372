import type { Migration } from '../sqlite/sql';

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
  {
    version: 2,
    statements: [
      // Memory tokens per key per UTC day: the ledger usage queries read.
      `CREATE TABLE usage_days (
        key_id TEXT NOT NULL,
        day TEXT NOT NULL,
        memory_tokens INTEGER NOT NULL,
        PRIMARY KEY (key_id, day)
      )`,
      // Stripe meter events sealed from unbilled usage, each with the identifier
      // it keeps across retries; sent_at is set once Stripe acknowledged it.
      `CREATE TABLE meter_outbox (
        identifier TEXT PRIMARY KEY,
        memory_tokens INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at INTEGER,
        last_error TEXT
      )`,
      // Stripe webhook events already applied, for idempotent redelivery.
      'CREATE TABLE billing_events (id TEXT PRIMARY KEY, created INTEGER NOT NULL, status TEXT NOT NULL)',
    ],
  },
  {
    version: 3,
    statements: [
      // Provider keys saved by an admin, for drop-in clients that send none.
      // scope '' is the whole account, otherwise a memory key id. `sealed` is
      // the AES-GCM ciphertext (src/providers/key-encryption.ts); only the
      // fingerprint and last 4 characters are ever shown.
      `CREATE TABLE provider_keys (
        scope TEXT NOT NULL,
        provider TEXT NOT NULL,
        sealed TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        last4 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, provider)
      )`,
    ],
  },
  {
    version: 4,
    statements: [
      // When an event was first sent: Stripe keeps identifiers unique for 24
      // hours only, so an unacknowledged event is not resent after that.
      'ALTER TABLE meter_outbox ADD COLUMN first_attempt_at INTEGER',
      // Set when Stripe refused an event for good, or its identifier window
      // passed unacknowledged: kept for the operator, never resent.
      'ALTER TABLE meter_outbox ADD COLUMN failed_at INTEGER',
    ],
  },
  {
    version: 5,
    statements: [
      // Usage batches taken from the usage shards (usage-shard-object.ts), by
      // their identifiers: a batch resent after a lost acknowledgement is
      // recognised and not counted again.
      `CREATE TABLE usage_batches (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
      'CREATE INDEX usage_batches_applied_at ON usage_batches (applied_at)',
    ],
  },
  {
    version: 6,
    statements: [
      // A key's id names its vault objects and never changes; lookup_id is its
      // id under the KEY_HMAC_SECRET that made its verifier, which changes when
      // a rotation seals it again (auth/memory-key.ts). secret_id is that
      // secret's public id; null for keys made before it was recorded and not
      // used since.
      'ALTER TABLE memory_keys ADD COLUMN lookup_id TEXT',
      'UPDATE memory_keys SET lookup_id = id',
      'CREATE UNIQUE INDEX memory_keys_lookup_id ON memory_keys (lookup_id)',
      'ALTER TABLE memory_keys ADD COLUMN secret_id TEXT',
    ],
  },
];
