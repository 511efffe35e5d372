import { REPEATED_TURN_WINDOW_MS } from '../../core/limits';
import { isTurnMetadata, normalisedText, textKey } from '../../text/turn-text';
import type { Sql } from '../sqlite/sql';

/**
 * Whether a vault already holds a text: a chat turn that repeats one the
 * vault stored within the last day (a client's retry, an app that resends)
 * is not stored or billed again. `memories.content_key` is a digest of each
 * row's whitespace-normalised text (text/turn-text.ts), indexed with the
 * time, so the check reads only rows with the same digest, and compares
 * their texts, never trusting the digest alone.
 */
export function heldRecently(
  sql: Sql,
  content: string,
  now: number,
  counts: RepeatRule = ANY_MEMORY,
): boolean {
  const wanted = normalisedText(content);
  const rows = sql.all<{ seq: number; content: string; metadata: string | null }>(
    `SELECT seq, content, metadata FROM memories
     WHERE content_key = ? AND created_at >= ? AND valid_until IS NULL`,
    textKey(content),
    now - REPEATED_TURN_WINDOW_MS,
  );
  return rows.some((row) => normalisedText(row.content) === wanted && counts(row));
}

/** A live memory of the same text, as a repeat rule sees it. */
export interface HeldText {
  seq: number;
  metadata: string | null;
}

/** Which held memories make a text a repeat. */
export type RepeatRule = (held: HeldText) => boolean;

/** Without extraction: any live memory of the same text. */
export const ANY_MEMORY: RepeatRule = () => true;

/**
 * With extraction: only a turn stored with extraction (metadata kind
 * "turn") whose facts still stand. A plain note of the same text was never
 * extracted, and a demoted turn (one of its facts superseded or deleted:
 * `stale`) said something that stopped being true, so saying it again is
 * news: both are stored and extracted.
 */
export function extractedTurnHeld(stale: ReadonlySet<number> | null): RepeatRule {
  return ({ seq, metadata }) => isTurnMetadata(metadata) && !(stale?.has(seq) ?? false);
}

/**
 * The digest a row is written with: only a row the check can still reach,
 * one created within the window before `now` (or after it). The check reads
 * rows created within the window before its own, later, now, so a row older
 * than that at its store is never compared: a backfilled import of earlier
 * conversations or notes (most of a bulk load) pays for no digest and no
 * entry in the digest's index.
 */
export function contentKeyOf(content: string, createdAt: number, now: number): number | null {
  return createdAt >= now - REPEATED_TURN_WINDOW_MS ? textKey(content) : null;
}

/**
 * Gives rows of the last day without a digest theirs: after the migration
 * that added the column, and after a restore (snapshots carry no digests).
 * Older rows are never compared, so they are left without one.
 */
export function keyRecentRows(sql: Sql, now: number): void {
  const rows = sql.all<{ seq: number; content: string }>(
    'SELECT seq, content FROM memories WHERE content_key IS NULL AND created_at >= ?',
    now - REPEATED_TURN_WINDOW_MS,
  );
  for (const { seq, content } of rows)
    sql.run('UPDATE memories SET content_key = ? WHERE seq = ?', textKey(content), seq);
}
