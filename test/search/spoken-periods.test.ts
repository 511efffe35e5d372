import { describe, expect, it } from 'vitest';
import { SearchDocument } from '../generated/graphql';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * Periods as people say them (outside review 213, findings 4–6): "last
 * weekend", "over the weekend", "last Friday", "a couple weeks ago", "the
 * other day", "late September", "the week before last" say when the
 * question is asked, so what was stored then answers them, not a memory
 * that merely says "weekend", "Friday", "couple" or "end"; and a period to
 * come ("next week", "next month") finds the memories that write its days,
 * or says why nothing was found.
 */
/** A Friday noon. */
const NOW = '2026-11-27T12:00:00.000Z';

/** Priya's turns, each stored at its own time (UTC minute). */
const PRIYA = {
  quiet: ['Priya: The weekend was quiet, mostly reading', '2026-09-14T12:00'],
  hectic: ['Priya: Last week was hectic, and the weekend too', '2026-10-01T12:00'],
  council: ['Priya: Last Friday I went to a council meeting', '2026-07-15T12:00'],
  couple: ['Priya: The couple next door threw a loud party', '2026-10-02T12:00'],
  office: ['Priya: Long day at the office, wrapped up a big project', '2026-09-29T12:00'],
  movie: ['Priya: The movie had a twist at the end, what a day', '2026-10-20T12:00'],
  job: ['Priya: Started at the new job, nice people', '2026-11-03T12:00'],
  pottery: ['Priya: First pottery class, my bowl cracked', '2026-11-13T18:00'],
  kitten: ['Priya: We adopted a kitten today', '2026-11-20T12:00'],
  // The weekend's edges: Saturday early, Sunday late.
  market: ['Priya: Farmers market first thing, got peaches', '2026-11-21T07:00'],
  hike: ['Priya: Went hiking up Mount Tam with my brother', '2026-11-22T21:00'],
} as const satisfies Record<string, readonly [string, string]>;
type Turn = keyof typeof PRIYA;

/** Plans written days before the days they name. */
const CALENDAR = {
  dentist: ['Dentist appointment on December 3rd at 10am', '2026-11-20T12:00'],
  flight: ['Flight to Lisbon on Dec 12', '2026-11-21T12:00'],
  offsite: ['Team offsite is on Monday the 30th', '2026-11-22T12:00'],
  dinner: ['Dinner with Sam tomorrow at 7', '2026-11-26T12:00'],
} as const satisfies Record<string, readonly [string, string]>;

const MODES = ['TEXT', 'HYBRID'] as const;

async function search(key: Key, query: string, mode: (typeof MODES)[number]) {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode, now: NOW, windows: allWindows(5) },
  });
  return { found: search.hits.map((hit) => hit.memory.content), notice: search.notice };
}

const priya = (...turns: Turn[]) => turns.map((turn) => PRIYA[turn][0]);

describe('periods said relative to now', () => {
  it('answers "last weekend" with what was stored that weekend, edges included', async () => {
    const key = await keyWithDatedNotes(PRIYA);
    const weekend = priya('market', 'hike').sort();
    for (const query of [
      'what did Priya do last weekend?',
      'what did Priya do over the weekend?',
      'what did Priya do this past weekend?',
      'what did Priya do the past weekend?',
      'what happened over the weekend?',
      'what happened this past weekend?',
    ])
      for (const mode of MODES) {
        const { found } = await search(key, query, mode);
        // Before: September's "The weekend was quiet" first (the word
        // "weekend"), or alone ("over the weekend" was no period at all).
        expect.soft(found.slice(0, 2).sort(), `${mode} ${query}`).toEqual(weekend);
      }
  });

  it('answers "last Friday" with that Friday, not a memory saying "Friday"', async () => {
    const key = await keyWithDatedNotes(PRIYA);
    for (const query of [
      'what did Priya tell me last Friday?',
      'what did Priya do this past Friday?',
    ])
      for (const mode of MODES) {
        const { found } = await search(key, query, mode);
        // Before: July's "Last Friday I went to a council meeting" first.
        expect.soft(found[0], `${mode} ${query}`).toBe(PRIYA.kitten[0]);
      }
  });

  it('reads common phrasings as their periods, not their words as content', async () => {
    const key = await keyWithDatedNotes(PRIYA);
    const cases: [string, Turn][] = [
      // Monday 9 to Sunday 15 November; before: "The couple next door…".
      ['what did Priya do a couple weeks ago?', 'pottery'],
      ['what did Priya do the week before last?', 'pottery'],
      // Before: "Long day at the office…" or the movie's "what a day".
      ['what did Priya tell me the other day?', 'kitten'],
      ['what did Priya do in late September?', 'office'],
      ['what did Priya do late September?', 'office'],
      ['what did Priya do at the end of September?', 'office'],
      ['what did Priya do in mid-September?', 'quiet'],
      ['what did Priya do in early November?', 'job'],
    ];
    for (const [query, turn] of cases)
      for (const mode of MODES) {
        const { found } = await search(key, query, mode);
        if (query.includes('other day'))
          // Some days back: this week's memories, none from before.
          expect.soft(priya('kitten', 'market', 'hike'), `${mode} ${query}`).toContain(found[0]);
        else expect.soft(found[0], `${mode} ${query}`).toBe(PRIYA[turn][0]);
      }
  });
});

describe('periods to come', () => {
  it('finds the memories that write a day of the period', async () => {
    const key = await keyWithDatedNotes(CALENDAR);
    const plans = (...names: (keyof typeof CALENDAR)[]) =>
      names.map((name) => CALENDAR[name][0]).sort();
    const cases: [string, string[]][] = [
      // Monday 30 November to Sunday 6 December.
      ['what do I have next week?', plans('offsite', 'dentist')],
      ['anything next week?', plans('offsite', 'dentist')],
      // 7 to 13 December.
      ['what do I have the week after next?', plans('flight')],
      // 28 November to 11 December.
      ['what do I have in the next two weeks?', plans('offsite', 'dentist')],
    ];
    for (const [query, expected] of cases)
      for (const mode of MODES) {
        const { found, notice } = await search(key, query, mode);
        // Before: no hits, and no notice.
        expect.soft([...found].sort(), `${mode} ${query}`).toEqual(expected);
        expect.soft(notice, `${mode} ${query}`).toBeNull();
      }
    for (const mode of MODES) {
      const { found } = await search(key, 'what do I have next month?', mode);
      expect
        .soft(found, `${mode} next month`)
        .toEqual(expect.arrayContaining(plans('dentist', 'flight')));
      expect.soft(found, `${mode} next month`).not.toContain(CALENDAR.dinner[0]);
    }
  });

  it('says why a period to come found nothing', async () => {
    const key = await keyWithDatedNotes(CALENDAR);
    for (const mode of MODES) {
      // Saturday 28 and Sunday 29 November: no memory writes either day.
      const { found, notice } = await search(key, 'what do I have this weekend?', mode);
      expect(found, mode).toEqual([]);
      // Before: notice null, as if nothing were stored about anything.
      expect(notice?.reason, mode).toBe('PERIOD_TO_COME');
      expect(notice?.message, mode).toMatch(/to come/u);
    }
  });
});
