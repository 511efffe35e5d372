import { DurableObject } from 'cloudflare:workers';
import { constantTimeEqual } from './constant-time';
import { failure, type Result } from '../../core/errors';
import { MAX_ACTIVE_MEMORY_KEYS } from '../../core/limits';
import type { VaultAddress, VaultKind } from '../../vaults/address';
import type { VaultListPosition } from '../../vaults/list-cursors';
import { ACCOUNT_MIGRATIONS } from './account-schema';
import type {
  UsageEntry,
  KeyStanding,
  KeyPage,
  KeyState,
  MemoryKeyRecord,
  PresentedKey,
  ProviderKeyRecord,
  RegisteredVaultPage,
  SealedProviderKey,
} from '../rpc/account-types';
import {
  utcDay,
  type AccountStatus,
  type BillingEventSource,
  type BillingState,
  type UsageReport,
} from '../../billing/usage';
import { MeterOutbox } from './meter-outbox';
import { ProviderKeyStore, type SealedProviderKeyRow } from './provider-key-store';
import { MetaTable, migrate, Sql } from '../sqlite/sql';
import { UsageLedger } from './usage-ledger';
import { VaultRegistry } from './vault-registry';

interface KeyRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string | null;
  verifier: string;
  created_at: number;
  revoked_at: number | null;
  lookup_id: string;
  secret_id: string | null;
}

/**
 * One account (`account:{accountId}`): its memory keys, stored as verifiers
 * only; its provider keys, sealed (provider-key-store.ts); the registry of
 * vaults written under its keys (vault-registry.ts); the memory-token ledger
 * (usage-ledger.ts) and the Stripe meter outbox that bills it
 * (meter-outbox.ts); and its billing status.
 */
export class AccountObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private meta!: MetaTable;
  private outbox!: MeterOutbox;
  private readonly providerKeys: ProviderKeyStore;
  private readonly vaults: VaultRegistry;
  private ledger!: UsageLedger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.providerKeys = new ProviderKeyStore(this.sql);
    this.vaults = new VaultRegistry(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, ACCOUNT_MIGRATIONS);
      this.meta = new MetaTable(this.sql);
      this.ledger = new UsageLedger(this.sql, this.meta);
      this.outbox = new MeterOutbox(this.sql, this.meta, ctx.storage, env);
      await this.outbox.resume();
    });
  }

  async createKey(
    accountId: string,
    key: { id: string; name: string | null; verifier: string; secretId: string | null },
  ): Promise<Result<{ key: MemoryKeyRecord }>> {
    const active = this.sql.first<{ n: number }>(
      'SELECT COUNT(*) AS n FROM memory_keys WHERE revoked_at IS NULL',
    );
    if ((active?.n ?? 0) >= MAX_ACTIVE_MEMORY_KEYS) {
      return failure(
        'FORBIDDEN',
        `an account holds at most ${MAX_ACTIVE_MEMORY_KEYS} memory keys that are not revoked; revoke one (revokeMemoryKey) before creating another`,
        'TOO_MANY_KEYS',
      );
    }
    this.recordAccount(accountId);
    const createdAt = Date.now();
    this.sql.run(
      'INSERT INTO memory_keys (id, lookup_id, name, verifier, created_at, secret_id) VALUES (?, ?, ?, ?, ?, ?)',
      key.id,
      key.id,
      key.name,
      key.verifier,
      createdAt,
      key.secretId,
    );
    return {
      ok: true,
      key: { id: key.id, name: key.name, createdAt, revokedAt: null, secretId: key.secretId },
    };
  }

  /**
   * Checks a presented key's verifier in constant time, and tells the
   * account's standing with it: the Worker authorizes the whole request from
   * this one call. A key found only under the previous KEY_HMAC_SECRET (a
   * rotation) is sealed again here under the current one: its lookup id and
   * verifier change, its id (and so its vaults) stays.
   */
  async authenticate(accountId: string, presented: PresentedKey): Promise<Result<KeyStanding>> {
    const unknown = failure('UNAUTHENTICATED', 'invalid or revoked memory key', 'KEY_UNKNOWN');
    if (this.meta.get('account_id') !== accountId) return unknown;
    const { current, previous } = presented;
    const row =
      this.keyByLookup(current.keyId, current.verifier) ??
      (previous === null ? null : this.keyByLookup(previous.keyId, previous.verifier));
    if (row === null) return unknown;
    if (row.lookup_id !== current.keyId || row.secret_id !== current.secretId) {
      // Sealed again under the current secret (or its secret recorded, for a
      // key made before secret ids were): the next request finds it directly.
      row.lookup_id = current.keyId;
      row.verifier = current.verifier;
      row.secret_id = current.secretId;
      this.sql.run(
        'UPDATE memory_keys SET lookup_id = ?, verifier = ?, secret_id = ? WHERE id = ?',
        row.lookup_id,
        row.verifier,
        row.secret_id,
        row.id,
      );
    }
    // Only the holder of the real key can learn that it was revoked.
    if (row.revoked_at !== null)
      return failure('UNAUTHENTICATED', 'invalid or revoked memory key', 'KEY_REVOKED');
    return { ok: true, key: toKeyRecord(row), status: this.status() };
  }

  private keyByLookup(lookupId: string, verifier: string): KeyRow | null {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE lookup_id = ?', lookupId);
    return row !== null && constantTimeEqual(verifier, row.verifier) ? row : null;
  }

  async listKeys(): Promise<MemoryKeyRecord[]> {
    return this.sql
      .all<KeyRow>('SELECT * FROM memory_keys ORDER BY created_at, id')
      .map(toKeyRecord);
  }

  /**
   * One key of this account by its id, revoked or not; null when the account
   * has none by that id. Revoked keys are kept for good, so a caller that
   * needs one key asks for it rather than listing them all.
   */
  async key(keyId: string): Promise<MemoryKeyRecord | null> {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE id = ?', keyId);
    return row === null ? null : toKeyRecord(row);
  }

  /**
   * The keys in `listKeys`' order, from the one after `after` (a key id of
   * this account), at most `first`, revoked ones left out unless
   * `includeRevoked`: revoked keys are kept for good, so an account that
   * rotates keys for years holds far more of them than the active cap.
   */
  async pageKeys(page: KeyPage): Promise<Result<{ keys: MemoryKeyRecord[] }>> {
    const where: string[] = [];
    const bindings: (string | number)[] = [];
    if (page.after !== undefined) {
      const from = this.sql.first<{ created_at: number }>(
        'SELECT created_at FROM memory_keys WHERE id = ?',
        page.after,
      );
      if (from === null)
        return failure(
          'BAD_USER_INPUT',
          '`after` is not a memory key of this account: pass the id of the last key of the previous page',
          'INVALID_CURSOR',
        );
      where.push('(created_at, id) > (?, ?)');
      bindings.push(from.created_at, page.after);
    }
    if (!page.includeRevoked) where.push('revoked_at IS NULL');
    const rows = this.sql.all<KeyRow>(
      `SELECT * FROM memory_keys ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id ${page.first === undefined ? '' : 'LIMIT ?'}`,
      ...bindings,
      ...(page.first === undefined ? [] : [page.first]),
    );
    return { ok: true, keys: rows.map(toKeyRecord) };
  }

  async revokeKey(keyId: string): Promise<Result<{ key: MemoryKeyRecord }>> {
    const row = this.sql.first<KeyRow>('SELECT * FROM memory_keys WHERE id = ?', keyId);
    if (row === null)
      return failure('NOT_FOUND', 'no such memory key in this account', 'KEY_NOT_FOUND');
    if (row.revoked_at === null) {
      row.revoked_at = Date.now();
      this.sql.run('UPDATE memory_keys SET revoked_at = ? WHERE id = ?', row.revoked_at, keyId);
    }
    return { ok: true, key: toKeyRecord(row) };
  }

  /**
   * How a key stands now, for its open subscriptions (resolvers/standing-watch.ts):
   * revoked (or never of this account) or its account suspended, they end.
   */
  async keyState(keyId: string): Promise<KeyState> {
    const row = this.sql.first<{ revoked_at: number | null }>(
      'SELECT revoked_at FROM memory_keys WHERE id = ?',
      keyId,
    );
    if (row === null || row.revoked_at !== null) return 'revoked';
    return this.status() === 'suspended' ? 'suspended' : 'active';
  }

  // ── stored provider keys ───────────────────────────────────────────────────
  // The Worker seals and opens them (src/providers/key-encryption.ts); this
  // object only keeps ciphertext and what may be shown (provider-key-store.ts).

  /** Saves (or replaces) a provider key for the account ('' scope) or one of its memory keys. */
  async setProviderKey(
    accountId: string,
    row: SealedProviderKeyRow,
  ): Promise<Result<{ key: ProviderKeyRecord }>> {
    if (this.meta.get('account_id') !== null && this.meta.get('account_id') !== accountId)
      return failure('FORBIDDEN', 'not this account', 'WRONG_OWNER');
    if (
      row.scope !== '' &&
      this.sql.first('SELECT id FROM memory_keys WHERE id = ?', row.scope) === null
    ) {
      return failure('NOT_FOUND', 'no such memory key in this account', 'KEY_NOT_FOUND');
    }
    this.recordAccount(accountId);
    return { ok: true, key: this.providerKeys.save(row) };
  }

  async deleteProviderKey(scope: string, provider: string): Promise<boolean> {
    return this.providerKeys.delete(scope, provider);
  }

  async listProviderKeys(): Promise<ProviderKeyRecord[]> {
    return this.providerKeys.records(null, null);
  }

  /** The sealed keys a request of `keyId` may use for `provider`: its own first, then the account's. */
  async sealedProviderKeys(keyId: string, provider: string): Promise<SealedProviderKey[]> {
    return this.providerKeys.sealedFor(keyId, provider);
  }

  /** Every sealed key of the account, for sealing again under a new deployment secret. */
  async allSealedProviderKeys(): Promise<(SealedProviderKey & { provider: string })[]> {
    return this.providerKeys.allSealed();
  }

  /** Replaces a sealed value, unless it changed meanwhile (a concurrent set wins). */
  async resealProviderKey(
    scope: string,
    provider: string,
    previous: string,
    sealed: string,
  ): Promise<boolean> {
    return this.providerKeys.reseal(scope, provider, previous, sealed);
  }

  // ── usage and billing ──────────────────────────────────────────────────────

  /**
   * Adds memory tokens to the ledger (per key, per UTC day) and to the
   * unbilled total, in one transaction; the response waits for it to be durable.
   */
  async recordUsage(keyId: string, memoryTokens: number, at: number = Date.now()): Promise<void> {
    const entry = { keyId, day: utcDay(at), memoryTokens };
    const added = this.ctx.storage.transactionSync(() => this.ledger.add([entry]));
    if (added > 0) await this.outbox.schedule(Date.now() + this.outbox.flushDelayMs());
  }

  /**
   * Adds a usage shard's or a vault's batch to the ledger, once: a batch id
   * already taken changes nothing (the sender resends after a lost
   * acknowledgement).
   */
  async applyUsageBatch(batchId: string, entries: UsageEntry[]): Promise<{ applied: boolean }> {
    if (this.ledger.hasApplied(batchId)) return { applied: false };
    const added = this.ctx.storage.transactionSync(() =>
      this.ledger.applyBatch(batchId, entries, Date.now()),
    );
    if (added > 0) await this.outbox.schedule(Date.now() + this.outbox.flushDelayMs());
    return { applied: true };
  }

  /** Totals and per-day figures between two times (inclusive days), per key and overall. */
  async usage(from: number, to: number, onlyKey: string | null): Promise<UsageReport> {
    return this.ledger.report(from, to, onlyKey);
  }

  async billing(): Promise<BillingState> {
    const outbox = this.outbox.counts();
    return {
      status: this.status(),
      stripeCustomerId: this.meta.get('stripe_customer_id'),
      unbilledMemoryTokens: this.ledger.unbilled(),
      pendingMeterEvents: outbox.pending,
      failedMeterEvents: outbox.failed,
      failedMemoryTokens: outbox.failedTokens,
      failedMeterEventRecords: this.outbox.failedEvents(),
      lastMeterEventError: this.outbox.lastError(),
    };
  }

  /**
   * Links the Stripe customer usage is billed to, once: an account already
   * linked keeps its customer (a second link would leave the first one's
   * metadata naming this account, and its webhooks acting on it). Returns
   * the customer the account is linked to after the call.
   */
  async linkStripeCustomer(accountId: string, customerId: string): Promise<{ linked: string }> {
    const current = this.meta.get('stripe_customer_id');
    if (current !== null) return { linked: current };
    this.recordAccount(accountId);
    this.meta.set('stripe_customer_id', customerId);
    this.meta.delete('stripe_customer_attempt');
    this.meta.delete('stripe_customer_unsure_at');
    await this.outbox.schedule(Date.now());
    return { linked: customerId };
  }

  /**
   * Where linking a Stripe customer stands (src/resolvers/billing-customer.ts):
   * the number of the next create attempt (part of its idempotency key: Stripe
   * replays a key's first answer, a 500 included, for a day) and when the
   * last attempt that may have made a customer unseen failed (a 5xx, a
   * timeout, a lost answer), null if none did.
   */
  async customerAttempt(): Promise<{ attempt: number; unsureAt: number | null }> {
    const unsureAt = this.meta.get('stripe_customer_unsure_at');
    return {
      attempt: Number(this.meta.get('stripe_customer_attempt') ?? 0),
      unsureAt: unsureAt === null ? null : Number(unsureAt),
    };
  }

  /**
   * Records that create attempt `attempt` failed: the next uses a new key.
   * Only the first report of an attempt counts, so calls that failed together
   * move on to one next attempt, and again share its key.
   */
  async customerAttemptFailed(attempt: number, unsure: boolean): Promise<void> {
    if (this.meta.get('stripe_customer_id') !== null) return;
    if (Number(this.meta.get('stripe_customer_attempt') ?? 0) !== attempt) return;
    this.meta.set('stripe_customer_attempt', attempt + 1);
    if (unsure) this.meta.set('stripe_customer_unsure_at', Date.now());
  }

  /**
   * Applies a verified Stripe event's verdict on the account. A redelivered
   * event changes nothing, and an event older than the last one applied does
   * not undo it (Stripe does not promise delivery order). An event about a
   * customer other than the linked one (`customerId`, when the caller knows
   * it) is not the account's business and changes nothing.
   *
   * `source` says what the verdict is about (BillingEventSource). A paid
   * invoice does not restore an account whose subscription ended or paused:
   * cancelling a metered subscription makes Stripe invoice the period's
   * usage, and that final invoice is paid after the cancellation. Only a
   * subscription event (active or trialing again) restores it. An account
   * suspended before `suspended_by` was kept counts as a payment's
   * suspension, as it was treated then.
   */
  async applyBillingEvent(
    eventId: string,
    created: number,
    status: AccountStatus,
    customerId: string | null = null,
    source: BillingEventSource = 'subscription',
  ): Promise<{ applied: boolean; notLinkedCustomer?: true; reason?: string }> {
    if (customerId !== null && customerId !== this.meta.get('stripe_customer_id'))
      return { applied: false, notLinkedCustomer: true };
    if (this.sql.first('SELECT id FROM billing_events WHERE id = ?', eventId) !== null)
      return { applied: false, reason: 'the event was received before' };
    const latest = Number(this.meta.get('billing_event_created') ?? 0);
    const suspendedBy = this.status() === 'suspended' ? this.meta.get('suspended_by') : null;
    const keepsSubscriptionSuspension =
      source === 'payment' && status === 'active' && suspendedBy === 'subscription';
    const applies = created >= latest && !keepsSubscriptionSuspension;
    this.ctx.storage.transactionSync(() => {
      this.sql.run(
        'INSERT INTO billing_events (id, created, status) VALUES (?, ?, ?)',
        eventId,
        created,
        status,
      );
      if (!applies) return;
      this.meta.set('status', status);
      this.meta.set('billing_event_created', created);
      if (status === 'active') this.meta.delete('suspended_by');
      // A failed payment on top of an ended subscription leaves it the
      // subscription's suspension: a later paid invoice must not lift it.
      else if (suspendedBy !== 'subscription') this.meta.set('suspended_by', source);
    });
    if (created >= latest && keepsSubscriptionSuspension)
      return {
        applied: false,
        reason: 'the subscription ended or paused: only a subscription event restores the account',
      };
    if (created < latest) return { applied: false, reason: 'a newer event was applied already' };
    return { applied: true };
  }

  /** Sends the meter events that are due (meter-outbox.ts), and re-arms itself for the next. */
  override async alarm(): Promise<void> {
    await this.outbox.flush();
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

  /**
   * Records that a key has written to a vault (idempotent); answers
   * 'revoked', registering nothing, for a revoked key. The Worker registers a vault when a write finds it new or
   * emptied, so a write of a revoked key that arrives after deleteKeyVaults
   * emptied its vaults learns it here and takes its write back
   * (resolvers/store-memories.ts): no extra call on any other write.
   */
  async registerVault(
    keyId: string,
    kind: VaultKind,
    externalId: string | null,
  ): Promise<'registered' | 'revoked'> {
    const row = this.sql.first<{ revoked_at: number | null }>(
      'SELECT revoked_at FROM memory_keys WHERE id = ?',
      keyId,
    );
    if (row !== null && row.revoked_at !== null) return 'revoked';
    this.vaults.register(keyId, kind, externalId);
    return 'registered';
  }

  async forgetVault(keyId: string, kind: VaultKind, externalId: string | null): Promise<void> {
    this.vaults.forget(keyId, kind, externalId);
  }

  /** Every vault any key of the account wrote to (usage reads flush them first). */
  async vaultAddresses(): Promise<VaultAddress[]> {
    return this.vaults.addresses();
  }

  /** A page of one key's SESSION and EPHEMERAL vaults, oldest first (`vaultsConnection`). */
  async listVaultPage(
    keyId: string,
    first: number,
    after: VaultListPosition | null,
  ): Promise<RegisteredVaultPage> {
    return this.vaults.page(keyId, first, after);
  }

  private recordAccount(accountId: string): void {
    if (this.meta.get('account_id') === null) this.meta.set('account_id', accountId);
  }
}

function toKeyRecord(row: KeyRow): MemoryKeyRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    secretId: row.secret_id,
  };
}
