import { IDEMPOTENCY_WINDOW_MS } from '../../core/limits';
import type { KeyedExtraction, MemoryRecord } from '../rpc/vault-types';
import type { Sql } from '../sqlite/sql';
import { insertPlainRows } from '../sqlite/sql-batch';

/**
 * What a vault keeps of one memory a keyed store answered: only what a
 * retry cannot give again. Content, role and metadata are the caller's
 * inputs, which a retry sends again (the fingerprint proves it: same
 * inputs, same order); the id, the time (stamped by the first call when the
 * input named none) and the tokens billed are the first call's own.
 */
export type RememberedMemory = Pick<MemoryRecord, 'id' | 'createdAt' | 'tokens'>;

/**
 * What a vault remembers of a store with fact extraction besides its
 * memories: ids, counts and decisions, never a fact's text (a replay reads
 * each fact from the vault, so a deleted fact's text is gone with it).
 */
export interface RememberedExtraction extends KeyedExtraction {
  /** The retirements the write applied: memory and successor, local ids. */
  retired: { id: string; supersededBy: string | null }[];
}

/** What a vault remembers of a store made with an idempotency key. */
export interface RememberedStore {
  fingerprint: string;
  /** In the order of the call's inputs, then (with extraction) its facts. */
  memories: RememberedMemory[];
  /** Set for a store with fact extraction. */
  extraction: RememberedExtraction | null;
}

/**
 * Whether a retry's digests prove it the remembered store's call: its keyed
 * fingerprint, or (LEGACY) the plain SHA-256 a record written before keyed
 * fingerprints holds. The two forms never collide (resolvers/idempotency.ts:
 * the keyed one is prefixed), and the legacy one, never stored, can go once
 * no such record is within IDEMPOTENCY_WINDOW_MS.
 */
export function sameInputs(
  remembered: RememberedStore,
  retry: { fingerprint: string; legacyFingerprint?: string },
): boolean {
  return (
    remembered.fingerprint === retry.fingerprint ||
    (retry.legacyFingerprint !== undefined && remembered.fingerprint === retry.legacyFingerprint)
  );
}

/** A vault's idempotency keys and their memories, as rows, across a wipe. */
export interface HeldStoreKeys {
  keys: [string, string, number, string | null][];
  memories: [string, number, string, number, number][];
}

/**
 * The idempotency keys of a vault's stores, each with a digest of the call's
 * inputs and the ids, times and tokens of the memories it answered, for
 * IDEMPOTENCY_WINDOW_MS. Nothing a user wrote is kept here, so a memory
 * deleted (or cleared, expired, edited) leaves no copy of its text behind in
 * a key. The write path looks a key up and records it in the same
 * synchronous step as the write, so concurrent calls with one key store
 * once: the object runs them one after the other. Keys live in the vault, so
 * they are scoped to the memory key (and so the account) that owns it.
 */
export class StoreKeys {
  constructor(private readonly sql: Sql) {}

  /** The store made with this key within the window; null when none. */
  find(key: string, now: number): RememberedStore | null {
    const found = this.sql.first<{ fingerprint: string; extraction: string | null }>(
      'SELECT fingerprint, extraction FROM store_keys WHERE key = ? AND at > ?',
      key,
      now - IDEMPOTENCY_WINDOW_MS,
    );
    if (found === null) return null;
    const memories = this.sql
      .all<{ id: string; created_at: number; tokens: number }>(
        'SELECT id, created_at, tokens FROM store_key_records WHERE key = ? ORDER BY position',
        key,
      )
      .map(({ id, created_at, tokens }) => ({ id, createdAt: created_at, tokens }));
    return {
      fingerprint: found.fingerprint,
      memories,
      extraction:
        found.extraction === null ? null : (JSON.parse(found.extraction) as RememberedExtraction),
    };
  }

  /**
   * Records a store (inside its transaction), first forgetting keys past the
   * window, so a key used again after it starts afresh. Takes whole records
   * and keeps only their `RememberedMemory` part (with extraction: the
   * inputs', then the facts').
   */
  remember(
    key: string,
    fingerprint: string,
    records: readonly RememberedMemory[],
    now: number,
    extraction: RememberedExtraction | null = null,
  ): void {
    this.forgetBefore(now - IDEMPOTENCY_WINDOW_MS);
    this.sql.run('DELETE FROM store_key_records WHERE key = ?', key);
    this.sql.run(
      'INSERT OR REPLACE INTO store_keys (key, fingerprint, at, extraction) VALUES (?, ?, ?, ?)',
      key,
      fingerprint,
      now,
      extraction === null ? null : JSON.stringify(extraction),
    );
    insertPlainRows(
      this.sql,
      'store_key_records',
      ['key', 'position', 'id', 'created_at', 'tokens'],
      records.map(({ id, createdAt, tokens }, position) => [key, position, id, createdAt, tokens]),
    );
  }

  /**
   * Replaces the receipt a keyed store with extraction recorded, when it is
   * still `from` (a facts write refused after its turn was stored: the
   * record says so, so a replay tells what the first answer told). Answers
   * whether it was replaced: false when the key went or holds another receipt.
   */
  amendReceipt(key: string, from: string, to: string, now: number): boolean {
    const found = this.find(key, now);
    if (found?.extraction?.receipt !== from) return false;
    const extraction: RememberedExtraction = { ...found.extraction, receipt: to };
    this.sql.run(
      'UPDATE store_keys SET extraction = ? WHERE key = ?',
      JSON.stringify(extraction),
      key,
    );
    return true;
  }

  /**
   * The keys still within the window, with their memories, to write back
   * once the vault is wiped (`restore`): a clear or an expiry removes the
   * memories, not what was answered to their stores, so a retry of one
   * replays that answer with every id in `deletedSince` instead of storing
   * and billing it again (as after a delete).
   */
  held(now: number): HeldStoreKeys {
    const cutoff = now - IDEMPOTENCY_WINDOW_MS;
    return {
      keys: this.sql
        .all<{ key: string; fingerprint: string; at: number; extraction: string | null }>(
          'SELECT key, fingerprint, at, extraction FROM store_keys WHERE at > ?',
          cutoff,
        )
        .map(({ key, fingerprint, at, extraction }) => [key, fingerprint, at, extraction]),
      memories: this.sql
        .all<{ key: string; position: number; id: string; created_at: number; tokens: number }>(
          `SELECT key, position, id, created_at, tokens FROM store_key_records
           WHERE key IN (SELECT key FROM store_keys WHERE at > ?)`,
          cutoff,
        )
        .map(({ key, position, id, created_at, tokens }) => [
          key,
          position,
          id,
          created_at,
          tokens,
        ]),
    };
  }

  /** Writes back what `held` read (into the emptied tables). */
  restore(held: HeldStoreKeys): void {
    insertPlainRows(this.sql, 'store_keys', ['key', 'fingerprint', 'at', 'extraction'], held.keys);
    insertPlainRows(
      this.sql,
      'store_key_records',
      ['key', 'position', 'id', 'created_at', 'tokens'],
      held.memories,
    );
  }

  private forgetBefore(cutoff: number): void {
    this.sql.run(
      'DELETE FROM store_key_records WHERE key IN (SELECT key FROM store_keys WHERE at <= ?)',
      cutoff,
    );
    this.sql.run('DELETE FROM store_keys WHERE at <= ?', cutoff);
  }
}
