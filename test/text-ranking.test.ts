import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT, readConfig } from '../src/core/config';
import {
  fuseScores,
  keepsTextOrder,
  normalizeScores,
  standoutLevel,
  standoutScores,
} from '../src/durable/queries/score-fusion';
import { rankPassages, type ScoredPassages } from '../src/durable/full-text/text-ranker';
import { DEFAULT_TEXT_RANKING } from '../src/durable/full-text/text-ranking';
import { TextTimeline } from '../src/durable/full-text/text-timeline';
import { opensWithSpeakerLabel, voiceOf } from '../src/durable/full-text/turn-voices';
import {
  CHUNK_OVERLAP,
  CHUNK_WORDS,
  chunkSpans,
  chunkWordRanges,
  chunksHolding,
} from '../src/text/chunks';
import { queryDates, readQueryDates } from '../src/text/query-dates';
import { writesTermOf } from '../src/text/stem-collisions';
import { indexTerm, queryNames, queryTerms, tokenize } from '../src/text/tokens';

/** Scores by passage. */
const byPassage = ({ passages, scores }: ScoredPassages) =>
  new Map(Array.from(passages, (passage, i) => [passage, scores[i]!] as const));

const scored = (entries: [string, number][]) => entries.map(([key, score]) => ({ key, score }));

describe('score fusion', () => {
  it('normalises each side over its pool, best to 1 and weakest to 0', () => {
    expect([
      ...normalizeScores(
        scored([
          ['a', 12],
          ['b', 7],
          ['c', 2],
        ]),
      ),
    ]).toEqual([
      ['a', 1],
      ['b', 0.5],
      ['c', 0],
    ]);
  });

  it('gives a flat side 1 everywhere, so the other side decides', () => {
    const fused = fuseScores(
      scored([
        ['a', 0.4],
        ['b', 0.4],
      ]),
      scored([
        ['a', 1],
        ['b', 3],
      ]),
      0.3,
    );
    expect(fused.get('a')).toBeCloseTo(0.3);
    expect(fused.get('b')).toBeCloseTo(1);
  });

  it('keeps the other side as it is when one side is empty', () => {
    const text = scored([
      ['a', 5],
      ['b', 1],
    ]);
    expect(fuseScores([], text, 0.3)).toEqual(normalizeScores(text));
    expect(fuseScores(text, [], 0.3)).toEqual(normalizeScores(text));
  });

  it('combines the sides convexly, a memory outside a pool getting 0 from it', () => {
    const fused = fuseScores(
      scored([
        ['v', 0.9],
        ['both', 0.5],
        ['low', 0.1],
      ]),
      scored([
        ['t', 8],
        ['both', 4],
        ['low-text', 0],
      ]),
      0.25,
    );
    expect(fused.get('v')).toBeCloseTo(0.25);
    expect(fused.get('t')).toBeCloseTo(0.75);
    expect(fused.get('both')).toBeCloseTo(0.25 * 0.5 + 0.75 * 0.5);
  });
});

describe('standout fusion', () => {
  // A window of 100 rows whose similarities spread evenly around 0.65 (sd
  // 0.05), in a vault where a memory holding each query word once scores 9.
  const window = { rows: 100, mean: 0.65, deviation: 0.05, fullMatch: 9 };
  const level = standoutLevel(100); // ≈ 3.03 standard deviations

  it('puts the noise level where the best of n noise rows lands, growing slowly with n', () => {
    expect(standoutLevel(1)).toBe(0);
    expect(standoutLevel(8)).toBeCloseTo(2.04, 2);
    expect(level).toBeCloseTo(3.03, 2);
    expect(standoutLevel(50_000)).toBeCloseTo(4.65, 2);
  });

  it('counts only rows above the noise level, by the share of their standout noise does not explain', () => {
    const at = (z: number) => window.mean + z * window.deviation;
    const evidence = standoutScores(
      scored([
        ['far', at(level + 2)],
        ['near', at(level + 1)],
        ['noise', at(level - 0.1)],
        ['typical', at(1)],
      ]),
      window,
    );
    expect([...evidence.keys()]).toEqual(['far', 'near']);
    expect(evidence.get('far')).toBeCloseTo(1 - level / (level + 2));
    expect(evidence.get('near')).toBeCloseTo(1 - level / (level + 1));
    // Not relative to the window's best: a lone standout is not stretched to 1.
    expect(standoutScores(scored([['near', at(level + 1)]]), window).get('near')).toBeCloseTo(
      1 - level / (level + 1),
    );
    // A window whose rows all score alike carries no evidence at all.
    expect(standoutScores(scored([['a', 0.9]]), { rows: 5, mean: 0.9, deviation: 0 }).size).toBe(0);
  });

  it('keeps the text order when no vector stands out, whatever the weight', () => {
    const vector = scored([
      ['weak-text', 0.78], // the pool's best, but within the noise (z 2.6)
      ['strong-text', 0.66],
      ['vector-only', 0.7],
    ]);
    const text = scored([
      ['strong-text', 9],
      ['weak-text', 3],
      ['weakest', 1],
    ]);
    for (const weight of [0.2, 0.3, 0.45, 0.8]) {
      const fused = fuseScores(vector, text, weight, window);
      const order = [...fused].sort((a, b) => b[1] - a[1]).map(([key]) => key);
      expect(order.slice(0, 2), `weight ${weight}`).toEqual(['strong-text', 'weak-text']);
      expect(fused.get('vector-only')).toBe(0);
    }
    // Min-max over the pool (the former fusion) stretches that noise to [0, 1].
    const minMax = fuseScores(vector, text, 0.45);
    expect(minMax.get('weak-text')!).toBeGreaterThan(minMax.get('strong-text')!);
  });

  it('lets a memory that stands out by meaning in, below the best text match', () => {
    const meant = window.mean + 3 * level * window.deviation;
    const vector = scored([
      ['meant', meant],
      ['strong-text', 0.66],
    ]);
    const text = scored([
      ['strong-text', 9],
      ['weak-text', 3],
      ['weakest', 1],
    ]);
    const fused = fuseScores(vector, text, 0.3, window);
    // Text on its full-match scale: s / (s + 9); vectors: 1 − level / z.
    expect(fused.get('meant')).toBeCloseTo(0.3 * (2 / 3));
    expect(fused.get('strong-text')).toBeCloseTo(0.7 * 0.5);
    expect(fused.get('weak-text')).toBeCloseTo(0.7 * 0.25);
    expect(fused.get('meant')!).toBeGreaterThan(fused.get('weak-text')!);
    expect(fused.get('meant')!).toBeLessThan(fused.get('strong-text')!);
  });

  it('scores alike in every vault: no word match and no standout is no evidence, not a perfect match', () => {
    const vector = scored([
      ['closest', window.mean + 2 * window.deviation],
      ['next', window.mean + window.deviation],
    ]);
    // No word of the query in the vault: the vectors rank, but nothing scores.
    const fused = fuseScores(vector, [], 0.3, { ...window, fullMatch: 20 });
    expect([...fused.values()]).toEqual([0, 0]);
    // The same text score means the same in any vault with the same full match,
    // whatever the vault's best: a lone weak match is not lifted to 1.
    const lone = fuseScores([], scored([['weak', 3]]), 0.3, window);
    const amongBetter = fuseScores(
      [],
      scored([
        ['strong', 27],
        ['weak', 3],
      ]),
      0.3,
      window,
    );
    expect(lone.get('weak')).toBeCloseTo(0.7 * 0.25);
    expect(amongBetter.get('weak')).toBe(lone.get('weak'));
  });
  it('lifts a word match by its vector evidence at most level with the one text ranked above', () => {
    const at = (z: number) => window.mean + z * window.deviation;
    const vector = scored([
      ['third', at(level + 2)],
      ['second', at(level + 1)],
      ['vector-only', at(level + 1.5)],
    ]);
    const text = scored([
      ['first', 9.2],
      ['second', 9],
      ['third', 8.8],
      ['weak', 0.5],
    ]);
    const fused = fuseScores(vector, text, 0.3, window);
    // Plain convex sums would put third, then second, above first.
    const first = 0.7 * (9.2 / (9.2 + 9));
    expect(fused.get('first')).toBeCloseTo(first);
    expect(fused.get('second')).toBeCloseTo(first);
    expect(fused.get('third')).toBeCloseTo(first);
    // Vector evidence still counts against what only the vectors found.
    expect(fused.get('vector-only')).toBeCloseTo(0.3 * (1 - level / (level + 1.5)));
    expect(fused.get('weak')!).toBeLessThan(fused.get('vector-only')!);
    // Once vectors weigh as much as words, the convex sum stands.
    const even = fuseScores(vector, text, 0.5, window);
    expect(even.get('third')!).toBeGreaterThan(even.get('first')!);
    expect(keepsTextOrder(0.3, window)).toBe(true);
    expect(keepsTextOrder(0.5, window)).toBe(false);
    expect(keepsTextOrder(0.3)).toBe(false);
  });
});

describe('dates named in a query', () => {
  const HOUR = 3_600_000;
  const june3 = Date.UTC(2023, 5, 3);
  /** A Wednesday afternoon. */
  const NOW = Date.UTC(2026, 10, 18, 15);
  /** The UTC days or periods a query names, as [first day, day after] in ISO. */
  const named = (query: string, now = NOW, offsetMinutes = 0) =>
    queryDates(query, now, offsetMinutes).map(({ kind, start, end }) => [
      kind,
      new Date(start).toISOString().slice(0, 10),
      new Date(end).toISOString().slice(0, 10),
    ]);

  it('reads days in the usual English forms, as the day in any time zone', () => {
    for (const query of [
      'What did Maria say on 3 June, 2023?',
      'what happened on 3rd of june 2023',
      'What did Maria say on June 3, 2023?',
      'Anything from Jun 3rd 2023?',
      'the picture shared on June 3,2023',
      'notes of 2023-06-03',
      'notes of 3/6/2023', // 3 June, or 6 March (below)
    ]) {
      expect(queryDates(query, NOW), query).toContainEqual({
        kind: 'day',
        from: june3 - 14 * HOUR,
        until: june3 + 24 * HOUR + 12 * HOUR,
        start: june3,
        end: june3 + 24 * HOUR,
        fromNow: false,
      });
    }
  });

  it('reads a month with its year, and a day without one as the latest and the coming such day', () => {
    expect(queryDates('What did John do in July 2023?', NOW)).toEqual([
      {
        kind: 'month',
        from: Date.UTC(2023, 6, 1) - 14 * HOUR,
        until: Date.UTC(2023, 7, 1) + 12 * HOUR,
        start: Date.UTC(2023, 6, 1),
        end: Date.UTC(2023, 7, 1),
        fromNow: false,
      },
    ]);
    // A day is not read a second time as its month.
    expect(queryDates('on June 3, 2023 and in August, 2024', NOW).map((date) => date.kind)).toEqual(
      ['day', 'month'],
    );
    expect(named('What did she do on June 3?')).toEqual([
      ['day', '2026-06-03', '2026-06-04'],
      ['day', '2027-06-03', '2027-06-04'],
    ]);
    // Not yet this year: last year's, and the coming one (before: last year's only).
    expect(named('on December 24th')).toEqual([
      ['day', '2025-12-24', '2025-12-25'],
      ['day', '2026-12-24', '2026-12-25'],
    ]);
    // The next 29 February is more than a year away.
    expect(named('Feb 29th')).toEqual([['day', '2024-02-29', '2024-03-01']]);
    expect(named('on 31 June 2023')).toEqual([]); // no such day
  });

  it('leaves "may", "march" and weekdays that name no date alone', () => {
    for (const query of [
      'What may 20 people do?',
      'this may help',
      'March 3 steps forward',
      'the last marathon',
      'the last mayor',
      'top 10 june songs',
      'yoga every Friday',
      'on the Sunday before',
      'open 24/7',
      'the 10 best films of 2026',
      'room 1850 in 3000 steps',
    ])
      expect(named(query), query).toEqual([]);
    expect(named('on May 20')).toEqual([
      ['day', '2026-05-20', '2026-05-21'],
      ['day', '2027-05-20', '2027-05-21'],
    ]);
    expect(named('in March')).toEqual([
      ['month', '2026-03-01', '2026-04-01'],
      ['month', '2027-03-01', '2027-04-01'],
    ]);
    // A third of a month, with or without "in" (review 213), its year's too.
    for (const query of ['in late September', 'late September', 'at the end of September'])
      expect(named(query), query).toEqual([
        ['week', '2026-09-21', '2026-10-01'],
        ['week', '2027-09-21', '2027-10-01'],
      ]);
    expect(named('mid-June 2023')).toEqual([['week', '2023-06-11', '2023-06-21']]);
    expect(named('in early February')).toEqual([
      ['week', '2026-02-01', '2026-02-11'],
      ['week', '2027-02-01', '2027-02-11'],
    ]);
    // "late, may I": no date.
    expect(named('it is late may I go')).toEqual([]);
  });

  it('reads numeric days in either order, both days when both orders make one', () => {
    expect(named('3/3/2026')).toEqual([['day', '2026-03-03', '2026-03-04']]);
    expect(named('25/3/2026')).toEqual([['day', '2026-03-25', '2026-03-26']]);
    expect(named('3/25/2026')).toEqual([['day', '2026-03-25', '2026-03-26']]);
    expect(named('4.3.2026')).toEqual([
      ['day', '2026-03-04', '2026-03-05'],
      ['day', '2026-04-03', '2026-04-04'],
    ]);
    expect(named('2026-05')).toEqual([['month', '2026-05-01', '2026-06-01']]);
    expect(named('2026-13')).toEqual([]);
  });

  it('resolves dates said relative to now against its UTC day', () => {
    const cases: [string, string[][]][] = [
      ['what happened today?', [['day', '2026-11-18', '2026-11-19']]],
      ['what happened yesterday?', [['day', '2026-11-17', '2026-11-18']]],
      ['the day before yesterday', [['day', '2026-11-16', '2026-11-17']]],
      ['3 days ago', [['day', '2026-11-15', '2026-11-16']]],
      // Weeks run Monday to Sunday.
      ['what happened last week?', [['week', '2026-11-09', '2026-11-16']]],
      ['two weeks ago', [['week', '2026-11-02', '2026-11-09']]],
      ['last weekend', [['week', '2026-11-14', '2026-11-16']]],
      // Review 213: the weekend gone by, however said; "the other day"
      // some days back; "the week before last" two weeks back.
      ['over the weekend', [['week', '2026-11-14', '2026-11-16']]],
      ['this past weekend', [['week', '2026-11-14', '2026-11-16']]],
      ['the past weekend', [['week', '2026-11-14', '2026-11-16']]],
      ['the week before last', [['week', '2026-11-02', '2026-11-09']]],
      ['a couple weeks ago', [['week', '2026-11-02', '2026-11-09']]],
      ['the other day', [['week', '2026-11-11', '2026-11-18']]],
      // Periods to come, from tomorrow.
      ['in the next two weeks', [['week', '2026-11-19', '2026-12-03']]],
      ['the week after next', [['week', '2026-11-30', '2026-12-07']]],
      ['last month', [['month', '2026-10-01', '2026-11-01']]],
      ['a couple of months ago', [['month', '2026-09-01', '2026-10-01']]],
      ['last year', [['year', '2025-01-01', '2026-01-01']]],
      ['what did Anna say last March?', [['month', '2026-03-01', '2026-04-01']]],
      [
        'What did I do in May?',
        [
          ['month', '2026-05-01', '2026-06-01'],
          ['month', '2027-05-01', '2027-06-01'],
        ],
      ],
      // The latest Friday before today (the 18th is a Wednesday).
      ['on Friday', [['day', '2026-11-13', '2026-11-14']]],
      ['last summer', [['season', '2026-06-01', '2026-09-01']]],
      ['spring 2026', [['season', '2026-03-01', '2026-06-01']]],
      ['winter 2026', [['season', '2025-12-01', '2026-03-01']]],
      // A season without its year, as "in May" (review 273: "in spring" named nothing).
      [
        'what did we plant in spring?',
        [
          ['season', '2026-03-01', '2026-06-01'],
          ['season', '2027-03-01', '2027-06-01'],
        ],
      ],
      [
        'during the summer',
        [
          ['season', '2026-06-01', '2026-09-01'],
          ['season', '2027-06-01', '2027-09-01'],
        ],
      ],
      [
        'over the winter',
        [
          ['season', '2025-12-01', '2026-03-01'],
          ['season', '2026-12-01', '2027-03-01'],
        ],
      ],
      ['in the spring of 2023', [['season', '2023-03-01', '2023-06-01']]],
    ];
    for (const [query, dates] of cases) expect(named(query), query).toEqual(dates);
    // "Last" skips the month (season, weekday) we are in, "in" does not.
    const march10 = Date.UTC(2026, 2, 10, 12);
    expect(named('last March', march10)).toEqual([['month', '2025-03-01', '2025-04-01']]);
    expect(named('in March', march10)).toEqual([
      ['month', '2026-03-01', '2026-04-01'],
      ['month', '2027-03-01', '2027-04-01'],
    ]);
    expect(named('on Tuesday', march10)).toEqual([['day', '2026-03-03', '2026-03-04']]);
  });

  it('reads a day of the month alone as the latest such day and the coming one', () => {
    // The 18th of November: the 16th was two days ago, the 20th is to come.
    expect(named('what did we talk about on the 16th')).toEqual([
      ['day', '2026-11-16', '2026-11-17'],
      ['day', '2026-12-16', '2026-12-17'],
    ]);
    expect(named('the 20th?')).toEqual([
      ['day', '2026-10-20', '2026-10-21'],
      ['day', '2026-11-20', '2026-11-21'],
    ]);
    // The 31st: of the latest and the next month that has one.
    expect(named('on the 31st')).toEqual([
      ['day', '2026-10-31', '2026-11-01'],
      ['day', '2026-12-31', '2027-01-01'],
    ]);
    expect(named('on the 18th and the 1st')).toEqual([
      ['day', '2026-11-18', '2026-11-19'],
      ['day', '2026-12-18', '2026-12-19'],
      ['day', '2026-11-01', '2026-11-02'],
      ['day', '2026-12-01', '2026-12-02'],
    ]);
    // An ordinal that numbers something else names no day.
    for (const query of ['the 3rd time', 'the 16th century', 'on the 4th floor', 'the 45th'])
      expect(named(query), query).toEqual([]);
  });

  it('reads the forms a review found unread, and dates no calendar has as no date', () => {
    // Before: each named nothing (and its numbers matched "3 trips", "30 minutes").
    const cases: [string, string[][]][] = [
      ['in the last 3 days', [['week', '2026-11-16', '2026-11-19']]],
      ['over the past two weeks', [['week', '2026-11-05', '2026-11-19']]],
      ['the past week', [['week', '2026-11-12', '2026-11-19']]],
      ['the past month', [['month', '2026-10-19', '2026-11-19']]],
      ['a few days ago', [['week', '2026-11-14', '2026-11-17']]],
      ['2 days back', [['day', '2026-11-16', '2026-11-17']]],
      ['0 days ago', [['day', '2026-11-18', '2026-11-19']]],
      ['this weekend', [['week', '2026-11-21', '2026-11-23']]],
      ['next Monday', [['day', '2026-11-23', '2026-11-24']]],
      ['next week', [['week', '2026-11-23', '2026-11-30']]],
      ['next month', [['month', '2026-12-01', '2027-01-01']]],
      ['what happened in 2026', [['year', '2026-01-01', '2027-01-01']]],
      ['2026', [['year', '2026-01-01', '2027-01-01']]],
      ['Tuesday night', [['day', '2026-11-17', '2026-11-18']]],
      // US month/day with a two-digit year; a day and month without a year.
      ['11/20/26', [['day', '2026-11-20', '2026-11-21']]],
      [
        '4/30',
        [
          ['day', '2026-04-30', '2026-05-01'],
          ['day', '2027-04-30', '2027-05-01'],
        ],
      ],
      ['2/30/2026', []],
      ['2026-02-29', []],
    ];
    for (const [query, dates] of cases) expect(named(query), query).toEqual(dates);
  });

  it("uses now's offset for the calendar's days", () => {
    // 2026-11-18T23:30Z is already the 19th at +09:00 (and still the 18th in UTC).
    const late = Date.UTC(2026, 10, 18, 23, 30);
    expect(named('today', late)).toEqual([['day', '2026-11-18', '2026-11-19']]);
    const [today] = queryDates('today', late, 9 * 60);
    // The 19th as it runs at +09:00: from 15:00Z on the 18th.
    expect(new Date(today!.start).toISOString()).toBe('2026-11-18T15:00:00.000Z');
    expect(new Date(today!.end).toISOString()).toBe('2026-11-19T15:00:00.000Z');
  });

  it("keeps a date's names and days as words, not its counts, digits or connectives", () => {
    const words = (query: string) => queryTerms(readQueryDates(query, NOW).words, 'full', 'drop');
    // A numeric date's digits are no words ("2026-10-04" found a memory saying "10").
    expect(words('what did I do on 2026-10-04')).toEqual([]);
    expect(words('11/20/26')).toEqual([]);
    // Not a date and shaped like one: dropped, not "30 minutes".
    expect(words('2/30/2026 plans')).toEqual(['plan']);
    // Before: "October" only, and a spoken date lost its month and day. A
    // day's year is no word (turns that mention the year are no answer).
    expect(words('what happened on October 4th, 2026')).toEqual(['octob', '4th']);
    expect(words('what do I have on December 4th')).toEqual(['decemb', '4th']);
    // A bare day is read as its ordinal: "4 pears" is no December 4th.
    expect(words('anything on Dec 4')).toEqual(['anyth', 'dec', '4th']);
    expect(words('hiking in Oct 2026 with 10 friends')).toEqual(['hike', 'oct', '10', 'friend']);
    // A year that is the date stays a word.
    expect(words('what happened in 2026')).toEqual(['2026']);
    expect(words('the hike last summer')).toEqual(['hike', 'summer']);
    expect(words('what did Anna say last March?')).toEqual(['anna', 'march']);
    // A date said relative to today is no word: "…last week." said in
    // October is no answer to "this week" (its period's memories are). A
    // day it names is its ordinal, as a memory's text writes that day
    // ("16th", with "November 16" and the other phrases as its spellings).
    // "last weekend" and "last Friday" likewise (review 213): "weekend"
    // and "Friday" stay words only for a weekend or day that may be to come.
    expect(words('What did Caroline do last weekend?')).toEqual(['carolin']);
    expect(words('what did Caroline do on the weekend?')).toEqual([
      'carolin',
      'weekend',
      '21st',
      '22nd',
    ]);
    expect(words('what did Caroline do last Friday?')).toEqual(['carolin', '13th']);
    expect(words('what did Caroline do on Friday?')).toEqual(['carolin', 'fridai', '13th', '20th']);
    expect(words('lunch the day before yesterday')).toEqual(['lunch', '16th']);
    expect(words('what did priya do this week')).toEqual(['priya']);
    expect(words('what did siobhan say 2 weeks ago')).toEqual(['siobhan']);
    expect(words('dinner last night, lunch this morning, today')).toEqual([
      'dinner',
      'lunch',
      '17th',
      '18th',
    ]);
    // A weekday alone: the latest (Tuesday the 17th) and the coming one.
    expect(words('the party on Tuesday night')).toEqual([
      'parti',
      'tuesdai',
      'night',
      '17th',
      '24th',
    ]);
    expect(words('what are we doing tomorrow?')).toEqual(['19th']);
    expect(words('on the 16th')).toEqual(['16th']);
    // Counts and units say how far back, not what happened ("3 trips", "all day").
    expect(words('what happened 3 days ago')).toEqual([]);
    expect(words('in the last 3 days')).toEqual([]);
    expect(words('a few days ago')).toEqual([]);
    // Numbers and words that name no date stay words.
    expect(words('the 10 best films of 2026')).toEqual(['10', 'best', 'film', '2026']);
    expect(words('my last day at work')).toEqual(['last', 'dai', 'work']);
    expect(words('open 24/7')).toEqual(['open', '24', '7']);
    // The other spelling of a date's month, matched as the word itself.
    const monthSpellings = (query: string) =>
      readQueryDates(query, NOW).spellings.filter(([word]) => !/^\d/u.test(word));
    expect(monthSpellings('anything on Dec 4')).toEqual([['dec', 'december']]);
    expect(monthSpellings('on December 4th')).toEqual([['december', 'dec']]);
  });

  it("looks for a day's ordinal also as the phrases a text writes that day as", () => {
    // Asked on 18 November: "the 28th" is 28 October and 28 November.
    const phrases = readQueryDates('what about the 28th?', NOW).spellings;
    expect(new Set(phrases.map(([word]) => word))).toEqual(new Set(['28th']));
    const written = phrases.map(([, phrase]) => phrase);
    for (const phrase of ['november 28', 'nov 28', '28 november', '28 11', '11 28'])
      expect(written).toContain(phrase);
    expect(written).toContain('28 oct');
    expect(written).toContain('twenty eighth');
    // Never the number alone, nor a phrase of a function word ("of").
    expect(written).not.toContain('28');
    expect(written.filter((phrase) => /\b(?:of|the)\b/u.test(phrase))).toEqual([]);
    // A day below 10 is also written with its zero ("05/03"); a round day in one word.
    expect(readQueryDates('on March 5th', NOW).spellings).toContainEqual(['5th', '05 03']);
    expect(readQueryDates('on March 20th', NOW).spellings).toContainEqual([
      '20th',
      'march twentieth',
    ]);
    // A day asked in words from the fourth on; "the first" mostly numbers something else.
    const spelled = readQueryDates('what about the twenty-eighth?', NOW);
    expect(queryTerms(spelled.words)).toEqual(['28th']);
    expect(spelled.spellings).toEqual(phrases);
    expect(readQueryDates('on the fifth', NOW).dates).toHaveLength(2);
    expect(readQueryDates('was it the first?', NOW).dates).toEqual([]);
    expect(readQueryDates('the fifth time', NOW).dates).toEqual([]);
    // A date without its day adds none ("in May"), nor do words that name no day.
    expect(readQueryDates('in May', NOW).spellings).toEqual([]);
    expect(readQueryDates('the 3rd time', NOW).spellings).toEqual([]);
  });
});

describe('chunks', () => {
  it('cuts long text into overlapping windows of words that cover every word', () => {
    expect(chunkWordRanges(120)).toEqual([{ first: 0, count: 120 }]);
    for (const words of [CHUNK_WORDS + 1, 1201, 5000]) {
      const ranges = chunkWordRanges(words);
      expect(ranges[0]!.first).toBe(0);
      expect(ranges.at(-1)!.first + ranges.at(-1)!.count).toBe(words);
      for (let i = 1; i < ranges.length; i++) {
        expect(ranges[i - 1]!.first + ranges[i - 1]!.count - ranges[i]!.first).toBe(CHUNK_OVERLAP);
      }
      // Every word sits in the chunks chunksHolding names, and only those.
      for (let offset = 0; offset < words; offset++) {
        const holding = ranges.flatMap((range, chunk) =>
          offset >= range.first && offset < range.first + range.count ? [chunk] : [],
        );
        expect(chunksHolding(words, offset)).toEqual(holding);
      }
    }
  });

  it('gives chunk spans from the first word of a chunk to the end of its last', () => {
    const text = Array.from({ length: 700 }, (_, i) => `w${i}`).join(' ');
    const spans = chunkSpans(text);
    expect(spans).toHaveLength(3);
    expect(text.slice(spans[1]!.start, spans[1]!.end).split(' ')).toEqual(
      Array.from({ length: 300 }, (_, i) => `w${270 + i}`),
    );
    expect(chunkSpans('short text')).toEqual([{ start: 0, end: 10 }]);
  });

  it('splits a text of one-letter words at the same word whether or not it is short', () => {
    // 300 words fill 599 characters (one chunk, found without reading its
    // words); 301 fill 601 and make two chunks, the second from word 270.
    const words = (n: number) => Array.from({ length: n }, (_, i) => 'abc'[i % 3]).join(' ');
    expect(chunkSpans(words(300))).toEqual([{ start: 0, end: 599 }]);
    expect(chunkSpans(`${words(300)} `)).toEqual([{ start: 0, end: 600 }]);
    expect(chunkSpans(words(301))).toEqual([
      { start: 0, end: 599 },
      { start: 540, end: 601 },
    ]);
    expect(chunkSpans(` ${words(300)} `)).toEqual([{ start: 0, end: 601 }]);
  });
});

describe('query words', () => {
  it('looks up stems of the words that carry meaning', () => {
    expect(queryTerms('What did Caroline paint at the Museum?')).toEqual([
      'carolin',
      'paint',
      'museum',
    ]);
    // Question words, pronouns and the letters left by apostrophes carry none.
    expect(queryTerms("When does she think Jon's band plays?")).toEqual([
      'think',
      'jon',
      'band',
      'plai',
    ]);
    expect(queryTerms('who are you')).toEqual([]);
    expect(queryTerms('who are you', 'full', 'keep')).toEqual(['who', 'ar', 'you']);
    expect(tokenize('Zoë’s café')).toEqual([
      { term: 'zoe', start: 0, end: 3 },
      { term: 's', start: 4, end: 5 },
      { term: 'cafe', start: 6, end: 10 },
    ]);
  });

  it('reads contractions typed without an apostrophe as function words, unless they are words', () => {
    // As "what's" is: the stemmer would read "whats" as "what", "hows" as "how".
    expect(queryTerms('whats up with jon')).toEqual(queryTerms("what's up with jon"));
    expect(queryTerms('whats up with jon')).toEqual(['jon']);
    expect(queryTerms('hows biscuit')).toEqual(['biscuit']);
    expect(queryTerms('wheres maya living these days')).toEqual(['maya', 'live', 'dai']);
    for (const typed of ['whos', 'thats', 'im', 'ive', 'dont', 'didnt', 'cant', 'isnt'])
      expect(queryTerms(`${typed} biscuit`), typed).toEqual(['biscuit']);
    for (const typed of ['wasnt', 'youre', 'theyre', 'lets', 'wont', 'shouldnt', 'theyve'])
      expect(queryTerms(`${typed} biscuit`), typed).toEqual(['biscuit']);
    // With the apostrophe, a negation's first part is no word either ("Don", "won").
    expect(queryTerms("don't forget, I won't go, it didn't rain")).toEqual([
      'forget',
      'go',
      'rain',
    ]);
    // Not names either when capitalised: "Whats" opens a sentence, "Dont" may not.
    expect(
      queryNames('Whats up, Dont you know Jon?')
        .filter((name) => !name.lowerCase)
        .map((name) => name.word),
    ).toEqual(['jon']);
    // English words of their own stay words: an ID, being ill, a shed.
    for (const word of ['ill', 'id', 'hell', 'shell', 'wed', 'shed'])
      expect(queryTerms(`${word} biscuit`), word).toEqual([indexTerm(word), 'biscuit']);
  });

  it('leaves out the verbs that shape a question about a conversation, not their nouns', () => {
    expect(queryTerms('what did kenji say')).toEqual(['kenji']);
    expect(queryTerms('what did Kenji tell you about the cello?')).toEqual(['kenji', 'cello']);
    expect(queryTerms('can you remind me what maria said?')).toEqual(['maria']);
    expect(queryTerms('what did we talk about on the trip')).toEqual(['trip']);
    expect(queryTerms('who mentioned the wedding, what happened there')).toEqual(['wed']);
    expect(queryTerms('what was discussed')).toEqual([]);
    // "talk" as a noun, and reminders asked for, stay words.
    expect(queryTerms('when is my talk at the conference')).toEqual(['talk', 'confer']);
    expect(queryTerms('any reminders?')).toEqual(['remind']);
    // The package's list alone (the recall ablation) reads them as before.
    expect(queryTerms('what did kenji say', 'basic')).toEqual(['kenji', 'sai']);
  });

  it('reads capitalised words as names, marking those that open a sentence', () => {
    expect(
      queryNames('When did Caroline meet Jon in Paris? Melanie knows.').filter(
        (name) => !name.lowerCase,
      ),
    ).toEqual([
      { term: 'carolin', word: 'caroline', sentenceStart: false },
      { term: 'jon', word: 'jon', sentenceStart: false },
      { term: 'pari', word: 'paris', sentenceStart: false },
      { term: 'melani', word: 'melanie', sentenceStart: true },
    ]);
  });

  it('offers words typed in lower case as names the vault may know, never as sure ones', () => {
    expect(queryNames('when did caroline meet Jon?')).toEqual([
      { term: 'carolin', word: 'caroline', sentenceStart: true, lowerCase: true },
      { term: 'meet', word: 'meet', sentenceStart: true, lowerCase: true },
      { term: 'jon', word: 'jon', sentenceStart: false },
    ]);
  });
});

describe('text timeline and contextual BM25', () => {
  const T = 1_000_000;
  /** Turns of a transcript: each names its speaker, so context flows between them. */
  const TURN = voiceOf('USER', 'Jon: went hiking', false);

  it('keeps memories in (time, insertion) order through backfills and deletes', () => {
    const timeline = new TextTimeline();
    timeline.insert([
      { seq: 1, createdAt: T, words: 4, voice: TURN },
      { seq: 2, createdAt: T, words: 5, voice: TURN },
      { seq: 3, createdAt: T + 10, words: 3, voice: TURN },
    ]);
    timeline.insert([{ seq: 4, createdAt: T - 5, words: 2, voice: TURN }]); // backfilled before all
    timeline.insert([{ seq: 5, createdAt: T, words: 700, voice: TURN }]); // same time as 1 and 2, stored later
    const order = () => Array.from({ length: timeline.size }, (_, p) => timeline.seqAt(p));
    expect(order()).toEqual([4, 1, 2, 5, 5, 5, 3]); // seq 5 is three chunks
    expect(timeline.memoryCount).toBe(5);
    expect(timeline.rangeAt(4)).toEqual({ first: 270, count: 300 });
    const holding: number[] = [];
    timeline.passagesHolding(5, 285, holding);
    expect(holding).toEqual([3, 4]);
    expect(timeline.range(T - 5, T)).toEqual({ start: 1, end: 6 });
    expect(timeline.remove(5)).toBe(true);
    expect(order()).toEqual([4, 1, 2, 3]);
    expect(timeline.firstPassageOf(3)).toBe(3);
    expect(timeline.remove(5)).toBe(false);
  });

  it('scores neighbours at falling weights, and not across a long pause', () => {
    const timeline = new TextTimeline();
    const at = [0, 1, 2, 3, 4, 5, 6].map((i) => T + i * 60_000);
    at.push(T + 3 * 86_400_000); // days later
    timeline.insert(at.map((createdAt, i) => ({ seq: i + 1, createdAt, words: 5, voice: TURN })));
    // The term occurs once, in memory 4 (passage 3).
    const scores = byPassage(
      rankPassages(timeline, [{ seqs: [4], offsets: [2] }], DEFAULT_TEXT_RANKING),
    );
    expect([...scores.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(scores.get(3)!).toBeGreaterThan(scores.get(2)!);
    expect(scores.get(2)!).toBeGreaterThan(scores.get(1)!);
    expect(scores.get(1)!).toBeGreaterThan(scores.get(0)!);
    expect(scores.get(2)).toBeCloseTo(scores.get(4)!);
    expect(scores.has(7)).toBe(false);
  });

  it('lends context between turns of a conversation, never between plain notes', () => {
    const term = [{ seqs: [2], offsets: [0] }];
    // Three memories a minute apart; the term is in the middle one.
    const scoredWith = (voices: number[]) => {
      const timeline = new TextTimeline();
      timeline.insert(
        voices.map((voice, i) => ({ seq: i + 1, createdAt: T + i * 60_000, words: 5, voice })),
      );
      return [...byPassage(rankPassages(timeline, term, DEFAULT_TEXT_RANKING)).keys()].sort();
    };
    const note = voiceOf('USER', 'I drive a blue Volvo', false);
    const user = voiceOf('USER', 'Any ideas for Kyoto?', false);
    const reply = voiceOf('ASSISTANT', 'Try the temples', false);
    const labelled = voiceOf('USER', 'Caroline: I went', false);
    const saidBy = voiceOf('USER', 'I went', true); // metadata names the speaker
    expect(scoredWith([note, note, note])).toEqual([1]);
    expect(scoredWith([reply, user, reply])).toEqual([0, 1, 2]);
    expect(scoredWith([labelled, saidBy, labelled])).toEqual([0, 1, 2]);
    // A labelled turn beside a plain note: the note is not part of it.
    expect(scoredWith([note, labelled, labelled])).toEqual([1, 2]);
    // System messages are not a side of the conversation.
    expect(scoredWith([voiceOf('SYSTEM', 'Be brief', false), user, note])).toEqual([1]);

    expect(
      ['Caroline: yes', 'Dr. Jane Smith: ok', 'Gina:', '美咲: はい'].map(opensWithSpeakerLabel),
    ).toEqual([true, true, true, true]);
    expect(
      [
        'https://example.com',
        'note: lower case',
        '10:30 meeting',
        'A very long label that is no name: x',
        'I drive a Volvo',
      ].map(opensWithSpeakerLabel),
    ).toEqual([false, false, false, false, false]);
  });

  it('lets a turn of small talk alone neither borrow nor lend, nor match by its label', () => {
    const timeline = new TextTimeline();
    const turns = [
      'Jon: I have to cancel my dentist appointment',
      'Dr. Jane Smith: ok haha',
      'Jon: thanks for understanding',
      // Past the 64 characters a timeline load reads: never taken for small talk.
      `Maya: ${'haha '.repeat(13)}ok`,
    ];
    timeline.insert(
      turns.map((content, i) => ({
        seq: i + 1,
        createdAt: T + i * 60_000,
        words: tokenize(content).length,
        voice: voiceOf('USER', content, false),
      })),
    );
    const scored = (seqs: number[], offsets: number[]) =>
      [
        ...byPassage(rankPassages(timeline, [{ seqs, offsets }], DEFAULT_TEXT_RANKING)).keys(),
      ].sort();
    // "cancel" (memory 1) reaches memory 3 through the small talk, never memory 2 itself.
    expect(scored([1], [4])).toEqual([0, 2, 3]);
    // "jane" of the label does not find memory 2; its "haha" does, and lends it to no one.
    expect(scored([2], [1])).toEqual([]);
    expect(scored([2], [4])).toEqual([1]);
    // The long one is an ordinary turn: its label matches, and it borrows.
    expect(scored([4], [0])).toEqual([0, 2, 3]);
  });

  it('ranks a timeline after writes and deletes as if it had been built with them', () => {
    const minute = 60_000;
    const entry = (seq: number, words = 5 + (seq % 3)) => ({
      seq,
      createdAt: T + seq * minute,
      words,
      voice: TURN,
    });
    const term = { seqs: [2, 5], offsets: [1, 0] };
    const timeline = new TextTimeline();
    timeline.insert([1, 2, 3, 4].map((seq) => entry(seq)));
    const rank = (of: TextTimeline, ranking = DEFAULT_TEXT_RANKING) =>
      byPassage(rankPassages(of, [term], ranking));
    rank(timeline); // ranked once before the changes below
    timeline.insert([entry(5), entry(6, 40)]); // a neighbour of 4 arrives, holding the term
    const fresh = new TextTimeline();
    fresh.insert([1, 2, 3, 4, 5, 6].map((seq) => entry(seq, seq === 6 ? 40 : undefined)));
    expect(rank(timeline)).toEqual(rank(fresh));
    expect(rank(timeline).has(5)).toBe(true);

    timeline.remove(3);
    fresh.remove(3);
    expect(rank(timeline)).toEqual(rank(fresh));
    // Other context settings: other neighbourhoods.
    const narrow = { ...DEFAULT_TEXT_RANKING, contextDistance: 1, contextWeight: 0.25 };
    expect(rank(timeline, narrow)).toEqual(rank(fresh, narrow));
    expect(rank(timeline, narrow)).not.toEqual(rank(timeline));
  });

  it('still counts a term most memories hold, where FTS5 idf ranks it as absent', () => {
    const timeline = new TextTimeline();
    const hour = 3_600_000;
    timeline.insert(
      Array.from({ length: 4 }, (_, i) => ({
        seq: i + 1,
        createdAt: T + i * hour,
        words: 5,
        voice: TURN,
      })),
    );
    // "melanie" opens three memories of four; "kite" is in one.
    const melanie = { seqs: [1, 2, 3], offsets: [0, 0, 0] };
    const kite = { seqs: [4], offsets: [3] };
    const score = (idf: 'probabilistic' | 'fts5') =>
      byPassage(rankPassages(timeline, [melanie, kite], { ...DEFAULT_TEXT_RANKING, idf }));
    const probabilistic = score('probabilistic');
    expect(probabilistic.get(0)!).toBeGreaterThan(0.1);
    expect(probabilistic.get(3)!).toBeGreaterThan(probabilistic.get(0)!);
    expect(score('fts5').get(0)!).toBeLessThan(1e-5);
  });
});

describe('configuration', () => {
  it('reads HYBRID_VECTOR_WEIGHT as a number from 0 to 1', () => {
    expect(readConfig({}).hybridVectorWeight).toBe(DEFAULT_HYBRID_VECTOR_WEIGHT);
    expect(readConfig({ HYBRID_VECTOR_WEIGHT: '0' }).hybridVectorWeight).toBe(0);
    expect(() => readConfig({ HYBRID_VECTOR_WEIGHT: '1.5' })).toThrow(/HYBRID_VECTOR_WEIGHT/);
  });
});

describe('stem collisions', () => {
  // "news" and "new" share the index term "new"; a memory counts for the one it writes.
  it('tells a memory writing "news" from one writing "new" by its words', () => {
    expect(writesTermOf('news~', 'new', 'any news about the dog?')).toBe(true);
    expect(writesTermOf('new', 'new', 'any news about the dog?')).toBe(false);
    expect(writesTermOf('new', 'new', 'a new job, and other news')).toBe(true);
    expect(writesTermOf('news~', 'new', 'a new job in a newsroom')).toBe(false);
  });

  it('reads a stem ending in i from a word ending in y ("busy" indexes as "busi")', () => {
    expect(writesTermOf('busi', 'busi', 'a Busy week'.toLowerCase())).toBe(true);
    expect(writesTermOf('busi', 'busi', 'my business plan')).toBe(false);
    expect(writesTermOf('business~', 'busi', 'my business plan')).toBe(true);
  });
});
