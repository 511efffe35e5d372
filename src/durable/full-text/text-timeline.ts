import { CHUNK_WORDS, chunkWordRanges } from '../../text/chunks';
import type { Sql, SqlValue } from '../sqlite/sql';
import { speakerInMetadataSql } from './speaker-names';
import {
  asksVoice,
  CLOSING_READ,
  isSmallTalkVoice,
  namesSpeakerVoice,
  LABEL_READ,
  labelWordsOf,
  sameConversation,
  voiceOf,
} from './turn-voices';

/**
 * The order of a vault's text, for contextual ranking: every passage (a whole
 * memory, or one chunk of a long one) in (createdAt, seq, chunk) order, with
 * its length in index words. `seq` is the insertion sequence, so turns stored
 * together with one timestamp keep the order the client stored them in, and a
 * memory's neighbours are the memories said just before and after it. Each
 * memory's voice (turn-voices.ts) says whether it and its neighbour are turns
 * of one conversation, which lend each other context, or notes, which do not.
 *
 * Built on a vault's first text search after wake-up from SQLite (memories and
 * FTS5's own per-row word counts), then kept in step with writes and deletes.
 * About 20 bytes a passage, so 250,000 memories fit in ~5 MB.
 *
 * Why one file of this length: the six parallel typed arrays and the
 * insertions and removals that keep them in order are one data structure;
 * split, each half would have to know the other's layout.
 */
export interface TimelineEntry {
  seq: number;
  createdAt: number;
  /** Words of the memory as the FTS5 index counted them. */
  words: number;
  /** Its role and whether it names its speaker (turn-voices.ts). */
  voice: number;
}

const MIN_CAPACITY = 256;

export class TextTimeline {
  private seqs = new Int32Array(0);
  private times = new Float64Array(0);
  private firstWords = new Int32Array(0);
  private lengths = new Int32Array(0);
  /** Passage index of each seq's first passage, or -1. */
  private firstPassage = new Int32Array(0);
  /** Words of each seq's memory, to find the chunk holding an offset. */
  private memoryWords = new Int32Array(0);
  /** Voice of each seq's memory (turn-voices.ts). */
  private memoryVoices = new Uint8Array(0);
  private count = 0;
  private totalWords = 0;
  private memories = 0;
  /**
   * Bumped by every change, so what is derived from the passages' order and
   * lengths (the ranker's neighbourhoods) knows when to be derived again.
   */
  private changes = 0;

  /** Reads every memory's time and word count from SQLite. */
  static load(sql: Sql): TextTimeline {
    const timeline = new TextTimeline();
    const rows = [...sql.cursor<EntryRow>(`${SELECT_ENTRIES} ORDER BY m.seq`).raw()] as [
      number,
      number,
      ArrayBuffer | null,
      string,
      number,
      string,
      string,
    ][];
    // In seq order (the table's own order, no sort), which is also time order
    // unless history was backfilled.
    const inOrder = rows.every((row, i) => i === 0 || row[1] >= rows[i - 1]![1]);
    if (!inOrder) rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    timeline.ensureCapacity(rows.length);
    for (const [seq, created_at, sz, role, speaker, opening, closing] of rows) {
      timeline.append(entryOf({ seq, created_at, sz, role, speaker, opening, closing }));
    }
    return timeline;
  }

  /** The entries of memories written after `seq`. */
  static since(sql: Sql, seq: number): TimelineEntry[] {
    return readEntries(sql, 'WHERE m.seq > ?', seq);
  }

  /** The entries of memories `seqs`, as just written. */
  static entries(sql: Sql, seqs: readonly number[]): TimelineEntry[] {
    if (seqs.length === 0) return [];
    return readEntries(
      sql,
      'WHERE m.seq IN (SELECT value FROM json_each(?))',
      JSON.stringify(seqs),
    );
  }

  /** Memories in order, `perPage` at a time: seq, time, word count and voice (for checkpoints). */
  *pages(perPage: number): Generator<TimelinePage> {
    const firsts: number[] = [];
    for (let passage = 0; passage < this.count; passage++) {
      if (passage === 0 || this.seqs[passage - 1] !== this.seqs[passage]) firsts.push(passage);
    }
    for (let start = 0; start < firsts.length; start += perPage) {
      const page = firsts.slice(start, start + perPage);
      yield {
        seqs: Int32Array.from(page, (passage) => this.seqs[passage]!),
        times: Float64Array.from(page, (passage) => this.times[passage]!),
        words: Int32Array.from(page, (passage) => this.memoryWords[this.seqs[passage]!]!),
        voices: Uint8Array.from(page, (passage) => this.memoryVoices[this.seqs[passage]!]!),
      };
    }
  }

  /** Appends memories that sort after every one held (checkpoint pages, in order). */
  appendSorted(page: TimelinePage): void {
    this.ensureCapacity(this.count + page.seqs.length);
    for (let i = 0; i < page.seqs.length; i++) {
      this.append({
        seq: page.seqs[i]!,
        createdAt: page.times[i]!,
        words: page.words[i]!,
        voice: page.voices[i]!,
      });
    }
  }

  /** Changes since the timeline was made: equal versions hold the same passages. */
  get version(): number {
    return this.changes;
  }

  /** Passages held. */
  get size(): number {
    return this.count;
  }

  get memoryCount(): number {
    return this.memories;
  }

  /** Mean words per passage (BM25's average document length). */
  get averageWords(): number {
    return this.count === 0 ? 0 : this.totalWords / this.count;
  }

  seqAt(passage: number): number {
    return this.seqs[passage]!;
  }

  timeAt(passage: number): number {
    return this.times[passage]!;
  }

  wordsAt(passage: number): number {
    return this.lengths[passage]!;
  }

  /**
   * Whether `passage` and the one before it are one stretch of text for
   * context: chunks of one memory, or turns of one conversation
   * (turn-voices.ts). The pause between them is the caller's to weigh.
   */
  continuesPrevious(passage: number): boolean {
    const seq = this.seqs[passage]!;
    const before = this.seqs[passage - 1]!;
    return seq === before || sameConversation(this.memoryVoices[before]!, this.memoryVoices[seq]!);
  }

  /**
   * Whether the passage is a memory of small talk alone ("Maya: ok",
   * turn-voices.ts): it neither borrows nor lends context.
   */
  smallTalkAt(passage: number): boolean {
    return isSmallTalkVoice(this.memoryVoices[this.seqs[passage]!]!);
  }

  /**
   * Whether `passage` ends a memory that ends in a question (turn-voices.ts):
   * the passage after it is likely its answer.
   */
  asksAt(passage: number): boolean {
    const seq = this.seqs[passage]!;
    return (
      asksVoice(this.memoryVoices[seq]!) &&
      (passage + 1 >= this.count || this.seqs[passage + 1] !== seq)
    );
  }

  /** Whether memory `seq` names its speaker, so that a name opening it is its label (turn-voices.ts). */
  namesSpeaker(seq: number): boolean {
    return namesSpeakerVoice(this.memoryVoices[seq] ?? 0);
  }

  /** The memories of the passages within `distance` of `passage`, its own memory left out. */
  memoriesAround(passage: number, distance: number): number[] {
    const own = this.seqs[passage]!;
    const around: number[] = [];
    const from = Math.max(0, passage - distance);
    const to = Math.min(this.size - 1, passage + distance);
    for (let near = from; near <= to; near++)
      if (this.seqs[near]! !== own) around.push(this.seqs[near]!);
    return around;
  }

  /** Whether memory `seq` is small talk alone (as `smallTalkAt`). */
  smallTalkOf(seq: number): boolean {
    return isSmallTalkVoice(this.memoryVoices[seq] ?? 0);
  }

  /**
   * Whether word `offset` of memory `seq` counts as a match: not when it is
   * the speaker label of a memory of small talk alone, so "Maya: ok" is not
   * found by "maya" (it is by "ok").
   */
  counts(seq: number, offset: number): boolean {
    return offset >= labelWordsOf(this.memoryVoices[seq]!);
  }

  /**
   * A memory's voice changed (its role or metadata was edited in place);
   * returns whether it did, so that what was derived from it is derived again.
   */
  revoice(seq: number, voice: number): boolean {
    if (this.firstPassageOf(seq) < 0 || this.memoryVoices[seq] === voice) return false;
    this.memoryVoices[seq] = voice;
    this.changes++;
    return true;
  }

  /** The passage's word range within its memory. */
  rangeAt(passage: number): { first: number; count: number } {
    return { first: this.firstWords[passage]!, count: this.lengths[passage]! };
  }

  /** The first passage of memory `seq`, or -1 when it is not held. */
  firstPassageOf(seq: number): number {
    return seq < this.firstPassage.length ? this.firstPassage[seq]! : -1;
  }

  /** Whether the passage is one of several chunks of its memory. */
  chunked(passage: number): boolean {
    const seq = this.seqs[passage];
    return (
      (passage > 0 && this.seqs[passage - 1] === seq) ||
      (passage + 1 < this.count && this.seqs[passage + 1] === seq)
    );
  }

  /** The passages of memory `seq` holding word `offset` (two where chunks overlap). */
  passagesHolding(seq: number, offset: number, out: number[]): void {
    const first = seq < this.firstPassage.length ? this.firstPassage[seq]! : -1;
    if (first < 0) return;
    for (let passage = first; passage < this.count && this.seqs[passage] === seq; passage++) {
      const start = this.firstWords[passage]!;
      if (offset >= start && offset < start + this.lengths[passage]!) out.push(passage);
      else if (offset < start) return;
    }
  }

  /** Passages of memories whose createdAt is in (after, until]: [start, end). */
  range(after: number | null, until: number): { start: number; end: number } {
    const start = after === null ? 0 : this.upperBoundTime(after);
    return { start, end: Math.max(start, this.upperBoundTime(until)) };
  }

  /** Adds memories (any order; usually appended after the newest). */
  insert(entries: readonly TimelineEntry[]): void {
    if (entries.length === 0) return;
    const sorted = [...entries].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    const appending =
      this.count === 0 ||
      compare(sorted[0]!, this.times[this.count - 1]!, this.seqs[this.count - 1]!) > 0;
    const ranges = sorted.map((entry) => chunkWordRanges(entry.words));
    const added = ranges.reduce((sum, passages) => sum + passages.length, 0);
    this.ensureCapacity(this.count + added);
    if (appending) {
      for (const entry of sorted) this.append(entry);
      return;
    }
    this.mergeBackfill(sorted, ranges, added);
  }

  /**
   * A backfill into the middle, merged in place from the end: each new
   * memory moves the run of passages that sort after it up by the passages
   * still to place, once (a batch spread over many days moves most of the
   * timeline once, not passage by passage), and only the moved memories'
   * first-passage entries are rewritten.
   */
  private mergeBackfill(
    sorted: readonly TimelineEntry[],
    ranges: readonly { first: number; count: number }[][],
    added: number,
  ): void {
    this.changes++;
    const largestSeq = sorted.reduce((most, entry) => Math.max(most, entry.seq), 0);
    if (largestSeq >= this.firstPassage.length) this.growSeqs(largestSeq + 1);
    let unplaced = this.count;
    let shift = added;
    for (let j = sorted.length - 1; j >= 0; j--) {
      const entry = sorted[j]!;
      const passages = ranges[j]!;
      const insertAt = this.upperBound(entry, unplaced);
      if (insertAt < unplaced) {
        this.seqs.copyWithin(insertAt + shift, insertAt, unplaced);
        this.times.copyWithin(insertAt + shift, insertAt, unplaced);
        this.firstWords.copyWithin(insertAt + shift, insertAt, unplaced);
        this.lengths.copyWithin(insertAt + shift, insertAt, unplaced);
        // The run starts at a memory's first passage (passages of one memory
        // share their key); what lies below it is not placed yet.
        const runStart = insertAt + shift;
        for (let passage = runStart; passage < unplaced + shift; passage++) {
          const seq = this.seqs[passage]!;
          if (passage === runStart || this.seqs[passage - 1] !== seq)
            this.firstPassage[seq] = passage;
        }
      }
      shift -= passages.length;
      let at = insertAt + shift;
      this.firstPassage[entry.seq] = at;
      this.memoryWords[entry.seq] = entry.words;
      this.memoryVoices[entry.seq] = entry.voice;
      for (const { first, count } of passages) {
        this.seqs[at] = entry.seq;
        this.times[at] = entry.createdAt;
        this.firstWords[at] = first;
        this.lengths[at] = count;
        this.totalWords += count;
        at++;
      }
      unplaced = insertAt;
    }
    this.count += added;
    this.memories += sorted.length;
  }

  /** First passage in [0, limit) whose (createdAt, seq) sorts after the entry's. */
  private upperBound(entry: TimelineEntry, limit: number): number {
    let lo = 0;
    let hi = limit;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(entry, this.times[mid]!, this.seqs[mid]!) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes memory `seq`; returns whether it was held. */
  remove(seq: number): boolean {
    const first = seq < this.firstPassage.length ? this.firstPassage[seq]! : -1;
    if (first < 0) return false;
    let end = first;
    while (end < this.count && this.seqs[end] === seq) {
      this.totalWords -= this.lengths[end]!;
      end++;
    }
    const removed = end - first;
    this.changes++;
    for (const array of [this.seqs, this.firstWords, this.lengths])
      array.copyWithin(first, end, this.count);
    this.times.copyWithin(first, end, this.count);
    this.count -= removed;
    this.memories -= 1;
    this.firstPassage[seq] = -1;
    for (let passage = first; passage < this.count; passage++) {
      const at = this.seqs[passage]!;
      if (passage === 0 || this.seqs[passage - 1] !== at) this.firstPassage[at] = passage;
    }
    return true;
  }

  private append(entry: TimelineEntry): void {
    this.changes++;
    if (entry.seq >= this.firstPassage.length) this.growSeqs(entry.seq + 1);
    this.firstPassage[entry.seq] = this.count;
    this.memoryWords[entry.seq] = entry.words;
    this.memoryVoices[entry.seq] = entry.voice;
    this.memories += 1;
    if (entry.words <= CHUNK_WORDS) {
      // The common case: a memory indexed whole, one passage.
      if (this.count >= this.seqs.length) this.ensureCapacity(this.count + 1);
      const at = this.count++;
      this.seqs[at] = entry.seq;
      this.times[at] = entry.createdAt;
      this.firstWords[at] = 0;
      this.lengths[at] = entry.words;
      this.totalWords += entry.words;
      return;
    }
    const ranges = chunkWordRanges(entry.words);
    if (this.count + ranges.length > this.seqs.length)
      this.ensureCapacity(this.count + ranges.length);
    for (const { first, count } of ranges) {
      const at = this.count++;
      this.seqs[at] = entry.seq;
      this.times[at] = entry.createdAt;
      this.firstWords[at] = first;
      this.lengths[at] = count;
      this.totalWords += count;
    }
  }

  private ensureCapacity(passages: number): void {
    if (passages <= this.seqs.length) return;
    const capacity = Math.max(passages, Math.ceil(this.seqs.length * 1.5), MIN_CAPACITY);
    const grow = <T extends Int32Array | Float64Array>(array: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(array.subarray(0, this.count) as never);
      return next;
    };
    this.seqs = grow(this.seqs, (n) => new Int32Array(n));
    this.times = grow(this.times, (n) => new Float64Array(n));
    this.firstWords = grow(this.firstWords, (n) => new Int32Array(n));
    this.lengths = grow(this.lengths, (n) => new Int32Array(n));
  }

  private growSeqs(needed: number): void {
    const size = Math.max(needed, Math.ceil(this.firstPassage.length * 1.5), MIN_CAPACITY);
    const first = new Int32Array(size).fill(-1);
    first.set(this.firstPassage);
    this.firstPassage = first;
    const words = new Int32Array(size);
    words.set(this.memoryWords);
    this.memoryWords = words;
    const voices = new Uint8Array(size);
    voices.set(this.memoryVoices);
    this.memoryVoices = voices;
  }

  /** First passage whose createdAt > time. */
  private upperBoundTime(time: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A checkpoint page of the timeline: memories in order, in parallel arrays. */
export interface TimelinePage {
  seqs: Int32Array;
  times: Float64Array;
  words: Int32Array;
  voices: Uint8Array;
}

/**
 * What a timeline entry is read from: the row's time, FTS5's word count, and
 * for its voice the role, whether metadata names a speaker and the content's
 * first and last characters (all a speaker label and a closing question mark
 * need, so long memories are not read).
 */
interface EntryRow extends Record<string, SqlStorageValue> {
  seq: number;
  created_at: number;
  sz: ArrayBuffer | null;
  role: string;
  speaker: number;
  opening: string;
  closing: string;
}

const SELECT_ENTRIES = `SELECT m.seq AS seq, m.created_at AS created_at, d.sz AS sz, m.role AS role,
    ${speakerInMetadataSql('m.metadata')} AS speaker, substr(m.content, 1, ${LABEL_READ + 1}) AS opening,
    substr(m.content, -${CLOSING_READ}) AS closing
  FROM memories m LEFT JOIN memories_fts_docsize d ON d.id = m.seq`;

function entryOf(row: EntryRow): TimelineEntry {
  return {
    seq: row.seq,
    createdAt: row.created_at,
    words: columnWords(row.sz),
    voice: voiceOf(row.role, row.opening, row.speaker === 1, row.closing),
  };
}

function readEntries(sql: Sql, where: string, ...params: SqlValue[]): TimelineEntry[] {
  return sql
    .cursor<EntryRow>(`${SELECT_ENTRIES} ${where}`, ...params)
    .toArray()
    .map(entryOf);
}

function compare(entry: TimelineEntry, time: number, seq: number): number {
  return entry.createdAt - time || entry.seq - seq;
}

/**
 * FTS5 keeps each row's word count per column in `memories_fts_docsize.sz`
 * as SQLite varints; the index has one column, so one varint.
 */
function columnWords(sz: ArrayBuffer | null): number {
  if (sz === null) return 0;
  const bytes = new Uint8Array(sz);
  let value = 0;
  for (let i = 0; i < bytes.length && i < 9; i++) {
    const byte = bytes[i]!;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) break;
  }
  return value;
}
