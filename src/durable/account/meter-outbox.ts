import { meterEventFailure, meterEventName, stripeClient } from '../../billing/stripe';
import {
  FAILED_EVENTS_SHOWN,
  type FailedMeterEvent,
  type MeterEventError,
} from '../../billing/usage';
import { randomId } from '../../core/encoding';
import type { MetaTable, Sql } from '../sqlite/sql';
import { logError } from '../../core/request-log';

/** Meter events sent per alarm run. */
const FLUSH_BATCH = 25;
/** Longest wait between two attempts to send a meter event. */
export const MAX_BACKOFF_MS = 3_600_000;
/**
 * How long after its first attempt an event may still be sent: Stripe keeps
 * meter-event identifiers unique for 24 hours; an hour is kept in hand.
 */
export const IDENTIFIER_WINDOW_MS = 23 * 3_600_000;

/**
 * How often a linked account with something to bill looks again for
 * STRIPE_SECRET_KEY while the deployment has none: usage recorded meanwhile
 * is sent within this long of the key being set, even by an account that is
 * not called again (one called sooner starts up with the new key and sends
 * it about a minute later: `resume`).
 */
export const KEYLESS_RECHECK_MS = 3_600_000;

/** 5 s, doubling per attempt, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.min(attempts - 1, 30));
}

/**
 * What an admin and the log are told when Stripe refuses STRIPE_SECRET_KEY
 * (never the key); its hours are IDENTIFIER_WINDOW_MS's.
 */
const AUTHENTICATION_FAILED =
  'Stripe refused STRIPE_SECRET_KEY (authentication failed): set a valid secret key; events wait and are sent once it is fixed, within 23 hours of their first attempt';

/**
 * The account's outbox of Stripe meter events (table `meter_outbox`): usage
 * recorded by the account object is sealed into events with stable
 * identifiers, sent by its alarm, retried with backoff, and set aside when
 * Stripe refuses one for good or never acknowledges it within its identifier
 * window. Kept apart from the account object so the delivery rules read as
 * one piece.
 */
export class MeterOutbox {
  constructor(
    private readonly sql: Sql,
    private readonly meta: MetaTable,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  /**
   * Seals unbilled usage into a meter event, then sends what is due. Each
   * attempt carries the event's fixed `identifier` (Stripe's de-duplication)
   * and an idempotency key of its own: Stripe replays the first answer to a
   * key for 24 hours, a 500 included, so reusing one key would fail every
   * retry for a day.
   */
  async flush(): Promise<void> {
    const stripe = await stripeClient(this.env);
    const customer = this.meta.get('stripe_customer_id');
    if (customer === null) return;
    if (stripe === null) {
      // No key (yet, or for now): nothing is sealed or sent, and the alarm
      // looks again later, so the usage is not left waiting for a next call.
      if (this.hasWork()) await this.schedule(Date.now());
      return;
    }
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
        else if (outcome === 'refused') {
          this.failMeterEvent(event.identifier, message);
          this.recordError('STRIPE_REFUSED', message);
        } else {
          // Stripe's own message about a refused key quotes part of it: ours instead.
          const reason = outcome === 'configuration' ? AUTHENTICATION_FAILED : message;
          this.sql.run(
            'UPDATE meter_outbox SET next_attempt_at = ?, last_error = ? WHERE identifier = ?',
            Date.now() + retryDelayMs(attempts),
            reason,
            event.identifier,
          );
          if (outcome === 'configuration') {
            this.recordError('STRIPE_AUTHENTICATION_FAILED', reason);
            // Every other event would be refused the same way: they wait too.
            break;
          }
          this.recordError('STRIPE_UNAVAILABLE', message);
        }
      }
    }
    const next = this.nextAttemptAt();
    if (next !== null) await this.schedule(next);
  }

  /**
   * Keeps the last failure for the admin's billing view, and logs a refused
   * STRIPE_SECRET_KEY once, when it starts (each retry would otherwise log
   * it again); a send that succeeds clears both.
   */
  private recordError(reason: string, message: string): void {
    const previous = this.lastError();
    if (reason === 'STRIPE_AUTHENTICATION_FAILED' && previous?.reason !== reason)
      logError(`meter events not sent: ${AUTHENTICATION_FAILED}`);
    this.meta.set('meter_last_error', JSON.stringify({ reason, message, at: Date.now() }));
  }

  lastError(): MeterEventError | null {
    const text = this.meta.get('meter_last_error');
    return text === null ? null : (JSON.parse(text) as MeterEventError);
  }

  private markMeterEventSent(identifier: string): void {
    this.meta.delete('meter_last_error');
    this.sql.run(
      'UPDATE meter_outbox SET sent_at = ? WHERE identifier = ?',
      Date.now(),
      identifier,
    );
  }

  private failMeterEvent(identifier: string, reason: string): void {
    logError('meter event not delivered', identifier, reason);
    this.sql.run(
      'UPDATE meter_outbox SET failed_at = ?, last_error = ? WHERE identifier = ?',
      Date.now(),
      reason,
      identifier,
    );
  }

  /** Moves the unbilled total into a new outbox event with its own stable identifier. */
  private sealUnbilled(): void {
    this.storage.transactionSync(() => {
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

  /**
   * Arms the alarm for `at` unless it is due sooner, when there is a Stripe
   * customer to bill; without STRIPE_SECRET_KEY, no sooner than
   * KEYLESS_RECHECK_MS from now, when it looks for the key again.
   */
  async schedule(at: number): Promise<void> {
    if (this.meta.get('stripe_customer_id') === null) return;
    const due = this.env.STRIPE_SECRET_KEY ? at : Math.max(at, Date.now() + KEYLESS_RECHECK_MS);
    const current = await this.storage.getAlarm();
    if (current === null || current > due) await this.storage.setAlarm(due);
  }

  /**
   * At the account object's start-up (a deployment whose STRIPE_SECRET_KEY
   * was set or changed starts its objects afresh): unbilled tokens, and
   * events whose alarm ran while there was no key, are sent as if just
   * recorded, about a minute later (the alarm re-arms only sooner, and
   * sealing moves tokens into one event once, so nothing is counted twice).
   */
  async resume(): Promise<void> {
    if (!this.env.STRIPE_SECRET_KEY || this.meta.get('stripe_customer_id') === null) return;
    if (Number(this.meta.get('unbilled_tokens') ?? 0) > 0)
      await this.schedule(Date.now() + this.flushDelayMs());
    const pending = this.nextAttemptAt();
    if (pending !== null) await this.schedule(pending);
  }

  /** Something to bill: unbilled tokens, or events not yet acknowledged nor set aside. */
  private hasWork(): boolean {
    return Number(this.meta.get('unbilled_tokens') ?? 0) > 0 || this.nextAttemptAt() !== null;
  }

  private nextAttemptAt(): number | null {
    return (
      this.sql.first<{ at: number | null }>(
        'SELECT MIN(next_attempt_at) AS at FROM meter_outbox WHERE sent_at IS NULL AND failed_at IS NULL',
      )?.at ?? null
    );
  }

  /** Usage waits this long to be sealed into an event, so that one event carries many calls. */
  flushDelayMs(): number {
    return (Number(this.env.METER_FLUSH_SECONDS) || 60) * 1000;
  }

  /** Events Stripe has not acknowledged yet, and events set aside for good with their tokens. */
  counts(): { pending: number; failed: number; failedTokens: number } {
    const failed = this.sql.first<{ n: number; tokens: number | null }>(
      'SELECT COUNT(*) AS n, SUM(memory_tokens) AS tokens FROM meter_outbox WHERE failed_at IS NOT NULL',
    );
    return {
      pending:
        this.sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM meter_outbox WHERE sent_at IS NULL AND failed_at IS NULL',
        )?.n ?? 0,
      failed: failed?.n ?? 0,
      failedTokens: failed?.tokens ?? 0,
    };
  }

  /** The newest events set aside, for the operator to look up in Stripe and bill by hand. */
  failedEvents(): FailedMeterEvent[] {
    return this.sql
      .all<{
        identifier: string;
        memory_tokens: number;
        timestamp: number;
        failed_at: number;
        attempts: number;
        last_error: string | null;
      }>(
        `SELECT identifier, memory_tokens, timestamp, failed_at, attempts, last_error
         FROM meter_outbox WHERE failed_at IS NOT NULL
         ORDER BY failed_at DESC, identifier LIMIT ?`,
        FAILED_EVENTS_SHOWN,
      )
      .map((row) => ({
        identifier: row.identifier,
        memoryTokens: row.memory_tokens,
        usageAt: row.timestamp,
        failedAt: row.failed_at,
        attempts: row.attempts,
        reason: row.last_error ?? 'unknown',
      }));
  }
}
