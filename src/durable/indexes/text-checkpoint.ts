import type { Sql } from '../sqlite/sql';
import { TextTimeline } from '../full-text/text-timeline';
import { VOICE_RULES } from '../full-text/turn-voices';
import type { VaultMeta } from '../warm-tier/vault-meta';

/**
 * Persistence of the text timeline, beside the hot index's checkpoint and
 * under the same `hot_checkpoint_seq`: building it from SQLite reads every
 * memory's word count from FTS5 (about 2 µs a memory, ~85 ms at 39,000), while
 * pages of (seq, time, words, voice) in order load in a few milliseconds.
 * Memories written after the checkpoint are replayed by seq, and those
 * deleted since from `hot_tombstones`. Without pages (none written yet, or
 * dropped because a voice changed in place) the timeline is read from SQLite,
 * and so it is when the pages' voices were worked out under other rules
 * (`VOICE_RULES`, stamped in the meta beside them): a migration that drops
 * the pages is then not needed each time those rules change.
 */
const MEMORIES_PER_PAGE = 65_536; // 1.1 MiB of seqs, times, word counts and voices

/** Replaces the text pages with the timeline as it is now. Call inside a transaction. */
export function writeTextPages(sql: Sql, meta: VaultMeta, timeline: TextTimeline): void {
  sql.run('DELETE FROM text_pages');
  meta.set('textPagesVoices', VOICE_RULES);
  let page = 0;
  for (const { seqs, times, words, voices } of timeline.pages(MEMORIES_PER_PAGE)) {
    sql.run(
      'INSERT INTO text_pages (page, seqs, times, words, voices) VALUES (?, ?, ?, ?, ?)',
      page++,
      new Uint8Array(seqs.buffer),
      new Uint8Array(times.buffer),
      new Uint8Array(words.buffer),
      voices,
    );
  }
}

/** The timeline: from the checkpoint plus what changed since, or from SQLite. */
export function loadTextTimeline(sql: Sql, meta: VaultMeta): TextTimeline {
  const checkpoint = meta.get('checkpoint');
  const pages = [
    ...sql.cursor<{
      seqs: ArrayBuffer;
      times: ArrayBuffer;
      words: ArrayBuffer;
      voices: ArrayBuffer;
    }>('SELECT seqs, times, words, voices FROM text_pages ORDER BY page'),
  ];
  // No pages (a checkpoint of an empty vault, or pages dropped since), or
  // pages of voices under other rules: SQLite holds it all.
  if (checkpoint === null || pages.length === 0 || meta.get('textPagesVoices') !== VOICE_RULES)
    return TextTimeline.load(sql);
  const timeline = new TextTimeline();
  for (const page of pages) {
    timeline.appendSorted({
      seqs: new Int32Array(page.seqs),
      times: new Float64Array(page.times),
      words: new Int32Array(page.words),
      voices: new Uint8Array(page.voices),
    });
  }
  timeline.insert(TextTimeline.since(sql, checkpoint.seq));
  for (const { seq } of sql.all<{ seq: number | null }>('SELECT seq FROM hot_tombstones')) {
    if (seq !== null) timeline.remove(seq);
  }
  return timeline;
}

/**
 * A memory's voice changed in place (an edit of its role or metadata, which
 * keeps its seq, so no replay would see it): the pages go, and the next
 * wake-up reads the timeline from SQLite until a checkpoint writes them again.
 * Call inside the edit's transaction.
 */
export function dropTextPages(sql: Sql): void {
  sql.run('DELETE FROM text_pages');
}
