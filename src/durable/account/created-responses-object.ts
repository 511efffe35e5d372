import { DurableObject } from 'cloudflare:workers';
import { migrate, Sql, type Migration } from '../sqlite/sql';

/**
 * How long a record lasts: OpenAI keeps a stored response 30 days, so a
 * record outliving it would attribute nothing that still exists.
 */
export const CREATED_RESPONSE_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * The sweep runs at most this often: expired rows are already ignored by
 * every read, so the alarm need not fire for each one as it expires.
 */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    statements: [
      // Response ids only: the object's name says whose they are, and no key is kept.
      'CREATE TABLE created_responses (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)',
      'CREATE INDEX created_responses_expires_at ON created_responses (expires_at)',
    ],
  },
];

/**
 * The OpenAI responses one memory key created through MemoryRouter with the
 * account-wide stored OpenAI key (`responses:{keyId}`), so that this key, and
 * only this key, may reach them again through that shared key
 * (src/resolvers/chat/created-responses.ts). One object per memory key: a
 * key only ever asks its own object, so another key's ids are not even
 * visible to it, and an account's traffic does not queue on one object.
 * Rows last CREATED_RESPONSE_TTL_MS; the alarm deletes the expired ones.
 */
export class CreatedResponsesObject extends DurableObject<Env> {
  private readonly sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, MIGRATIONS));
  }

  /** Records a response this key created, durable when this returns; answers when it expires. */
  async remember(
    id: string,
    expiresAt: number = Date.now() + CREATED_RESPONSE_TTL_MS,
  ): Promise<number> {
    this.sql.run(
      `INSERT INTO created_responses (id, expires_at) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
      id,
      expiresAt,
    );
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(expiresAt + SWEEP_EVERY_MS);
    return expiresAt;
  }

  /** When the record of a response this key created expires; null: no such record, or expired. */
  async expiryOf(id: string, now: number = Date.now()): Promise<number | null> {
    return (
      this.sql.first<{ expires_at: number }>(
        'SELECT expires_at FROM created_responses WHERE id = ? AND expires_at > ?',
        id,
        now,
      )?.expires_at ?? null
    );
  }

  /**
   * Removes the record before the response is deleted upstream, in the same
   * call as the check: its expiry if it was held (to put it back should the
   * delete fail), else null.
   */
  async take(id: string, now: number = Date.now()): Promise<number | null> {
    const row = this.sql.first<{ expires_at: number }>(
      'DELETE FROM created_responses WHERE id = ? RETURNING expires_at',
      id,
    );
    return row !== null && row.expires_at > now ? row.expires_at : null;
  }

  /** How many records are kept, expired or not (for tests and operators). */
  async size(): Promise<number> {
    return this.sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM created_responses')?.n ?? 0;
  }

  /** Deletes the expired records, and re-arms for the next one while any is left. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.run('DELETE FROM created_responses WHERE expires_at <= ?', now);
    const next = this.sql.first<{ at: number | null }>(
      'SELECT MIN(expires_at) AS at FROM created_responses',
    )?.at;
    if (next !== null && next !== undefined)
      await this.ctx.storage.setAlarm(Math.max(next, now + SWEEP_EVERY_MS));
  }
}
