import type { Sql } from '../sqlite/sql';
import { insertRows } from '../sqlite/sql-batch';

/** What happened to a memory, or to the whole vault. */
export const MEMORY_EVENT_TYPES = [
  'ADDED',
  'EDITED',
  'UPDATED',
  'DELETED',
  'REOPENED',
  'CLEARED',
  'EXPIRED',
  'RESYNC',
] as const;
export type MemoryEventType = (typeof MEMORY_EVENT_TYPES)[number];

/** One entry of a vault's change log, as it crosses to the Worker. */
export interface MemoryEventRecord {
  /** The log's sequence number: what a reconnecting subscriber names as its last event. */
  seq: number;
  type: MemoryEventType;
  /** The memory's local id; null for vault-wide events (CLEARED, EXPIRED, RESYNC). */
  memoryId: string | null;
  /** The text added (ADDED) or the new text (EDITED); null for other events. */
  content: string | null;
  /** UPDATED: the local id of the memory that replaced this one. */
  supersededBy: string | null;
  at: number;
}

export type NewMemoryEvent = Omit<MemoryEventRecord, 'seq'>;

/** The replay window: the last this many events, and none older than `REPLAY_MAX_AGE_MS`. */
/**
 * Whether a text is a MemoryEvent's id as clients send it back (lastEventId,
 * Last-Event-ID): a sequence number of at most 15 digits, safe as a number.
 */
export function isMemoryEventId(text: string): boolean {
  return /^\d{1,15}$/.test(text);
}

export const REPLAY_MAX_EVENTS = 1_000;
export const REPLAY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  type: string;
  memory_id: string | null;
  content: string | null;
  superseded_by: string | null;
  at: number;
}

/**
 * The vault's change log in its own SQLite, so a subscriber that reconnects
 * after the object was evicted still gets what it missed, within the replay
 * window. Writers append inside the transaction of the change itself: an
 * event exists exactly when its change committed. Contents are not copied
 * into the log (1,000 events of 32 KiB memories would double a vault's
 * size): a replayed ADDED or EDITED event reads its memory's content as it
 * is now, null once the memory is gone.
 */
export class MemoryEventLog {
  /**
   * No event in the log is older than this (null: not known since the object
   * woke). Trimming by age needs a scan of the log (`at` has no index), so it
   * runs only when this says an event may be too old, not on every append.
   * It is only ever lowered, forgotten, or looked up before `append` deletes
   * anything: the caller's transaction may still roll back after `append`,
   * restoring rows, and a bound too low costs at most a scan where one too
   * high would keep events past the replay window.
   */
  private oldestAt: number | null = null;

  constructor(private readonly sql: Sql) {}

  /** Appends events (call inside the change's transaction) and trims the window. */
  append(events: readonly NewMemoryEvent[]): MemoryEventRecord[] {
    const seqs = insertRows(
      this.sql,
      'memory_events',
      ['type', 'memory_id', 'superseded_by', 'at'],
      events.map((event) => [event.type, event.memoryId, event.supersededBy, event.at]),
    );
    return this.appended(events.map((event, position) => ({ ...event, seq: seqs[position]! })));
  }

  /**
   * The ADDED events of memories just written in this transaction, in the
   * order of `seqs` (their rows' seqs, rising). When the seqs are one run, as
   * a store batch's are, one statement copies the ids from those rows: a
   * batch of 100 otherwise binds 400 values in four statements. Otherwise,
   * and for the same log, as `append`.
   */
  appendAdded(
    memories: readonly { id: string; content: string }[],
    seqs: readonly number[],
    at: number,
  ): MemoryEventRecord[] {
    const added = memories.map(({ id, content }): NewMemoryEvent => ({
      type: 'ADDED',
      memoryId: id,
      content,
      supersededBy: null,
      at,
    }));
    const first = seqs[0];
    const oneRun =
      first !== undefined &&
      seqs.length === memories.length &&
      seqs[seqs.length - 1] === first + seqs.length - 1;
    if (!oneRun || memories.length < 2) return this.append(added);
    const eventSeqs = this.sql
      .all<{ seq: number }>(
        `INSERT INTO memory_events (type, memory_id, superseded_by, at)
         SELECT 'ADDED', id, NULL, ?1 FROM memories WHERE seq BETWEEN ?2 AND ?3 ORDER BY seq
         RETURNING seq`,
        at,
        first,
        first + seqs.length - 1,
      )
      .map((row) => row.seq)
      .sort((a, b) => a - b);
    // Rows of this transaction: anything else is a bug, and throwing rolls it back.
    if (eventSeqs.length !== added.length) throw new Error('memory rows missing for their events');
    return this.appended(added.map((event, position) => ({ ...event, seq: eventSeqs[position]! })));
  }

  /** Keeps the window after events were inserted; answers them. */
  private appended(stored: MemoryEventRecord[]): MemoryEventRecord[] {
    for (const { at } of stored)
      if (this.oldestAt !== null && at < this.oldestAt) this.oldestAt = at;
    const last = stored.at(-1);
    if (last !== undefined) {
      // Looked up before anything is deleted, so that it stays a lower bound
      // should the caller's transaction roll back.
      this.oldestAt ??= this.earliestAt();
      // By seq: a range of the primary key, cheap on every append.
      this.sql.run('DELETE FROM memory_events WHERE seq <= ?', last.seq - REPLAY_MAX_EVENTS);
      this.trimByAge(last.at - REPLAY_MAX_AGE_MS);
    }
    return stored;
  }

  /** Drops events older than `cutoff`, scanning only when one may be there. */
  private trimByAge(cutoff: number): void {
    if (this.oldestAt !== null && this.oldestAt >= cutoff) return;
    this.sql.run('DELETE FROM memory_events WHERE at < ?', cutoff);
    // Found again on the next append: this transaction may yet roll back.
    this.oldestAt = null;
  }

  /** The earliest time in the log (a scan; Infinity when the log is empty). */
  private earliestAt(): number {
    return (
      this.sql.first<{ at: number | null }>('SELECT MIN(at) AS at FROM memory_events')?.at ??
      Number.POSITIVE_INFINITY
    );
  }

  /** The newest sequence number handed out (0 before any event). */
  lastSeq(): number {
    return (
      this.sql.first<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM memory_events')?.seq ?? 0
    );
  }

  /**
   * After the vault's storage was wiped (clear, expiry), the first event
   * continues the numbering of the log that was lost, so subscribers' last
   * event ids stay comparable.
   */
  appendAfterWipe(previousSeq: number, event: NewMemoryEvent): MemoryEventRecord {
    const seq = previousSeq + 1;
    this.oldestAt = null; // the log was wiped: found again on the next append
    this.sql.run(
      `INSERT INTO memory_events (seq, type, memory_id, superseded_by, at)
       VALUES (?, ?, ?, ?, ?)`,
      seq,
      event.type,
      event.memoryId,
      event.supersededBy,
      event.at,
    );
    return { ...event, seq };
  }

  /**
   * What a subscriber that last saw `afterSeq` missed: the events after it,
   * or `null` when some of them have left the window (it must resync).
   */
  since(afterSeq: number): MemoryEventRecord[] | null {
    const last = this.lastSeq();
    if (afterSeq === last) return [];
    if (afterSeq > last) return null;
    const oldest =
      this.sql.first<{ seq: number | null }>('SELECT MIN(seq) AS seq FROM memory_events')?.seq ??
      last + 1;
    if (afterSeq < oldest - 1) return null;
    return this.sql
      .all<EventRow>(
        `SELECT e.seq, e.type, e.memory_id, m.content, e.superseded_by, e.at
         FROM memory_events e LEFT JOIN memories m ON e.type IN ('ADDED', 'EDITED') AND m.id = e.memory_id
         WHERE e.seq > ? ORDER BY e.seq`,
        afterSeq,
      )
      .map(toEvent);
  }
}

function toEvent(row: EventRow): MemoryEventRecord {
  return {
    seq: row.seq,
    type: row.type as MemoryEventType,
    memoryId: row.memory_id,
    content: row.content,
    supersededBy: row.superseded_by,
    at: row.at,
  };
}
