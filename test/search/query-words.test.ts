import { beforeAll, describe, expect, it } from 'vitest';
import { newKey } from '../helpers/graphql';
import type { Key } from '../helpers/dated-notes';
import { EVERY_VAULT, searchFriends, storeFourFriends } from '../helpers/four-friends';

/**
 * Which words of a question count, through GraphQL search over an outside
 * review's four vaults of chat (test/helpers/four-friends.ts): words that
 * only shape the question must not find memories that happen to say them.
 */
let key: Key;

beforeAll(async () => {
  key = await newKey();
  await storeFourFriends(key);
});

const contents = (hits: { content: string }[]) => hits.map((hit) => hit.content);

describe('contractions typed without an apostrophe', () => {
  it('finds what the same question with the apostrophe finds', async () => {
    expect(await searchFriends(key, "what's")).toEqual([]);
    expect(await searchFriends(key, 'whats')).toEqual([]);
    const pairs: [typed: string, written: string][] = [
      ['hows biscuit', "how's biscuit"],
      ['whats up with jon', "what's up with jon"],
      ['wheres maya living these days', "where's maya living these days"],
      ['whos minding the plants', "who's minding the plants"],
      ['dont forget the dentist', "don't forget the dentist"],
    ];
    for (const [typed, written] of pairs)
      expect(await searchFriends(key, typed), typed).toEqual(await searchFriends(key, written));
  });

  it('ranks the memories about the subject first, not those saying "how"', async () => {
    const found = contents(await searchFriends(key, 'hows biscuit'));
    expect(found.slice(0, 2).every((content) => content.includes('Biscuit'))).toBe(true);
    expect(found).not.toContain('Maya: Hey Jon! How was your weekend?');
  });
});

describe('verbs that shape a question about a conversation', () => {
  it('finds what a person said, not memories that say "says" or "tell"', async () => {
    const said = contents(await searchFriends(key, 'what did kenji say'));
    // Which of Kenji's memories first is another question (the CORE note's name weighs most).
    expect(said[0]).toMatch(/Kenji/);
    expect(said.join('\n')).not.toContain('the vet says');
    const told = contents(await searchFriends(key, 'what did kenji tell me'));
    expect(told[0]).toMatch(/Kenji/);
    expect(told).not.toContain('Maya: Great, I will tell them to make it a table for three.');
    // "the vet says" is no answer to what Xochitl said; the turn naming her is.
    const xochitl = contents(await searchFriends(key, 'what did xochitl say'));
    expect(xochitl[0]).toContain('Xochitl');
    expect(xochitl.join('\n')).not.toContain('the vet says');
  });

  it('does not answer "remind me" with a note called a reminder', async () => {
    expect(contents(await searchFriends(key, 'can you remind me what maria said?'))).toEqual([]);
    // Asked for by name, a reminder is still found.
    expect(contents(await searchFriends(key, 'any reminders about insurance?'))[0]).toBe(
      'Reminder: renew the car insurance before December 15',
    );
  });

  it('reads "what happened in October" as a question about October', async () => {
    const found = await searchFriends(key, 'what happened in october');
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((hit) => hit.content)).not.toContain(
      'Jon: What happened to the Berkeley apartment?',
    );
  });

  it('keeps the verbs as words of stored memories', async () => {
    expect(contents(await searchFriends(key, 'tell them table'))[0]).toBe(
      'Maya: Great, I will tell them to make it a table for three.',
    );
  });

  it('answers a question made only of such words with nothing, as one of function words', async () => {
    for (const question of ['what did they say?', 'tell me what happened', 'remind me'])
      expect(await searchFriends(key, question), question).toEqual([]);
  });
});

describe('dates in a question', () => {
  const GALWAY = "Siobhan: I'm flying to Galway on December 4th for my cousin Aoife's wedding.";

  it('reads a question whose other words no memory holds as about its date', async () => {
    for (const question of ['calendar december 4th', 'what is on the calendar for december 4th'])
      expect(contents(await searchFriends(key, question))[0], question).toBe(GALWAY);
    // A word the vault holds still asks about something besides the date
    // (each vault decides by its own memories).
    const siobhanPriya = [EVERY_VAULT[2]!];
    const marathon = contents(
      await searchFriends(key, 'marathon december 4th', { vaults: siobhanPriya }),
    );
    expect(marathon[0]).toBe("Priya: I'm training for the Dublin half marathon in March!");
    expect(marathon).not.toContain(GALWAY);
  });

  it('reads "the 16th" as the latest 16th (and the coming one)', async () => {
    const found = contents(await searchFriends(key, 'what did we talk about on the 16th'));
    expect(found.slice(0, 3).sort()).toEqual(
      [
        'Maya: We finally moved! The new place is in Oakland, near Lake Merritt.',
        'Jon: What happened to the Berkeley apartment?',
        'Maya: The lease ended and the rent went up too much.',
      ].sort(),
    );
    // "the 3rd time" numbers a time, not a day.
    expect(await searchFriends(key, 'the 3rd time')).toEqual([]);
  });

  it("does not match a relative date's words in what memories say", async () => {
    // A Sunday evening in California: this week is Monday the 16th to the 22nd.
    const now = '2026-11-22T18:00:00-08:00';
    const found = contents(await searchFriends(key, 'what did priya do this week', { now }));
    // Before: October's "…last week." (it names Priya) first, by "week".
    const october = 'Siobhan: Priya, my mum was diagnosed with breast cancer last week.';
    const puppy = 'Priya: I adopted a puppy! A beagle named Waffles.';
    expect(found.indexOf(puppy)).toBeGreaterThanOrEqual(0);
    expect(found.indexOf(october) < 0 || found.indexOf(october) > found.indexOf(puppy)).toBe(true);
    // Two weeks before the 27th is the week of the 12th: the scans, not October's "last week".
    const scans = contents(await searchFriends(key, 'what did siobhan say 2 weeks ago'));
    expect(scans[0]).toBe("Siobhan: Mum's scans came back mostly clear, the doctors are hopeful.");
  });
});
