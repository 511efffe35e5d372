import { utcDay } from '../../billing/usage';
import { randomId } from '../../core/encoding';
import type { UsageEntry } from '../rpc/account-types';
import type { Sql } from '../sqlite/sql';
import { UsageCommitGroup } from './usage-commit-group';
import type { VaultMeta } from '../warm-tier/vault-meta';
import type { UsageCharge, WindowResult } from '../rpc/vault-types';
import { logError } from '../../core/request-log';

/** How long memory tokens gather in a vault before it hands them to the account in one batch. */
export const USAGE_HANDOVER_DELAY_MS = 2_000;
/** Waits after a failed hand-over, longer with each failure in a row. */
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 300_000];

/** What a vault still owes its account's ledger: carried across a wipe of the vault. */
export interface OwedUsage {
  pending: {
    request_id: string;
    account_id: string;
    key_id: string;
    day: string;
    memory_tokens: number;
  }[];
  sealed: { batch_id: string; account_id: string; entries: string }[];
}

/**
 * Tokens a search bills: the tokens of the memories it returns. Each window
 * already holds a content once (a vault skips duplicates while it fills a
 * window, vault-queries.ts; the merge across vaults keeps the best of each,
 * merge-windows.ts), so a fact stored twice is billed once without keying
 * the hits by content again here.
 */
export function billedSearchTokens(windows: readonly WindowResult[]): number {
  let total = 0;
  for (const { hits } of windows) for (const hit of hits) total += hit.memory.tokens;
  return total;
}

/**
 * A vault's share of metering. The memory tokens a read or write bills are
 * recorded in the vault's own SQLite, in the same synchronous step as the
 * write (or right after the search) they bill, under the request's
 * identifier: the Worker answers without another call, and a record is
 * durable when its answer leaves (the output gate). The vault's alarm then
 * seals what is pending into batches with random identifiers (in the same
 * transaction that empties `usage_pending`) and hands them to the account's
 * ledger (`applyUsageBatch`, applied at most once per identifier), keeping a
 * batch until the account acknowledged it and resending it after a failure.
 * So an eviction between record and hand-over loses nothing (the rows are in
 * SQLite) and a resend counts nothing twice.
 */
export class VaultUsage {
  private sending: Promise<void> | null = null;
  /** Metered reads' rows, written together (usage-commit-group.ts). */
  private readonly reads: UsageCommitGroup<{ charge: UsageCharge; at: number }[]>;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly sql: Sql,
    private readonly meta: VaultMeta,
    private readonly env: Env,
  ) {
    this.reads = new UsageCommitGroup(
      () => storage.sync(),
      (entries) => this.recordAll(entries.flat()),
    );
  }

  /**
   * Records one request's tokens (once per identifier), in the caller's
   * synchronous step: a write bills in the step that writes its memories, so
   * both are durable, or neither. Returns true when it planned a hand-over,
   * so the caller re-arms the alarm.
   */
  record(charge: UsageCharge | undefined, at: number = Date.now()): boolean {
    return charge === undefined ? false : this.recordAll([{ charge, at }]);
  }

  /**
   * Records a metered call's tokens (every search of one call, as one entry:
   * written in the same step, so the call is billed for all of them or none)
   * together with those of the calls that finish while the storage settles,
   * in one commit (usage-commit-group.ts). The caller answers only once this
   * resolved: its rows are written, and its answer then waits at the output
   * gate for that commit. Resolves true when the caller must re-arm the
   * alarm.
   */
  async recordReads(charges: readonly UsageCharge[]): Promise<boolean> {
    const due = charges.filter(billable);
    if (due.length === 0) return false;
    const at = Date.now();
    return this.reads.add(due.map((charge) => ({ charge, at })));
  }

  /** Writes the rows of one group in one statement step, all or none. */
  private recordAll(rows: { charge: UsageCharge; at: number }[]): boolean {
    const due = rows.filter(({ charge }) => billable(charge));
    if (due.length === 0) return false;
    const insert = () => {
      for (const { charge, at } of due)
        this.sql.run(
          `INSERT INTO usage_pending (request_id, account_id, key_id, day, memory_tokens)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
          charge.requestId,
          charge.accountId,
          charge.keyId,
          utcDay(at),
          charge.memoryTokens,
        );
    };
    // The rows and the plan to hand them over in one savepoint: a failure
    // part way leaves none of them, and rows are never kept for callers that
    // are told their write failed.
    return this.storage.transactionSync(() => {
      insert();
      return this.planHandOver(Date.now() + USAGE_HANDOVER_DELAY_MS);
    });
  }

  /**
   * Seals what is pending and hands every sealed batch to its account, oldest
   * first (the alarm, and usage reads through `VaultObject.flushUsage`). One
   * hand-over at a time; a second caller waits and sends what is left. On a
   * failure the rest stays sealed and a retry is planned.
   */
  async handOver(): Promise<void> {
    while (this.sending !== null) await this.sending.catch(() => {});
    this.sending = this.sendAll().finally(() => (this.sending = null));
    return this.sending;
  }

  /** The alarm's part: hand over, and plan the next attempt after a failure. */
  async handOverDue(now: number): Promise<void> {
    this.meta.set('usageDueAt', null);
    try {
      await this.handOver();
      this.meta.set('usageFailures', 0);
    } catch (error) {
      const failures = this.meta.get('usageFailures');
      this.meta.set('usageFailures', failures + 1);
      const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)]!;
      logError('vault usage hand-over failed; retrying', delay, String(error).slice(0, 200));
      this.planHandOver(now + delay);
    }
  }

  /** Everything not yet acknowledged by the account, read before the vault is wiped. */
  owed(): OwedUsage {
    // Rows of reads still gathering are written first, so the wipe carries them too.
    this.reads.writeNow();
    return {
      pending: this.sql.all(
        'SELECT request_id, account_id, key_id, day, memory_tokens FROM usage_pending',
      ),
      sealed: this.sql.all('SELECT batch_id, account_id, entries FROM usage_sealed ORDER BY seq'),
    };
  }

  /** Puts owed usage back after a wipe; returns true when it planned a hand-over. */
  restore(owed: OwedUsage): boolean {
    if (owed.pending.length === 0 && owed.sealed.length === 0) return false;
    this.storage.transactionSync(() => {
      for (const row of owed.sealed)
        this.sql.run(
          'INSERT INTO usage_sealed (batch_id, account_id, entries) VALUES (?, ?, ?)',
          row.batch_id,
          row.account_id,
          row.entries,
        );
      for (const row of owed.pending)
        this.sql.run(
          `INSERT INTO usage_pending (request_id, account_id, key_id, day, memory_tokens)
           VALUES (?, ?, ?, ?, ?)`,
          row.request_id,
          row.account_id,
          row.key_id,
          row.day,
          row.memory_tokens,
        );
    });
    return this.planHandOver(Date.now() + USAGE_HANDOVER_DELAY_MS);
  }

  /** Tokens recorded and not yet acknowledged, and sealed batches waiting (tests, operators). */
  backlog(): { pendingTokens: number; sealedBatches: number } {
    return {
      pendingTokens:
        this.sql.first<{ n: number | null }>('SELECT SUM(memory_tokens) AS n FROM usage_pending')
          ?.n ?? 0,
      sealedBatches:
        this.sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM usage_sealed')?.n ?? 0,
    };
  }

  private planHandOver(at: number): boolean {
    if (this.meta.get('usageDueAt') !== null) return false;
    this.meta.set('usageDueAt', at);
    return true;
  }

  private async sendAll(): Promise<void> {
    this.seal();
    for (const batch of this.sql.all<{
      seq: number;
      batch_id: string;
      account_id: string;
      entries: string;
    }>('SELECT seq, batch_id, account_id, entries FROM usage_sealed ORDER BY seq')) {
      const account = this.env.ACCOUNT.get(
        this.env.ACCOUNT.idFromName(`account:${batch.account_id}`),
      );
      await account.applyUsageBatch(batch.batch_id, JSON.parse(batch.entries) as UsageEntry[]);
      this.sql.run('DELETE FROM usage_sealed WHERE seq = ?', batch.seq);
    }
  }

  /** Moves everything pending into one sealed batch per account, in one transaction. */
  private seal(): void {
    const rows = this.sql.all<{ account_id: string; key_id: string; day: string; tokens: number }>(
      `SELECT account_id, key_id, day, SUM(memory_tokens) AS tokens FROM usage_pending
       GROUP BY account_id, key_id, day ORDER BY account_id, day, key_id`,
    );
    if (rows.length === 0) return;
    const byAccount = new Map<string, UsageEntry[]>();
    for (const row of rows) {
      const entries = byAccount.get(row.account_id) ?? [];
      entries.push({ keyId: row.key_id, day: row.day, memoryTokens: row.tokens });
      byAccount.set(row.account_id, entries);
    }
    this.storage.transactionSync(() => {
      for (const [accountId, entries] of byAccount)
        // A random identifier, not a counter: a wiped vault starts its tables
        // again, and a reused identifier would be dropped by the account.
        this.sql.run(
          'INSERT INTO usage_sealed (batch_id, account_id, entries) VALUES (?, ?, ?)',
          `vault_${randomId(12)}`,
          accountId,
          JSON.stringify(entries),
        );
      this.sql.run('DELETE FROM usage_pending');
    });
  }
}

/** A charge worth a row: a positive whole number of tokens. */
function billable(charge: UsageCharge): boolean {
  return Number.isSafeInteger(charge.memoryTokens) && charge.memoryTokens > 0;
}
