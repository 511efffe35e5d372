import type { WordRange } from '../../text/chunks';
import { writesDay, type NamedDate } from '../../text/query-dates';
import { ANY_WORD } from '../../text/day-spellings';
import { dayOf } from '../../text/calendar-periods';
import { foldedWords } from '../../text/folded-words';
import { tokenize, type QueryName } from '../../text/tokens';
import { isKnownWord } from '../../text/known-words';
import { typoAllowance } from '../../text/edit-distance';
import { sharedIndexTerm, writesTermOf } from '../../text/stem-collisions';
import { analyseQuery, type AnalysedQuery, type WrittenDay } from './query-analysis';
import { dateOnlyFullMatch, fullMatchScore, holdersOf } from './full-match';
import { periodFit } from '../../text/period-fit';
import { topK } from '../hot-tier/selection';
import { bestPositions } from '../hot-tier/candidate-selection';
import {
  hitsDownTo,
  newPass,
  WindowHits,
  WindowPasses,
  type Hits,
  type PassKey,
} from './window-passes';
import { SPEAKER_KEYS } from '../../text/metadata-speaker';
import { nameOpenings } from './speaker-names';
import { PostingsCache } from './postings-cache';
import { phrasePostings, unitePostings } from './postings-union';
import { digitGroups } from '../../text/number-terms';
import { ligatureSpellings } from '../../text/term-folding';
import { MAX_VOCABULARY_PASSAGES, VaultVocabulary } from './vault-vocabulary';
import { MAX_TYPO_HOLDERS, outnumbers } from './typo-holders';
import type { Sql } from '../sqlite/sql';
import {
  passagesIn,
  rankPassages,
  termIdf,
  type ScoredPassages,
  type SharedStatistics,
} from './text-ranker';
import {
  fullKey,
  nearKey as nearStatisticsKey,
  passagesHolding,
  termKey,
  type CorpusStatistics,
} from './corpus-statistics';
import type { TermPostings } from './term-postings';
import type { TextRanking } from './text-ranking';
import { prepareQuery, QueryScorer } from './text-pruning';
import type { TextTimeline } from './text-timeline';
import { reachedMemories, type ReachedMemories } from './reached-memories';
import { tiedNewestFirst } from './equal-matches';

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

/**
 * What a memory stored in a longer period a query names (a week, month,
 * season, year) gains, as a share of what one stored on a named day gains:
 * a day is the more specific (the ranking's dayBoost and monthBoost agree).
 */
const LONGER_PERIOD_SHARE = 0.5;

/**
 * A capitalised word opening a sentence ("When…", "Caroline…"), or a word
 * written in lower case ("caroline"), counts as a name only when most
 * memories holding it begin with it, as a speaker label ("Caroline: …")
 * does, or (lower case) when metadata names it as who said a memory.
 */
const SPEAKER_SHARE = 0.5;
/** Whether most memories holding a term begin with it (SPEAKER_SHARE). */
function opensMost(term: TermPostings): boolean {
  const { opening, holding } = nameOpenings(term);
  return opening.size >= SPEAKER_SHARE * holding;
}

/**
 * What tokenizing one memory to forget its terms costs, in postings read
 * through `fts5vocab` (about a microsecond each, postings-cache.ts): about
 * 23 µs for a LoCoMo turn (bench/bulk-store.bench.ts).
 */
const TOKENIZE_COST_IN_POSTINGS = 25;

/**
 * A query term's occurrences as a search reads them. `ranked` are the same
 * word's, however written: the term's own, its other spellings' ("sœur" for
 * "soeur") and, for a number, its grouped form's ("1,450" for "1450").
 * `near` are, for a term the vault holds in no memory or in a few, the
 * occurrences of the words it may be a misspelling of, at `FORGIVEN_WEIGHT`
 * (the term's own still count in full). `full` is what the full-match unit
 * (full-match.ts) counts: both, so that a forgiven word is measured against
 * the word spelt right and scores half of what that word would. `key` names
 * the postings for the ranking's kept shares: the term, and when near
 * misses were looked for, which depends on the words as typed, those words
 * too.
 */
interface QueryTermPostings {
  full: TermPostings;
  ranked: TermPostings;
  near: TermPostings | null;
  key: string;
}

/**
 * What a near miss's occurrences count for, as a share of the word's own
 * idf: a forgiven spelling is a guess, and a memory found by it should rank
 * below one holding a word of the query as written. With the full-match
 * unit counting the word spelt right (`QueryTermPostings.full`), "weding"
 * finds the wedding at half the score of "wedding" (TEXT, through GraphQL,
 * test/search/spelling-known.test.ts).
 */
const FORGIVEN_WEIGHT = 0.5;
/**
 * What a word of the same root counts for ("allergic" for "allergies",
 * word-roots.ts), as a share of the query word's own idf: read only for a
 * word no memory holds, and below an exact match, as a forgiven typo is.
 */
const SAME_ROOT_WEIGHT = 0.5;
/** Ends the kept-shares name of a term's near misses (never part of a term or of words). */
const NEAR_MARK = '\n~';
/** Ends the kept name of a term read only as written (`TextSearch.asWritten`). */
const AS_WRITTEN_MARK = '\n=';
/** Marks the postings of a named day's ordinal kept to the memories of its own time (ofOwnTime). */
const DAYS_MARK = '\n@';
/**
 * A term the stemmer shares with an unrelated word ("news" and "new") is
 * matched by reading the words at its occurrences; past this many memories
 * holding the stem, that costs more than a query should, and every
 * occurrence counts, as before.
 */
const MAX_WRITTEN_CHECK = 2_000;

/** At most this many vault terms stand in for one misspelt query term. */
const MAX_NEAR_TERMS = 3;
/** Query terms whose variants are kept (until the next write); past it, all are let go. */
const MAX_KEPT_VARIANTS = 256;
/** A batch of more memories than this forgets the vocabulary rather than add their terms. */
const MAX_VOCABULARY_BATCH = 100;

/**
 * Text search of one window: the query's terms are looked up in the FTS5
 * index's own postings (through an `fts5vocab` table), ranked by contextual
 * BM25 (text-ranker.ts), reduced to the best passage per memory, and raised
 * for memories said by a person the query names.
 */
export class TextSearch {
  private readonly cache = new PostingsCache();
  private readonly vocabulary = new VaultVocabulary(
    () =>
      this.sql
        .cursor<{ term: string }>('SELECT DISTINCT term FROM memories_vocab')
        .toArray()
        .map((row) => row.term),
    () =>
      this.sql
        .cursor<{ content: string }>('SELECT content FROM memories')
        .toArray()
        .map((row) => row.content),
  );
  /** Query terms whose postings are more than their own (`queryPostings`), until a write. */
  private readonly variants = new Map<string, QueryTermPostings>();
  /**
   * Every query term's postings as this read found them, held or not: a
   * search asks for each term once per window and once for its full-match
   * unit, and the ligature and number look-ups behind a held term's answer
   * cost more than the answer. Dropped with the read's ranking
   * (`forgetRanking`) and on every write, so it never outlives what the
   * index holds, nor keeps postings the cache has let go.
   */
  private readonly readTerms = new Map<string, QueryTermPostings>();

  /**
   * Query terms read only as written, never through near misses, while
   * `readingAsWritten` runs: a search over several vaults where another
   * vault holds the word (spelling-across-vaults.ts).
   */
  private asWritten: ReadonlySet<string> = new Set();

  constructor(private readonly sql: Sql) {}

  /** Runs `search` with `terms` read only as written (`asWritten`). */
  readingAsWritten<T>(terms: readonly string[], search: () => T): T {
    const before = this.asWritten;
    this.asWritten = new Set(terms);
    try {
      return search();
    } finally {
      this.asWritten = before;
    }
  }

  /**
   * For a search over several vaults: how many memories here hold each
   * query term (as `ranked` reads it: its spellings, not its near misses),
   * and, for each term read through near misses, how many hold those.
   */
  spelling(
    timeline: TextTimeline,
    text: string,
    ranking: TextRanking,
    now: number,
    offsetMinutes = 0,
  ): { held: Record<string, number>; forgiven: Record<string, number> } {
    const held: Record<string, number> = {};
    const forgiven: Record<string, number> = {};
    if (timeline.size === 0) return { held, forgiven };
    const query = analyseQuery(text, ranking.stopwords, now, offsetMinutes);
    for (const term of query.terms) {
      const { ranked, near } = this.queryPostings(term, query, timeline);
      const holders = holdersIn(ranked);
      if (holders > 0) held[term] = holders;
      if (near !== null) forgiven[term] = holdersIn(near);
    }
    return { held, forgiven };
  }

  /**
   * This vault's part of a search's statistics over several vaults
   * (corpus-statistics.ts): its passages and words, and for each query term
   * the passages holding it (as `ranked` reads it), those holding its near
   * misses when it is read through them, and the memories the full-match
   * unit counts. Read as the search will read the terms, so each count is
   * the one this vault's ranking would use alone.
   */
  statistics(
    timeline: TextTimeline,
    text: string,
    ranking: TextRanking,
    now: number,
    offsetMinutes = 0,
  ): CorpusStatistics {
    const passages = timeline.size;
    const statistics: CorpusStatistics = {
      passages,
      words: timeline.averageWords * passages,
      holding: {},
    };
    if (passages === 0) return statistics;
    const query = analyseQuery(text, ranking.stopwords, now, offsetMinutes);
    for (const term of query.terms) {
      const { full, ranked, near } = this.queryPostings(term, query, timeline);
      statistics.holding[termKey(term)] = passagesHolding(timeline, ranked);
      if (near !== null)
        statistics.holding[nearStatisticsKey(term)] = passagesHolding(timeline, near);
      statistics.holding[fullKey(term)] = holdersIn(full);
    }
    return statistics;
  }

  /**
   * Keeps cached postings true to the index after memories were written or
   * deleted: their terms are forgotten. `words` is the index's own word count
   * of each; should this tokenizer disagree with it, everything is forgotten.
   */
  changed(memories: readonly { content: string; words: number }[]): void {
    this.passes.clear();
    this.variants.clear();
    this.readTerms.clear();
    if (this.vocabulary.loaded && memories.length > MAX_VOCABULARY_BATCH) this.vocabulary.clear();
    // Finding a memory's terms (tokenizing it) costs about as much as reading
    // TOKENIZE_COST_IN_POSTINGS cached occurrences again: for a batch that
    // outweighs all the cache holds, forgetting everything is the cheaper
    // way to keep it true (a bulk import into a vault searched meanwhile).
    if (memories.length * TOKENIZE_COST_IN_POSTINGS > this.cache.postings) this.cache.clear();
    let forgetting = this.cache.size > 0;
    if (!forgetting && !this.vocabulary.loaded) return;
    // Each memory is tokenized once, for the vocabulary and the cache alike.
    for (const { content, words } of memories) {
      const terms = tokenize(content).map((token) => token.term);
      this.vocabulary.add(content, terms);
      if (!forgetting) continue;
      if (terms.length !== words) {
        this.cache.clear();
        forgetting = false;
      } else this.cache.forget(new Set(terms));
    }
  }

  /** Forgets everything (the vault was cleared or restored). */
  reset(): void {
    this.cache.clear();
    this.variants.clear();
    this.readTerms.clear();
    this.vocabulary.clear();
    this.lastRanking = null;
    this.contentReach = null;
    this.passes.clear();
  }

  /**
   * The last query's ranking, for the other windows of the same search:
   * its terms' kept shares (pruned ranking, text-pruning.ts: each window
   * adds them over its own passages and returns only those that can reach
   * its top), or, where pruning does not apply, every passage's score,
   * which each window only filters. Forgotten at the start of every read (`forgetRanking`), so a
   * write in between never leaves a stale score.
   */
  private lastRanking: {
    timeline: TextTimeline;
    text: string;
    ranking: TextRanking;
    terms: TermPostings[];
    corpus: CorpusStatistics | undefined;
    scored: ScoredPassages | QueryScorer;
  } | null = null;
  /** Whether any memory names its speaker in metadata, asked once per read. */
  private speakerMetadata: boolean | null = null;
  /**
   * The memories the last query's content words reach (matchingContent),
   * for its other windows; and the last memories it let answer, and from
   * which allowed ones, so that a window asked again is given the same.
   */
  private contentReach: {
    timeline: TextTimeline;
    text: string;
    reached: ReachedMemories;
    answering?: { allowed: unknown; has(seq: number): boolean };
  } | null = null;
  /** The windows' text passes of the search under way, for a window asked again (window-passes.ts). */
  private readonly passes = new WindowPasses();

  /**
   * Lets the windows' passes go (a search is done with its windows' fills):
   * they hold a window's candidates, up to 16 bytes a passage.
   */
  forgetPasses(): void {
    this.passes.clear();
  }

  forgetRanking(): void {
    this.passes.clear();
    this.lastRanking = null;
    this.contentReach = null;
    this.speakerMetadata = null;
    this.readTerms.clear();
  }

  private ranked(
    timeline: TextTimeline,
    text: string,
    ranking: TextRanking,
    names: string[],
    terms: TermPostings[],
    corpus: CorpusStatistics | undefined,
    shared: SharedStatistics | undefined,
  ): ScoredPassages | QueryScorer {
    const last = this.lastRanking;
    if (
      last !== null &&
      last.timeline === timeline &&
      last.text === text &&
      last.ranking === ranking &&
      last.corpus === corpus &&
      last.terms.length === terms.length &&
      last.terms.every((term, at) => term === terms[at]) &&
      // Another vault's query may have taken the pruned ranking's scratch since.
      (!(last.scored instanceof QueryScorer) || last.scored.current)
    ) {
      return last.scored;
    }
    const scored =
      prepareQuery(timeline, names, terms, ranking, shared) ??
      rankPassages(timeline, terms, ranking, shared);
    this.lastRanking = { timeline, text, ranking, terms, corpus, scored };
    return scored;
  }

  /**
   * What a memory of average length holding each of the query's terms once
   * scores in this vault (full-match.ts): the unit TEXT and HYBRID put text
   * scores on, so that they mean the same in every vault. A query of a date
   * and no terms counts the date as one word no memory holds; 0 for a query
   * of neither. `now` is the search's (ms): what "yesterday" means. With
   * `corpus` (a search over several vaults), counted over all of them.
   */
  fullMatchScore(
    timeline: TextTimeline,
    text: string,
    ranking: TextRanking,
    now = Date.now(),
    offsetMinutes = 0,
    corpus?: CorpusStatistics,
  ): number {
    const query = analyseQuery(text, ranking.stopwords, now, offsetMinutes);
    const passages = Math.max(corpus?.passages ?? timeline.size, 1);
    if (query.terms.length === 0)
      return query.dates.length > 0 ? dateOnlyFullMatch(passages, ranking) : 0;
    const postings = query.terms.map((term) => {
      const { full } = this.queryPostings(term, query, timeline);
      const holders = corpus?.holding[fullKey(term)];
      return holders === undefined ? full : { ...full, holders };
    });
    return fullMatchScore(postings, passages, ranking);
  }

  /**
   * The window's best `limit` memories: those matching the query's words,
   * raised when stored in a period the query names. When the query asks
   * about its dates alone ("what happened yesterday?"), that period's
   * memories matching none of its words are found too (`datedOnly`); when
   * it asks about something besides ("the dentist on Friday"), a memory
   * must match some of that (`content`), its date only ranks it. Dates
   * said relative to now ("last week") count from `now`, the search's (ms;
   * absent: the server's clock), in the calendar of `offsetMinutes`.
   */
  search(
    timeline: TextTimeline,
    text: string,
    window: { after: number | null; until: number },
    limit: number,
    ranking: TextRanking,
    allowed?: { has(seq: number): boolean },
    now = Date.now(),
    offsetMinutes = 0,
    corpus?: CorpusStatistics,
  ): TextHit[] {
    const query = analyseQuery(text, ranking.stopwords, now, offsetMinutes);
    if (limit <= 0 || timeline.size === 0) return [];
    const datesAlone = query.dates.length > 0 && !this.holdsContent(timeline, query);
    const answering = datesAlone
      ? allowed
      : this.matchingContent(timeline, text, query, ranking, allowed);
    const byWords =
      query.terms.length === 0
        ? []
        : this.searchWords(
            timeline,
            text,
            query,
            window,
            limit,
            ranking,
            answering,
            datesAlone,
            corpus,
          );
    if (!datesAlone) return byWords;
    const dated = this.datedOnly(
      timeline,
      query.dates,
      window,
      limit,
      byWords,
      ranking,
      allowed,
      corpus?.passages,
    );
    return byWords
      .concat(dated)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /**
   * Whether the vault holds any of a dated query's content words, or a
   * spelling it forgives for one: a word no memory holds ("calendar" in
   * "calendar december 4th") asks about nothing the vault could answer
   * besides the date, so the question is read as about its date alone.
   */
  private holdsContent(timeline: TextTimeline, query: AnalysedQuery): boolean {
    for (const term of query.content)
      if (this.queryPostings(term, query, timeline).full.seqs.length > 0) return true;
    return false;
  }

  /**
   * The memories a query with dates and content words may answer: those
   * its content words reach (holding one, or beside one that does, as the
   * ranking reads context), among `allowed`. A date's own words ("Friday")
   * and its period do not make a memory an answer to "the dentist on
   * Friday"; undefined (all allowed) for a query without dates.
   */
  private matchingContent(
    timeline: TextTimeline,
    text: string,
    query: AnalysedQuery,
    ranking: TextRanking,
    allowed?: { has(seq: number): boolean },
  ): { has(seq: number): boolean } | undefined {
    if (query.dates.length === 0 || query.terms.every((term) => query.content.has(term)))
      return allowed;
    let known = this.contentReach;
    if (known === null || known.timeline !== timeline || known.text !== text) {
      // Which memories, not how well: the ranking's reach without its scores.
      const postings = [...query.content].map(
        (term) => this.queryPostings(term, query, timeline).full,
      );
      known = { timeline, text, reached: reachedMemories(timeline, postings, ranking) };
      this.contentReach = known;
    }
    if (known.answering === undefined || known.answering.allowed !== allowed) {
      const { reached } = known;
      known.answering = {
        allowed,
        has: (seq) => reached.has(seq) && (allowed === undefined || allowed.has(seq)),
      };
    }
    return known.answering;
  }

  /**
   * Memories stored in a period a question about dates alone names ("what
   * happened on October 4th 2026?") that match none of its words: each
   * scores what one word no memory holds would (the full-match unit of a
   * date asked alone), times how well its time fits the period (periodFit),
   * halved for a period longer than a day; so they compete with the
   * memories that name the date ("December" for "December 24, 2025"),
   * neither burying the other.
   */
  private datedOnly(
    timeline: TextTimeline,
    dates: readonly NamedDate[],
    window: { after: number | null; until: number },
    wanted: number,
    byWords: readonly TextHit[],
    ranking: TextRanking,
    allowed: { has(seq: number): boolean } | undefined,
    corpusPassages: number | undefined,
  ): TextHit[] {
    const taken = new Set(byWords.map((hit) => hit.seq));
    const unit = termIdf(ranking, Math.max(corpusPassages ?? timeline.size, 1), 0);
    const found = new Map<number, { score: number; passage: number }>();
    for (const date of dates) {
      // The date's [from, until) within the window's (after, until], in whole ms.
      const after = Math.max(window.after ?? -Infinity, date.from - 1);
      const until = Math.min(window.until, date.until - 1);
      if (until <= after) continue;
      const { start, end } = timeline.range(after, until);
      const share = date.kind === 'day' ? 1 : LONGER_PERIOD_SHARE;
      for (let passage = start; passage < end; passage++) {
        const seq = timeline.seqAt(passage);
        if (taken.has(seq) || (allowed !== undefined && !allowed.has(seq))) continue;
        const score = unit * share * periodFit(date, timeline.timeAt(passage));
        const known = found.get(seq);
        if (score > 0 && (known === undefined || score > known.score))
          found.set(seq, { score, passage: timeline.firstPassageOf(seq) });
      }
    }
    return topK(
      [...found],
      wanted,
      ([, a], [, b]) => b.score - a.score || a.passage - b.passage,
    ).map(([seq, { score, passage }]) => ({
      seq,
      score,
      words: timeline.chunked(passage) ? timeline.rangeAt(passage) : undefined,
    }));
  }

  /** The window's memories that match the query's words, best `limit` first. */
  private searchWords(
    timeline: TextTimeline,
    text: string,
    query: AnalysedQuery,
    window: { after: number | null; until: number },
    limit: number,
    ranking: TextRanking,
    allowed: { has(seq: number): boolean } | undefined,
    datesAlone: boolean,
    corpus: CorpusStatistics | undefined,
  ): TextHit[] {
    const terms = query.terms;
    const read = terms.map((term) => this.queryPostings(term, query, timeline));
    // A name's openings count its near misses too ("Siobahn:" a speaker's label).
    const postings = new Map(
      terms.map((term, at) => {
        const { ranked, near } = read[at]!;
        return [term, near === null ? ranked : unitePostings([ranked, near])];
      }),
    );
    // A word written in lower case is a name only where the vault knows it
    // as a speaker (spokenByNamed); deciding that here keeps the boost's lift
    // (and what pruning lets go) as it was for every other word.
    const names = query.names.filter(
      (name) =>
        postings.has(name.term) &&
        (name.lowerCase !== true ||
          this.hasSpeakerMetadata() ||
          opensMost(postings.get(name.term)!)),
    );
    const dates = query.dates;
    // Boosts lift a memory by at most `lift`: one further below the limit-th
    // best than that cannot reach the top, so it is let go before boosting
    // (and pruned ranking need not score it exactly). A question about dates
    // alone raises by a fixed amount (raiseNamedDates) that the best's
    // relative scale cannot bound: every match is kept (its words are the
    // date's few).
    const lift = datesAlone
      ? Infinity
      : (names.length > 0 ? Math.max(0, ranking.nameBoost) : 0) +
        (dates.length > 0 ? Math.max(0, ranking.dayBoost, ranking.monthBoost) : 0);
    const ranked = this.ranked(
      timeline,
      text,
      ranking,
      read.flatMap(({ key, near }) => (near === null ? [key] : [key, `${key}${NEAR_MARK}`])),
      read.flatMap(({ ranked, near }) => (near === null ? [ranked] : [ranked, near])),
      corpus,
      sharedStatistics(corpus, ranking, terms, read),
    );

    const { start, end } = timeline.range(window.after, window.until);
    // The same window asked again with a deeper pool (its fill) starts from
    // what this read's first ask found and boosted (window-passes.ts); a
    // pruned ranking's candidates depend on the pool's size, so it does not.
    const key: PassKey | null =
      ranked instanceof QueryScorer
        ? null
        : {
            scored: ranked,
            query,
            ranking,
            corpus,
            version: timeline.version,
            start,
            end,
            lift,
            allowed,
          };
    let pass = key === null ? undefined : this.passes.find(key);
    if (pass === undefined) {
      const found = this.windowHits(
        timeline,
        ranked instanceof QueryScorer ? ranked.scoresIn(start, end, limit, lift, allowed) : ranked,
        start,
        end,
        allowed,
      );
      pass = newPass(key ?? ({} as PassKey), found, found.relativeToBest());
      if (key !== null) this.passes.keep(pass);
    }
    if (pass.found.count === 0) return [];
    const { top } = pass;
    // A name's boost read from metadata depends on which hits could reach
    // the top (spokenByNamed): then every hit is boosted again.
    const spokenByHits = names.length > 0 && ranking.nameBoost > 0 && this.hasSpeakerMetadata();
    const { hits, boosts } = hitsDownTo(
      pass,
      pass.found.floor(limit, lift),
      spokenByHits,
      (hits, boosts, from) => {
        const spoken = this.spokenByNamed(names, postings, hits, limit, ranking.nameBoost);
        // Small talk alone ("Maya: ok") is not what its speaker said of anything.
        for (let i = from; i < hits.seqs.length; i++)
          if (spoken(hits.seqs[i]!) && !timeline.smallTalkOf(hits.seqs[i]!)) {
            hits.scores[i]! += ranking.nameBoost;
            boosts[i]! += ranking.nameBoost;
          }
        // A memory writing a day the query names ("November 28" for
        // "tomorrow") is about that day if its own date makes it that day's
        // (writesDay): last year's "November 28" is not this year's.
        // Its postings hold only those (queryPostings).
        const writing = new Set<number>();
        terms.forEach((term, at) => {
          if (query.writtenDays.has(term))
            for (const seq of Array.from(read[at]!.ranked.seqs)) writing.add(seq);
        });
        this.raiseNamedDates(
          timeline,
          dates,
          hits,
          boosts,
          from,
          ranking,
          datesAlone
            ? termIdf(ranking, Math.max(corpus?.passages ?? timeline.size, 1), 0) / top
            : null,
          writing,
        );
      },
    );
    // Memories found by their speaker's name alone tie, newest first (time,
    // then insertion order), as do equal scores. Scores go back to BM25's
    // units, which the caller puts on the vault's full-match scale
    // (vault-queries.ts), so a vault with only weak matches scores low when
    // hits of several vaults are merged.
    const lists = read.flatMap(({ ranked, near }) => (near === null ? [ranked] : [ranked, near]));
    // The best `limit` hits, higher score first, equal scores to the later
    // passage (each hit is its memory's own passage, so no two tie on both):
    // a partial selection over typed copies, not a sort of every hit's index
    // through a comparator (bestPositions: the same order; in Node 3 µs less
    // a window on 60 hits, 20 µs on 150; BENCHMARKS.md, branch rank-lean).
    const order = Array.from(
      bestPositions(Float64Array.from(hits.scores), Int32Array.from(hits.passages), limit),
    );
    // Ties change their scores: on a copy, the pass keeps its own.
    const tied = { ...hits, scores: hits.scores.slice() };
    return tiedNewestFirst(tied, order, boosts, lists, {
      labelled: (seq) => timeline.namesSpeaker(seq),
      around: (passage) => timeline.memoriesAround(passage, ranking.contextDistance),
    }).map((i) => {
      const passage = hits.passages[i]!;
      return {
        seq: hits.seqs[i]!,
        score: tied.scores[i]! * top,
        words: timeline.chunked(passage) ? timeline.rangeAt(passage) : undefined,
      };
    });
  }

  /**
   * The best passage of each memory in the window (of a memory's equal
   * chunks, the first) among `scored`. Most memories are one passage; only
   * those in chunks need looking up. Scored passages are in time order, so
   * the window's are one run of them.
   */
  private windowHits(
    timeline: TextTimeline,
    scored: ScoredPassages,
    start: number,
    end: number,
    allowed: { has(seq: number): boolean } | undefined,
  ): WindowHits {
    const run = passagesIn(scored, start, end);
    const found = new WindowHits(run.to - run.from);
    const chunkedAt = new Map<number, number>();
    for (let i = run.from; i < run.to; i++) {
      const passage = scored.passages[i]!;
      const score = scored.scores[i]!;
      if (score <= 0) continue;
      const seq = timeline.seqAt(passage);
      if (allowed !== undefined && !allowed.has(seq)) continue;
      if (!timeline.chunked(passage)) {
        found.add(seq, passage, score);
        continue;
      }
      const at = chunkedAt.get(seq);
      if (at === undefined) {
        chunkedAt.set(seq, found.count);
        found.add(seq, passage, score);
      } else if (score > found.scores[at]!) {
        found.scores[at] = score;
        found.passages[at] = passage;
      }
    }
    return found;
  }

  /**
   * Memories stored on a day (or in a longer period) the query names are
   * raised, as a boost and not a filter: the memory must match the words
   * too, and what was said on other days still competes. The boost is
   * dayBoost (monthBoost for a longer period) of the best match, or for a
   * question about dates alone `alone` (one word no memory holds, relative
   * to the best: what a memory of the period matching no word scores,
   * datedOnly), times how well the memory's time fits (periodFit). A
   * memory that writes a day the query names (`writing`) fits that day
   * fully: plans are written before their day, and stand above what was
   * merely stored in its hours.
   */
  private raiseNamedDates(
    timeline: TextTimeline,
    dates: readonly NamedDate[],
    hits: Hits,
    boosts: number[],
    from: number,
    ranking: TextRanking,
    alone: number | null,
    writing: ReadonlySet<number>,
  ): void {
    if (dates.length === 0) return;
    for (let i = from; i < hits.passages.length; i++) {
      const time = timeline.timeAt(hits.passages[i]!);
      let boost = writing.has(hits.seqs[i]!) ? (alone ?? ranking.dayBoost) : 0;
      for (const date of dates) {
        const fit = periodFit(date, time);
        if (fit === 0) continue;
        const day = date.kind === 'day';
        const dayBoost = alone ?? ranking.dayBoost;
        const longerBoost = alone === null ? ranking.monthBoost : alone * LONGER_PERIOD_SHARE;
        boost = Math.max(boost, (day ? dayBoost : longerBoost) * fit);
      }
      hits.scores[i]! += boost;
      boosts[i]! += boost;
    }
  }

  /** Whether any memory names its speaker in metadata (set on write, see vault-object.ts). */
  private hasSpeakerMetadata(): boolean {
    this.speakerMetadata ??=
      this.sql.first<{ value: string }>(`SELECT value FROM meta WHERE key = 'speaker_metadata'`) !==
      null;
    return this.speakerMetadata;
  }

  /** The occurrences of one index term, through the cache. */
  private termPostings(term: string): TermPostings {
    return this.cache.get(term, (missing) => this.postings(missing));
  }

  /**
   * A query term's occurrences, forgiving how it was written
   * (QueryTermPostings): a number also as its groups of three ("1450" as
   * "1 450", number-terms.ts); with œ, æ or ß written in or out (always:
   * direct look-ups, term-folding.ts); a term the vault does not hold as the
   * vault's other spellings of the word (spellingKey), or failing those, and
   * unless the query's word is a common one (familiar-words.ts), the vault
   * words within its typo allowance (edit-distance.ts). A term the vault
   * holds reads only its own postings, as before, unless a number or one of
   * those ligature spellings is held too; one whose stem the stemmer shares
   * with an unrelated word only the occurrences written as it
   * (stem-collisions.ts).
   */
  private queryPostings(
    term: string,
    query: Pick<AnalysedQuery, 'spelt' | 'alike' | 'writtenOn' | 'offset'>,
    timeline: TextTimeline,
  ): QueryTermPostings {
    const alike = query.alike.get(term) ?? [];
    const named = alikeKey(term, alike);
    const forgiving = !this.asWritten.has(term);
    const memo = forgiving ? named : `${named}${AS_WRITTEN_MARK}`;
    let read = this.readTerms.get(memo);
    if (read === undefined) {
      const words = query.spelt.get(term) ?? [];
      const kept = forgiving ? nearKey(named, words) : `${nearKey(named, words)}${AS_WRITTEN_MARK}`;
      read =
        this.variants.get(kept) ?? this.lookUpTerm(term, words, alike, timeline, forgiving, kept);
      if (this.readTerms.size >= MAX_KEPT_VARIANTS) this.readTerms.clear();
      this.readTerms.set(memo, read);
    }
    const days = query.writtenOn.get(term);
    if (days === undefined) return read;
    // A named day's ordinal ("28th" of "tomorrow") and its phrases: only
    // the memories whose own date makes the day they write one of the
    // query's (writesDay), so last year's "November 28" is not tomorrow's.
    const dated = `${memo}${DAYS_MARK}${query.offset} ${days.map(({ day }) => day).join(' ')}`;
    let own = this.readTerms.get(dated);
    if (own === undefined) {
      own = this.ofOwnTime(read, days, query.offset, timeline, dated);
      if (this.readTerms.size >= MAX_KEPT_VARIANTS) this.readTerms.clear();
      this.readTerms.set(dated, own);
    }
    return own;
  }

  /** `read` with only the memories writing one of `days` (writesDay), under `key`. */
  private ofOwnTime(
    read: QueryTermPostings,
    days: readonly WrittenDay[],
    offset: number,
    timeline: TextTimeline,
    key: string,
  ): QueryTermPostings {
    const withMonth = days.map(
      ({ withMonth }) =>
        new Set(
          withMonth.flatMap((phrase) =>
            Array.from(
              phrasePostings(
                phrase
                  .split(' ')
                  .map((word) => (word === ANY_WORD ? null : this.termPostings(word))),
              ).seqs,
            ),
          ),
        ),
    );
    const verdicts = new Map<number, boolean>();
    const writes = (seq: number) => {
      let known = verdicts.get(seq);
      if (known === undefined) {
        const passage = timeline.firstPassageOf(seq);
        const written = passage < 0 ? null : dayOf(timeline.timeAt(passage) + offset);
        known =
          written !== null &&
          days.some(({ day }, at) => writesDay(written, day, withMonth[at]!.has(seq)));
        verdicts.set(seq, known);
      }
      return known;
    };
    const kept = (postings: TermPostings): TermPostings => {
      const seqs: number[] = [];
      const offsets: number[] = [];
      for (let i = 0; i < postings.seqs.length; i++)
        if (writes(postings.seqs[i]!)) {
          seqs.push(postings.seqs[i]!);
          offsets.push(postings.offsets[i]!);
        }
      return seqs.length === postings.seqs.length
        ? postings
        : { seqs, offsets, holders: holdersOf(seqs), weight: postings.weight };
    };
    const ranked = kept(read.ranked);
    return {
      full: read.full === read.ranked ? ranked : kept(read.full),
      ranked,
      near: read.near,
      key: `${read.key}${key.slice(key.indexOf(DAYS_MARK))}`,
    };
  }

  /** `queryPostings` read from the postings (and the vocabulary, for a term that may be a typo). */
  private lookUpTerm(
    term: string,
    words: readonly string[],
    alike: readonly string[],
    timeline: TextTimeline,
    forgiving: boolean,
    kept: string,
  ): QueryTermPostings {
    const shared = sharedIndexTerm(term);
    const own =
      shared === null ? this.termPostings(term) : this.writtenPostings(term, shared, timeline);
    const groups = digitGroups(term);
    const written = [...ligatureSpellings(term), ...alike]
      .map((spelling) =>
        spelling.includes(' ')
          ? phrasePostings(spelling.split(' ').map((word) => this.termPostings(word)))
          : this.termPostings(spelling),
      )
      .filter((postings) => postings.seqs.length > 0);
    const searchable = timeline.size <= MAX_VOCABULARY_PASSAGES;
    const typo = (heldBy: number) => forgiving && searchable && mayBeTypo(heldBy, words);
    if (
      own.seqs.length > 0 &&
      groups === null &&
      written.length === 0 &&
      shared === null &&
      !typo(holdersIn(own))
    )
      return { full: own, ranked: own, near: null, key: alikeKey(term, alike) };

    const same = [own, ...written];
    if (groups !== null) same.push(phrasePostings(groups.map((group) => this.termPostings(group))));
    // A collision's family ("news") shares its spelling key with the stem ("new").
    if (own.seqs.length === 0 && searchable && shared === null)
      for (const spelling of this.vocabulary.spellings(term))
        same.push(this.termPostings(spelling));
    const ranked = unitePostings(same);
    const heldBy = holdersIn(ranked);
    let stands: TermPostings[] = [];
    let key = alikeKey(term, alike);
    if (typo(heldBy)) {
      // Near misses depend on the words as typed, so such a term is kept under them.
      key = nearKey(key, words);
      stands = this.vocabulary
        .nearTerms(term, words, MAX_NEAR_TERMS)
        .filter((other) => other !== term)
        .map((other) => this.termPostings(other))
        .filter((postings) => outnumbers(holdersIn(postings), heldBy));
    }
    let weight = FORGIVEN_WEIGHT;
    if (stands.length === 0 && heldBy === 0 && forgiving && searchable && shared === null) {
      // A word no memory holds, and no typo: the vault's words of its root.
      stands = this.vocabulary
        .sameRootTerms(words, MAX_NEAR_TERMS)
        .map((other) => this.termPostings(other))
        .filter((postings) => postings.seqs.length > 0);
      weight = SAME_ROOT_WEIGHT;
    }
    const near = stands.length > 0 ? { ...unitePostings(stands), weight } : null;
    const full = near === null ? ranked : unitePostings([ranked, ...stands]);
    const found = { full, ranked, near, key };
    if (this.variants.size >= MAX_KEPT_VARIANTS) this.variants.clear();
    this.variants.set(kept, found);
    return found;
  }

  /**
   * The occurrences of `indexTerm` in memories that write a word reading as
   * `term` (stem-collisions.ts): "news" among the index's "new", or "new"
   * without "news". Each holding memory's text is read and scanned once per
   * query term, until the next write (`variants`); a memory writing both
   * keeps its occurrences for both.
   */
  private writtenPostings(term: string, indexTerm: string, timeline: TextTimeline): TermPostings {
    const all = this.termPostings(indexTerm);
    const holders = all.holders ?? holdersOf(all.seqs);
    if (holders === 0 || holders > MAX_WRITTEN_CHECK || timeline.size === 0) return all;
    const writing = new Set<number>();
    for (const { seq, content } of this.sql.cursor<{ seq: number; content: string }>(
      'SELECT seq, content FROM memories WHERE seq IN (SELECT value FROM json_each(?))',
      JSON.stringify([...new Set(Array.from(all.seqs))]),
    ))
      if (writesTermOf(term, indexTerm, foldedWords(content).join(' '))) writing.add(seq);
    const seqs: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < all.seqs.length; i++) {
      if (!writing.has(all.seqs[i]!)) continue;
      seqs.push(all.seqs[i]!);
      offsets.push(all.offsets[i]!);
    }
    return { seqs, offsets, holders: holdersOf(seqs) };
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
    const seqs = rows.map((row) => row[0]);
    return { seqs, offsets: rows.map((row) => row[1]), holders: holdersOf(seqs) };
  }

  /**
   * Memories said by someone the query names: they begin with the name (a
   * speaker label such as "Caroline: …"), or their metadata says so. Only
   * candidates that a boost could lift into the top `limit` are checked
   * against metadata.
   */
  private spokenByNamed(
    names: readonly QueryName[],
    postings: Map<string, TermPostings>,
    hits: Hits,
    limit: number,
    boost: number,
  ): (seq: number) => boolean {
    if (names.length === 0 || boost <= 0) return () => false;
    const openings: Set<number>[] = [];
    for (const name of names) {
      const term = postings.get(name.term)!;
      if (name.sentenceStart && !opensMost(term)) continue;
      openings.push(nameOpenings(term).opening);
    }
    const opens = (seq: number) => openings.some((opening) => opening.has(seq));

    if (!this.hasSpeakerMetadata()) return opens;
    const order = hits.seqs.map((_, i) => i);
    const kthAt = topK(order, limit, (a, b) => hits.scores[b]! - hits.scores[a]!).at(-1);
    const kth = kthAt === undefined ? 0 : hits.scores[kthAt]!;
    const reachable = order
      .filter((i) => hits.scores[i]! >= kth - boost && !opens(hits.seqs[i]!))
      .map((i) => hits.seqs[i]!);
    if (reachable.length === 0) return opens;
    const rows = this.sql.all<Record<string, string | number | null>>(
      `SELECT seq, ${SPEAKER_KEYS.map((key) => `json_extract(metadata, '$.${key}') AS ${key}`).join(', ')}
       FROM memories WHERE seq IN (SELECT value FROM json_each(?)) AND metadata IS NOT NULL`,
      JSON.stringify(reachable),
    );
    const terms = new Set(names.map((name) => name.term));
    const said = new Set<number>();
    for (const row of rows) {
      const named = SPEAKER_KEYS.some(
        (key) =>
          typeof row[key] === 'string' && tokenize(row[key]).some((token) => terms.has(token.term)),
      );
      if (named) said.add(row.seq as number);
    }
    return (seq) => opens(seq) || said.has(seq);
  }
}

/**
 * The kept postings' name of a term read with a date's other spellings of
 * it ("dec" with "decemb"): apart from the same term read alone.
 */
function alikeKey(term: string, alike: readonly string[]): string {
  return alike.length === 0 ? term : `${term}\n=${alike.join(' ')}`;
}

/** The kept postings' name of a term read through near misses of `words`. */
function nearKey(term: string, words: readonly string[]): string {
  return `${term}\n${words.join(' ')}`;
}

/**
 * The ranking's view of a search's statistics over several vaults: the
 * mean passage length, and the idf of each postings list the query ranks
 * (a term's own, then its near misses when read through them, as
 * `searchWords` lists them). Undefined for a search of one vault.
 */
function sharedStatistics(
  corpus: CorpusStatistics | undefined,
  ranking: TextRanking,
  terms: readonly string[],
  read: readonly QueryTermPostings[],
): SharedStatistics | undefined {
  if (corpus === undefined) return undefined;
  const passages = Math.max(corpus.passages, 1);
  const idfOf = (key: string) => {
    const holding = corpus.holding[key];
    return holding === undefined ? undefined : termIdf(ranking, passages, holding);
  };
  return {
    averageWords: corpus.words / passages,
    idfs: terms.flatMap((term, at) =>
      read[at]!.near === null
        ? [idfOf(termKey(term))]
        : [idfOf(termKey(term)), idfOf(nearStatisticsKey(term))],
    ),
  };
}

function holdersIn(postings: TermPostings): number {
  return postings.holders ?? holdersOf(postings.seqs);
}

/**
 * Whether a query term held by `heldBy` memories may be read as a typo of a
 * near word: only while few hold it (`MAX_TYPO_HOLDERS`), only for words
 * long enough to have a typo allowance, and never when a word the query
 * wrote for it is a real English word or a common first name
 * (known-words.ts): "cancel" is not "cancer", "Marie" not "Maria".
 */
function mayBeTypo(heldBy: number, words: readonly string[]): boolean {
  return (
    heldBy <= MAX_TYPO_HOLDERS &&
    words.some((word) => typoAllowance(word) > 0) &&
    !words.some(isKnownWord)
  );
}
