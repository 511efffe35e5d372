import { DurableObject } from 'cloudflare:workers';
import { utcDay } from '../../billing/usage';
import type { UsageEntry } from '../rpc/account-types';
import { MetaTable, migrate, Sql, type Migration } from '../sqlite/sql';

/** How long usage gathers in a shard before it is sent to the account in one batch. */
export const USAGE_FLUSH_DELAY_MS = 2_000;
/** Waits after a failed send, doubling up to the last. */
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 300_000];

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    statements: [
      // Usage not yet sealed into a batch: summed per key and UTC day.
      `CREATE TABLE pending (
        key_id TEXT NOT NULL,
        day TEXT NOT NULL,
        memory_tokens INTEGER NOT NULL,
        PRIMARY KEY (key_id, day)
      )`,
      // Batches sealed under an identifier and kept until the account took them.
      `CREATE TABLE sealed (
        seq INTEGER PRIMARY KEY,
        batch_id TEXT NOT NULL UNIQUE,
        entries TEXT NOT NULL
      )`,
    ],
  },
];

/**
 * One of an account's usage shards (`usage:{accountId}:{n}`): metered
 * requests record memory tokens here, durably before they answer, instead of
 * in the account object, which one customer's global traffic would otherwise
 * queue on. The shard's alarm sends what gathered to the account as one
 * batch with an identifier of its own (`{shard}:{seq}`), like the Stripe
 * outbox: the batch is sealed in the same transaction that empties `pending`,
 * kept until the account acknowledged it, and resent under the same
 * identifier after a failure, which the account applies at most once. So no
 * token is lost when an isolate goes away (it was never buffered there) and
 * none is counted twice.
 */
export class UsageShardObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private meta!: MetaTable;
  private flushing: Promise<void> | null = null;
  /**
   * Whether the alarm is known to be set and not yet begun: then a record
   * needs no alarm read (a storage call on every metered chat). Unknown
   * (false) after a restart and from the moment the alarm begins, so the
   * alarm is read again then, as before.
   */
  private alarmArmed = false;
  /** How many times the alarm began: an alarm read from before the last one says nothing. */
  private alarmRuns = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
      this.meta = new MetaTable(this.sql);
    });
  }

  /** Adds memory tokens of one key; durable when this returns. */
  async record(
    accountId: string,
    keyId: string,
    memoryTokens: number,
    at: number = Date.now(),
  ): Promise<void> {
    if (!Number.isSafeInteger(memoryTokens) || memoryTokens <= 0) return;
    if (this.meta.get('account_id') === null) this.meta.set('account_id', accountId);
    this.sql.run(
      `INSERT INTO pending (key_id, day, memory_tokens) VALUES (?, ?, ?)
       ON CONFLICT (key_id, day) DO UPDATE SET memory_tokens = memory_tokens + excluded.memory_tokens`,
      keyId,
      utcDay(at),
      memoryTokens,
    );
    if (this.alarmArmed) return;
    const runs = this.alarmRuns;
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + USAGE_FLUSH_DELAY_MS);
    this.alarmArmed = this.alarmRuns === runs;
  }

  /**
   * Seals what is pending and sends every sealed batch to the account, oldest
   * first; the `usage` and `billing` queries call it so they read their writes.
   */
  async flush(): Promise<void> {
    // One send at a time per shard; a second caller waits for it and sends what is left.
    while (this.flushing !== null) await this.flushing.catch(() => {});
    this.flushing = this.sendAll().finally(() => (this.flushing = null));
    return this.flushing;
  }

  override async alarm(): Promise<void> {
    // What is recorded from now on needs an alarm after this one.
    this.alarmArmed = false;
    this.alarmRuns++;
    try {
      await this.flush();
      this.meta.delete('failures');
    } catch {
      const failures = Number(this.meta.get('failures') ?? 0);
      this.meta.set('failures', failures + 1);
      const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)]!;
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }

  /** Sealed batches not yet acknowledged, and tokens pending (for tests and operators). */
  async backlog(): Promise<{ sealedBatches: number; pendingTokens: number }> {
    const sealed = this.sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM sealed')?.n ?? 0;
    const pending =
      this.sql.first<{ n: number | null }>('SELECT SUM(memory_tokens) AS n FROM pending')?.n ?? 0;
    return { sealedBatches: sealed, pendingTokens: pending };
  }

  private async sendAll(): Promise<void> {
    this.seal();
    const accountId = this.meta.get('account_id');
    if (accountId === null) return;
    const account = this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(`account:${accountId}`));
    for (const batch of this.sql.all<{ seq: number; batch_id: string; entries: string }>(
      'SELECT seq, batch_id, entries FROM sealed ORDER BY seq',
    )) {
      await account.applyUsageBatch(batch.batch_id, JSON.parse(batch.entries) as UsageEntry[]);
      this.sql.run('DELETE FROM sealed WHERE seq = ?', batch.seq);
    }
  }

  /** Moves everything pending into one sealed batch, in one transaction. */
  private seal(): void {
    const entries = this.sql
      .all<{ key_id: string; day: string; memory_tokens: number }>(
        'SELECT key_id, day, memory_tokens FROM pending ORDER BY day, key_id',
      )
      .map((row): UsageEntry => ({
        keyId: row.key_id,
        day: row.day,
        memoryTokens: row.memory_tokens,
      }));
    if (entries.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      const seq = Number(this.meta.get('next_batch') ?? 1);
      this.sql.run(
        'INSERT INTO sealed (seq, batch_id, entries) VALUES (?, ?, ?)',
        seq,
        `${this.ctx.id.toString()}:${seq}`,
        JSON.stringify(entries),
      );
      this.sql.run('DELETE FROM pending');
      this.meta.set('next_batch', seq + 1);
    });
  }
}
