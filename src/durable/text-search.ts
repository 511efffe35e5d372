import type { WordRange } from '../text/chunks';
import { queryDates } from '../text/query-dates';
import { queryNames, queryTerms, tokenize } from '../text/tokens';
import { PostingsCache } from './postings-cache';
import type { Sql } from './sql';
import { rankPassages, type TermPostings, type TextRanking } from './text-ranker';
import type { TextTimeline } from './text-timeline';

/** A memory found by text: its relative score and the passage that scored. */
export interface TextHit {
  seq: number;
  /**
   * Contextual BM25, plus, for a memory said by a person the query names, the
   * name boost times the window's best BM25, and for one stored on a day or in
   * a month the query names, the day or month boost times the same.
   */
  score: number;
  /** Words of the best passage, when the memory is indexed in chunks. */
  words?: WordRange;
}

/** Metadata keys naming who said a memory, for the name boost. */
export const SPEAKER_KEYS = ['speaker', 'name', 'author'] as const;
/** Whether metadata (a JSON object as text) names who said the memory. */
export function namesSpeaker(metadataJson: string | null): boolean {
  if (metadataJson === null) return false;
  const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
  return SPEAKER_KEYS.some((key) => typeof metadata[key] === 'string');
}

/** SQL: whether any memory's metadata names a speaker (for vaults written before the flag). */
export const ANY_SPEAKER_METADATA = `EXISTS (SELECT 1 FROM memories WHERE metadata IS NOT NULL AND (${SPEAKER_KEYS.map(
  (key) => `json_type(metadata, '$.${key}') = 'text'`,
).join(' OR ')}))`;

/**
 * A capitalised word opening a sentence ("When…", "Caroline…") counts as a
 * name only when most memories holding it begin with it, as a speaker label
 * ("Caroline: …") does.
 */
const SPEAKER_SHARE = 0.5;

/**
 * Text search of one window: the query's terms are looked up in the FTS5
 * index's own postings (through an `fts5vocab` table), ranked by contextual
 * BM25 (text-ranker.ts), reduced to the best passage per memory, and raised
 * for memories said by a person the query names.
 */
export class TextSearch {
  private readonly cache = new PostingsCache();

  constructor(private readonly sql: Sql) {}

  /**
   * Keeps cached postings true to the index after memories were written or
   * deleted: their terms are forgotten. `words` is the index's own word count
   * of each; should this tokenizer disagree with it, everything is forgotten.
   */
  changed(memories: readonly { content: string; words: number }[]): void {
    if (this.cache.size === 0) return;
    for (const { content, words } of memories) {
      const tokens = tokenize(content);
      if (tokens.length !== words) {
        this.cache.clear();
        return;
      }
      this.cache.forget(new Set(tokens.map((token) => token.term)));
    }
  }

  /** Forgets everything (the vault was cleared or restored). */
  reset(): void {
    this.cache.clear();
    this.lastRanking = null;
  }

  /**
   * The last query's passage scores, for the other windows of the same
   * search: ranking scores every passage of the vault and each window only
   * filters them, so a search over several windows ranks once. Forgotten at
   * the start of every read (`forgetRanking`), so a write in between never
   * leaves a stale score.
   */
  private lastRanking: {
    timeline: TextTimeline;
    text: string;
    ranking: TextRanking;
    terms: TermPostings[];
    scored: ReturnType<typeof rankPassages>;
  } | null = null;

  forgetRanking(): void {
    this.lastRanking = null;
  }

  private ranked(
    timeline: TextTimeline,
    text: string,
    ranking: TextRanking,
    terms: TermPostings[],
  ): ReturnType<typeof rankPassages> {
    const last = this.lastRanking;
    if (
      last !== null &&
      last.timeline === timeline &&
      last.text === text &&
      last.ranking === ranking &&
      last.terms.length === terms.length &&
      last.terms.every((term, at) => term === terms[at])
    ) {
      return last.scored;
    }
    const scored = rankPassages(timeline, terms, ranking);
    this.lastRanking = { timeline, text, ranking, terms, scored };
    return scored;
  }

  search(
    timeline: TextTimeline,
    text: string,
    window: { after: number | null; until: number },
    limit: number,
    ranking: TextRanking,
    allowed?: { has(seq: number): boolean },
  ): TextHit[] {
    const terms = queryTerms(text, ranking.stopwords);
    if (terms.length === 0 || limit <= 0 || timeline.size === 0) return [];
    const postings = new Map(
      terms.map((term) => [term, this.cache.get(term, (missing) => this.postings(missing))]),
    );
    const scored = this.ranked(timeline, text, ranking, [...postings.values()]);

    const { start, end } = timeline.range(window.after, window.until);
    const best = new Map<number, { score: number; passage: number }>();
    let top = 0;
    for (const { passage, score } of scored) {
      if (passage < start || passage >= end || score <= 0) continue;
      const seq = timeline.seqAt(passage);
      if (allowed !== undefined && !allowed.has(seq)) continue;
      const current = best.get(seq);
      if (current === undefined || score > current.score) best.set(seq, { score, passage });
      if (score > top) top = score;
    }
    if (best.size === 0) return [];

    const hits = [...best].map(([seq, { score, passage }]) => ({
      seq,
      score: score / top,
      passage,
    }));
    const spoken = this.spokenByNamed(text, postings, hits, limit, ranking.nameBoost);
    for (const hit of hits) if (spoken.has(hit.seq)) hit.score += ranking.nameBoost;
    this.raiseNamedDates(timeline, text, hits, ranking);
    // Ties: the later memory first (time, then insertion order). Scores go
    // back to BM25's units, so a vault with only weak matches scores low when
    // hits of several vaults are merged.
    return topK(hits, limit, (a, b) => b.score - a.score || b.passage - a.passage).map(
      ({ seq, score, passage }) => ({
        seq,
        score: score * top,
        words: timeline.chunked(passage) ? timeline.rangeAt(passage) : undefined,
      }),
    );
  }

  /**
   * Memories stored on a day (or in a month) the query names are raised, as
   * a boost and not a filter: the memory must match the words too, and what
   * was said on other days still competes.
   */
  private raiseNamedDates(
    timeline: TextTimeline,
    text: string,
    hits: { passage: number; score: number }[],
    ranking: TextRanking,
  ): void {
    const dates = queryDates(text);
    if (dates.length === 0) return;
    for (const hit of hits) {
      const time = timeline.timeAt(hit.passage);
      let boost = 0;
      for (const date of dates) {
        if (time >= date.from && time < date.until)
          boost = Math.max(boost, date.kind === 'day' ? ranking.dayBoost : ranking.monthBoost);
      }
      hit.score += boost;
    }
  }

  /** Whether any memory names its speaker in metadata (set on write, see vault-object.ts). */
  private hasSpeakerMetadata(): boolean {
    return (
      this.sql.first<{ value: string }>(`SELECT value FROM meta WHERE key = 'speaker_metadata'`) !==
      null
    );
  }

  /** Every occurrence of one index term: the memory (seq) and word offset. */
  private postings(term: string): TermPostings {
    const rows = [
      ...this.sql
        .cursor<{ doc: number; offset: number }>(
          'SELECT doc, offset FROM memories_vocab WHERE term = ?',
          term,
        )
        .raw(),
    ] as [number, number][];
    return { seqs: rows.map((row) => row[0]), offsets: rows.map((row) => row[1]) };
  }

  /**
   * Memories said by someone the query names: they begin with the name (a
   * speaker label such as "Caroline: …"), or their metadata says so. Only
   * candidates that a boost could lift into the top `limit` are checked
   * against metadata.
   */
  private spokenByNamed(
    text: string,
    postings: Map<string, TermPostings>,
    hits: { seq: number; score: number }[],
    limit: number,
    boost: number,
  ): Set<number> {
    const spoken = new Set<number>();
    const names = queryNames(text).filter((name) => postings.has(name.term));
    if (names.length === 0 || boost <= 0) return spoken;
    for (const name of names) {
      const term = postings.get(name.term)!;
      const opening = new Set<number>();
      const holding = new Set<number>();
      for (let i = 0; i < term.seqs.length; i++) {
        holding.add(term.seqs[i]!);
        if (term.offsets[i] === 0) opening.add(term.seqs[i]!);
      }
      if (name.sentenceStart && opening.size < SPEAKER_SHARE * holding.size) continue;
      for (const seq of opening) spoken.add(seq);
    }

    if (!this.hasSpeakerMetadata()) return spoken;
    const kth = topK(hits, limit, (a, b) => b.score - a.score).at(-1)?.score ?? 0;
    const reachable = hits.filter((hit) => hit.score >= kth - boost && !spoken.has(hit.seq));
    if (reachable.length === 0) return spoken;
    const rows = this.sql.all<Record<string, string | number | null>>(
      `SELECT seq, ${SPEAKER_KEYS.map((key) => `json_extract(metadata, '$.${key}') AS ${key}`).join(', ')}
       FROM memories WHERE seq IN (SELECT value FROM json_each(?)) AND metadata IS NOT NULL`,
      JSON.stringify(reachable.map((hit) => hit.seq)),
    );
    const terms = new Set(names.map((name) => name.term));
    for (const row of rows) {
      const said = SPEAKER_KEYS.some(
        (key) =>
          typeof row[key] === 'string' && tokenize(row[key]).some((token) => terms.has(token.term)),
      );
      if (said) spoken.add(row.seq as number);
    }
    return spoken;
  }
}

/** The best k items by `compare` (which sorts best first), without sorting them all. */
function topK<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (items.length <= k * 4) return [...items].sort(compare).slice(0, k);
  // Keep a sorted buffer of the best k seen; most items fail the first comparison.
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && compare(item, best[at - 1]!) < 0) at--;
    best.splice(at, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}
