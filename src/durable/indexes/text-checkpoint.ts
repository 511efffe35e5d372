import type { Sql } from '../sqlite/sql';
import { TextTimeline } from '../full-text/text-timeline';
import type { VaultMeta } from '../warm-tier/vault-meta';

/**
 * Persistence of the text timeline, beside the hot index's checkpoint and
 * under the same `hot_checkpoint_seq`: building it from SQLite reads every
 * memory's word count from FTS5 (about 2 µs a memory, ~85 ms at 39,000), while
 * pages of (seq, time, words) in order load in a few milliseconds. Memories
 * written after the checkpoint are replayed by seq, and those deleted since
 * from `hot_tombstones`.
 */
const MEMORIES_PER_PAGE = 65_536; // 1 MiB of seqs, times and word counts

/** Replaces the text pages with the timeline as it is now. Call inside a transaction. */
export function writeTextPages(sql: Sql, timeline: TextTimeline): void {
  sql.run('DELETE FROM text_pages');
  let page = 0;
  for (const { seqs, times, words } of timeline.pages(MEMORIES_PER_PAGE)) {
    sql.run(
      'INSERT INTO text_pages (page, seqs, times, words) VALUES (?, ?, ?, ?)',
      page++,
      new Uint8Array(seqs.buffer),
      new Uint8Array(times.buffer),
      new Uint8Array(words.buffer),
    );
  }
}

/** The timeline: from the checkpoint plus what changed since, or from SQLite. */
export function loadTextTimeline(sql: Sql, meta: VaultMeta): TextTimeline {
  const checkpoint = meta.get('checkpoint');
  if (checkpoint === null) return TextTimeline.load(sql);
  const timeline = new TextTimeline();
  for (const page of sql.cursor<{ seqs: ArrayBuffer; times: ArrayBuffer; words: ArrayBuffer }>(
    'SELECT seqs, times, words FROM text_pages ORDER BY page',
  )) {
    timeline.appendSorted({
      seqs: new Int32Array(page.seqs),
      times: new Float64Array(page.times),
      words: new Int32Array(page.words),
    });
  }
  timeline.insert(TextTimeline.since(sql, checkpoint.seq));
  for (const { seq } of sql.all<{ seq: number | null }>('SELECT seq FROM hot_tombstones')) {
    if (seq !== null) timeline.remove(seq);
  }
  return timeline;
}
