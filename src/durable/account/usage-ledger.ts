import { utcDay, type UsageDay, type UsageReport } from '../../billing/usage';
import type { UsageEntry } from '../rpc/account-types';
import type { MetaTable, Sql } from '../sqlite/sql';

/** How long a usage batch id is remembered: far past any sender's retries. */
const USAGE_BATCH_MEMORY_MS = 30 * 86_400_000;

/**
 * An account's memory-token ledger: tokens per key and UTC day, the running
 * unbilled total the Stripe outbox drains, and the ids of the batches already
 * applied (usage shards and vaults hand tokens over in identified batches and
 * resend after a lost acknowledgement). The account object wraps each change
 * in one transaction and schedules the outbox.
 */
export class UsageLedger {
  constructor(
    private readonly sql: Sql,
    private readonly meta: MetaTable,
  ) {}

  /** Adds entries to the days and the unbilled total; returns the tokens added. */
  add(entries: readonly UsageEntry[]): number {
    let total = 0;
    for (const { keyId, day, memoryTokens } of entries) {
      if (!Number.isSafeInteger(memoryTokens) || memoryTokens <= 0) continue;
      total += memoryTokens;
      this.sql.run(
        `INSERT INTO usage_days (key_id, day, memory_tokens) VALUES (?, ?, ?)
         ON CONFLICT (key_id, day) DO UPDATE SET memory_tokens = memory_tokens + excluded.memory_tokens`,
        keyId,
        day,
        memoryTokens,
      );
    }
    if (total > 0) this.meta.set('unbilled_tokens', this.unbilled() + total);
    return total;
  }

  /** Whether a batch id was applied already (then it changes nothing). */
  hasApplied(batchId: string): boolean {
    return this.sql.first('SELECT id FROM usage_batches WHERE id = ?', batchId) !== null;
  }

  /** Applies a batch under its id and forgets ids older than the resend horizon; returns the tokens added. */
  applyBatch(batchId: string, entries: readonly UsageEntry[], now: number): number {
    this.sql.run('INSERT INTO usage_batches (id, applied_at) VALUES (?, ?)', batchId, now);
    this.sql.run('DELETE FROM usage_batches WHERE applied_at < ?', now - USAGE_BATCH_MEMORY_MS);
    return this.add(entries);
  }

  unbilled(): number {
    return Number(this.meta.get('unbilled_tokens') ?? 0);
  }

  /** Totals and per-day figures between two times (inclusive days), per key and overall. */
  report(from: number, to: number, onlyKey: string | null): UsageReport {
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
}
