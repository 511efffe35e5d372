import { DurableObject } from 'cloudflare:workers';
import { constantTimeEqual } from './constant-time';
import { failure, type Result } from '../errors';
import type { VaultKind } from '../vaults/address';
import { ACCOUNT_MIGRATIONS } from './account-schema';
import type {
  KeyStanding,
  MemoryKeyRecord,
  ProviderKeyRecord,
  RegisteredVault,
  SealedProviderKey,
} from './account-types';
import { meterEventFailure, meterEventName, stripeClient } from '../billing/stripe';
import {
  utcDay,
  type AccountStatus,
  type BillingState,
  type UsageDay,
  type UsageReport,
} from '../billing/usage';
import { randomId } from '../encoding';
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
/** Meter events sent per alarm run. */
const FLUSH_BATCH = 25;
/** Longest wait between two attempts to send a meter event. */
export const MAX_BACKOFF_MS = 3_600_000;
/**
 * How long after its first attempt an event may still be sent: Stripe keeps
 * meter-event identifiers unique for 24 hours; an hour is kept in hand.
 */
export const IDENTIFIER_WINDOW_MS = 23 * 3_600_000;

/** 5 s, doubling per attempt, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.min(attempts - 1, 30));
}

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

  /**
   * Checks a presented key's verifier in constant time, and tells the
   * account's standing with it: the Worker authorizes the whole request from
   * this one call.
   */
  async authenticate(
    accountId: string,
    keyId: string,
    verifier: string,
  ): Promise<Result<KeyStanding>> {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE id = ?', keyId);
    const unknown = failure('UNAUTHENTICATED', 'invalid or revoked memory key', 'KEY_UNKNOWN');
    if (row === null || this.meta.get('account_id') !== accountId) return unknown;
    if (!constantTimeEqual(verifier, row.verifier)) return unknown;
    // Only the holder of the real key can learn that it was revoked.
    if (row.revoked_at !== null)
      return failure('UNAUTHENTICATED', 'invalid or revoked memory key', 'KEY_REVOKED');
    return { ok: true, key: toKeyRecord(row), status: this.status() };
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

  // ── stored provider keys ───────────────────────────────────────────────────
  // The Worker seals and opens them (src/providers/key-encryption.ts); this
  // object only keeps ciphertext and what may be shown.

  /** Saves (or replaces) a provider key for the account ('' scope) or one of its memory keys. */
  async setProviderKey(
    accountId: string,
    row: { scope: string; provider: string; sealed: string; fingerprint: string; last4: string },
  ): Promise<Result<{ key: ProviderKeyRecord }>> {
    if (this.meta.get('account_id') !== null && this.meta.get('account_id') !== accountId)
      return failure('FORBIDDEN', 'not this account');
    if (
      row.scope !== '' &&
      this.sql.first('SELECT id FROM memory_keys WHERE id = ?', row.scope) === null
    ) {
      return failure('NOT_FOUND', 'no such memory key in this account');
    }
    this.recordAccount(accountId);
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
    return { ok: true, key: this.providerKeyRecords(row.scope, row.provider)[0]! };
  }

  async deleteProviderKey(scope: string, provider: string): Promise<boolean> {
    const before = this.providerKeyRecords(scope, provider).length;
    this.sql.run('DELETE FROM provider_keys WHERE scope = ? AND provider = ?', scope, provider);
    return before > 0;
  }

  async listProviderKeys(): Promise<ProviderKeyRecord[]> {
    return this.providerKeyRecords(null, null);
  }

  /** The sealed keys a request of `keyId` may use for `provider`: its own first, then the account's. */
  async sealedProviderKeys(keyId: string, provider: string): Promise<SealedProviderKey[]> {
    return this.sql.all<{ scope: string; sealed: string }>(
      `SELECT scope, sealed FROM provider_keys WHERE provider = ? AND scope IN (?, '')
       ORDER BY scope = '' ASC`,
      provider,
      keyId,
    );
  }

  /** Every sealed key of the account, for sealing again under a new deployment secret. */
  async allSealedProviderKeys(): Promise<(SealedProviderKey & { provider: string })[]> {
    return this.sql.all<{ scope: string; provider: string; sealed: string }>(
      'SELECT scope, provider, sealed FROM provider_keys ORDER BY scope, provider',
    );
  }

  /** Replaces a sealed value, unless it changed meanwhile (a concurrent set wins). */
  async resealProviderKey(
    scope: string,
    provider: string,
    previous: string,
    sealed: string,
  ): Promise<boolean> {
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

  private providerKeyRecords(scope: string | null, provider: string | null): ProviderKeyRecord[] {
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
        secretId: row.sealed.split('.')[1] ?? null,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
  }

  // ── usage and billing ──────────────────────────────────────────────────────

  /**
   * Adds memory tokens to the ledger (per key, per UTC day) and to the
   * unbilled total, in one transaction; the response waits for it to be durable.
   */
  async recordUsage(keyId: string, memoryTokens: number, at: number = Date.now()): Promise<void> {
    if (!Number.isSafeInteger(memoryTokens) || memoryTokens <= 0) return;
    this.ctx.storage.transactionSync(() => {
      this.sql.run(
        `INSERT INTO usage_days (key_id, day, memory_tokens) VALUES (?, ?, ?)
         ON CONFLICT (key_id, day) DO UPDATE SET memory_tokens = memory_tokens + excluded.memory_tokens`,
        keyId,
        utcDay(at),
        memoryTokens,
      );
      this.meta.set(
        'unbilled_tokens',
        Number(this.meta.get('unbilled_tokens') ?? 0) + memoryTokens,
      );
    });
    await this.scheduleFlush(Date.now() + this.flushDelayMs());
  }

  /** Totals and per-day figures between two times (inclusive days), per key and overall. */
  async usage(from: number, to: number, onlyKey: string | null): Promise<UsageReport> {
    const rows = this.sql.all<{ key_id: string; day: string; memory_tokens: number }>(
      `SELECT key_id, day, memory_tokens FROM usage_days
       WHERE day >= ? AND day <= ? AND (? IS NULL OR key_id = ?) ORDER BY day, key_id`,
      utcDay(from),
      utcDay(to),
      onlyKey,
      onlyKey,
    );
    const total = new Map<string, number>();
    const perKey = new Map<string, Map<string, number>>();
    for (const row of rows) {
      total.set(row.day, (total.get(row.day) ?? 0) + row.memory_tokens);
      const days = perKey.get(row.key_id) ?? new Map<string, number>();
      days.set(row.day, row.memory_tokens);
      perKey.set(row.key_id, days);
    }
    const toDays = (days: Map<string, number>): UsageDay[] =>
      [...days].map(([date, memoryTokens]) => ({ date, memoryTokens }));
    const sum = (days: Map<string, number>) => [...days.values()].reduce((a, b) => a + b, 0);
    return {
      memoryTokens: sum(total),
      days: toDays(total),
      keys: [...perKey].map(([keyId, days]) => ({
        keyId,
        memoryTokens: sum(days),
        days: toDays(days),
      })),
    };
  }

  async billing(): Promise<BillingState> {
    return {
      status: this.status(),
      stripeCustomerId: this.meta.get('stripe_customer_id'),
      unbilledMemoryTokens: Number(this.meta.get('unbilled_tokens') ?? 0),
      pendingMeterEvents:
        this.sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM meter_outbox WHERE sent_at IS NULL AND failed_at IS NULL',
        )?.n ?? 0,
      failedMeterEvents:
        this.sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM meter_outbox WHERE failed_at IS NOT NULL',
        )?.n ?? 0,
    };
  }

  async setStripeCustomer(accountId: string, customerId: string): Promise<void> {
    this.recordAccount(accountId);
    this.meta.set('stripe_customer_id', customerId);
    await this.scheduleFlush(Date.now());
  }

  /**
   * Applies a verified Stripe event's verdict on the account. A redelivered
   * event changes nothing, and an event older than the last one applied does
   * not undo it (Stripe does not promise delivery order).
   */
  async applyBillingEvent(
    eventId: string,
    created: number,
    status: AccountStatus,
  ): Promise<{ applied: boolean }> {
    if (this.sql.first('SELECT id FROM billing_events WHERE id = ?', eventId) !== null)
      return { applied: false };
    const latest = Number(this.meta.get('billing_event_created') ?? 0);
    this.ctx.storage.transactionSync(() => {
      this.sql.run(
        'INSERT INTO billing_events (id, created, status) VALUES (?, ?, ?)',
        eventId,
        created,
        status,
      );
      if (created >= latest) {
        this.meta.set('status', status);
        this.meta.set('billing_event_created', created);
      }
    });
    return { applied: created >= latest };
  }

  /**
   * Seals unbilled usage into a meter event, then sends what is due. Each
   * attempt carries the event's fixed `identifier` (Stripe's de-duplication)
   * and an idempotency key of its own: Stripe replays the first answer to a
   * key for 24 hours, a 500 included, so reusing one key would fail every
   * retry for a day.
   */
  override async alarm(): Promise<void> {
    const stripe = await stripeClient(this.env);
    const customer = this.meta.get('stripe_customer_id');
    if (stripe === null || customer === null) return;
    this.sealUnbilled();
    const now = Date.now();
    const due = this.sql.all<{
      identifier: string;
      memory_tokens: number;
      timestamp: number;
      attempts: number;
      first_attempt_at: number | null;
    }>(
      `SELECT identifier, memory_tokens, timestamp, attempts, first_attempt_at FROM meter_outbox
       WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
       ORDER BY timestamp LIMIT ?`,
      now,
      FLUSH_BATCH,
    );
    for (const event of due) {
      const firstAttemptAt = event.first_attempt_at ?? Date.now();
      if (Date.now() - firstAttemptAt >= IDENTIFIER_WINDOW_MS) {
        // An earlier attempt may have been recorded without our hearing of it,
        // and Stripe no longer remembers the identifier: resending could bill
        // twice. Kept for the operator to reconcile.
        this.failMeterEvent(
          event.identifier,
          'not acknowledged within Stripe’s 24-hour identifier window; check Stripe before resending',
        );
        continue;
      }
      const attempts = event.attempts + 1;
      this.sql.run(
        'UPDATE meter_outbox SET attempts = ?, first_attempt_at = ? WHERE identifier = ?',
        attempts,
        firstAttemptAt,
        event.identifier,
      );
      try {
        await stripe.billing.meterEvents.create(
          {
            event_name: meterEventName(this.env),
            identifier: event.identifier,
            timestamp: Math.floor(event.timestamp / 1000),
            payload: { stripe_customer_id: customer, value: String(event.memory_tokens) },
          },
          { idempotencyKey: `${event.identifier}-${attempts}` },
        );
        this.markMeterEventSent(event.identifier);
      } catch (error) {
        const message = error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
        const outcome = meterEventFailure(error);
        if (outcome === 'delivered') this.markMeterEventSent(event.identifier);
        else if (outcome === 'refused') this.failMeterEvent(event.identifier, message);
        else {
          this.sql.run(
            'UPDATE meter_outbox SET next_attempt_at = ?, last_error = ? WHERE identifier = ?',
            Date.now() + retryDelayMs(attempts),
            message,
            event.identifier,
          );
        }
      }
    }
    const next = this.sql.first<{ at: number | null }>(
      'SELECT MIN(next_attempt_at) AS at FROM meter_outbox WHERE sent_at IS NULL AND failed_at IS NULL',
    )?.at;
    if (next !== null && next !== undefined) await this.scheduleFlush(next);
  }

  private markMeterEventSent(identifier: string): void {
    this.sql.run(
      'UPDATE meter_outbox SET sent_at = ? WHERE identifier = ?',
      Date.now(),
      identifier,
    );
  }

  private failMeterEvent(identifier: string, reason: string): void {
    console.error('meter event not delivered', identifier, reason);
    this.sql.run(
      'UPDATE meter_outbox SET failed_at = ?, last_error = ? WHERE identifier = ?',
      Date.now(),
      reason,
      identifier,
    );
  }

  /** Moves the unbilled total into a new outbox event with its own stable identifier. */
  private sealUnbilled(): void {
    this.ctx.storage.transactionSync(() => {
      const unbilled = Number(this.meta.get('unbilled_tokens') ?? 0);
      if (unbilled <= 0) return;
      let prefix = this.meta.get('meter_prefix');
      if (prefix === null) {
        prefix = `mr_${randomId(9)}`;
        this.meta.set('meter_prefix', prefix);
      }
      const seq = Number(this.meta.get('meter_seq') ?? 0) + 1;
      const now = Date.now();
      this.sql.run(
        'INSERT INTO meter_outbox (identifier, memory_tokens, timestamp, next_attempt_at) VALUES (?, ?, ?, ?)',
        `${prefix}_${seq}`,
        unbilled,
        now,
        now,
      );
      this.meta.set('meter_seq', seq);
      this.meta.set('unbilled_tokens', 0);
    });
  }

  private async scheduleFlush(at: number): Promise<void> {
    if (!this.env.STRIPE_SECRET_KEY || this.meta.get('stripe_customer_id') === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private flushDelayMs(): number {
    return (Number(this.env.METER_FLUSH_SECONDS) || 60) * 1000;
  }

  private status(): AccountStatus {
    return this.meta.get('status') === 'suspended' ? 'suspended' : 'active';
  }

  /** Where a KV-era migration of `prefix` stopped; null before it starts and after it finishes. */
  async migrationCursor(prefix: string): Promise<string | null> {
    return this.meta.get(`kv_migration:${prefix}`);
  }

  async setMigrationCursor(prefix: string, cursor: string | null): Promise<void> {
    if (cursor === null) this.meta.delete(`kv_migration:${prefix}`);
    else this.meta.set(`kv_migration:${prefix}`, cursor);
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
