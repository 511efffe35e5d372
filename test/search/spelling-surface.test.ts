import { stemmer } from 'stemmer';
import { beforeEach, describe, expect, it } from 'vitest';
import { STEM_COLLISION_FAMILIES } from '../../src/text/stem-collisions';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { newKey } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';

type Key = Awaited<ReturnType<typeof newKey>>;

/** Everyday conversation turns, a few minutes apart (the outside review's vault). */
const TURNS = [
  'My manager at Globex is called Priya Raman.',
  'I am thinking of learning Portuguese before the move.',
  'I am moving to Lisbon in October for a new job.',
  'We found a new apartment near the river, two bedrooms.',
  'I adopted a cat named Miso last spring.',
  "Tom: Clara's wedding in Lyon was beautiful, the whole family came.",
  'My dog Biscuit hates the vacuum cleaner.',
  'Went hiking in the Alps with my brother last summer.',
  'The dentist said I should floss more often.',
  'Dinner with Sam on Friday at the Thai place.',
  'I need to renew my passport before the trip.',
];
const THINKING = TURNS[1]!;
const NEW_JOB = TURNS[2]!;
const NEW_FLAT = TURNS[3]!;
const WEDDING = TURNS[5]!;
const HIKING = TURNS[7]!;
const BISCUIT = TURNS[6]!;

async function storeTurns(key: Key, turns: readonly string[]) {
  const start = Date.now() - turns.length * 5 * 60_000;
  await key.api.request(StoreMemoriesDocument, {
    inputs: turns.map((content, index) => ({
      content,
      createdAt: new Date(start + index * 5 * 60_000).toISOString(),
    })),
  });
}

async function search(key: Key, query: string) {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode: 'TEXT', windows: [{ window: 'HOT', limit: 10 }] },
  });
  return search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
}

/** The memory block the fake provider received in the chat's one call (its system message). */
async function injectedBlock(): Promise<string> {
  const [call] = (await fakeCalls()).filter((seen) => seen.host === 'api.openai.com');
  const first = call!.body.messages![0]!;
  return first.role === 'system' ? String(first.content) : '';
}

describe('forgiving spelling compared on the words as written', () => {
  beforeEach(resetFakes);

  it('finds a misspelt word whose stem differs from the stored word’s', async () => {
    const key = await newKey();
    await storeTurns(key, TURNS);
    // "weding" stems to "wede", "wedding" to "wed"; "hikking" to "hik", "hiking" to "hike".
    expect((await search(key, 'weding')).map((hit) => hit.content)).toEqual([WEDDING]);
    expect((await search(key, 'hikking')).map((hit) => hit.content)).toEqual([HIKING]);
    expect((await search(key, 'when was the weding in Lyon'))[0]?.content).toBe(WEDDING);
  });

  it('scores a forgiven spelling clearly below the word spelt right', async () => {
    const key = await newKey();
    await storeTurns(key, TURNS);
    for (const [typo, word] of [
      ['weding', 'wedding'],
      ['hikking', 'hiking'],
    ]) {
      const [forgiven] = await search(key, typo!);
      const [exact] = await search(key, word!);
      expect(forgiven?.content).toBe(exact?.content);
      // Half the BM25 against the same full match: e / (2 − e) where the word spelt right scores e
      // (test/search/spelling-known.test.ts).
      const e = exact!.score;
      expect(forgiven!.score, typo).toBeCloseTo(e / (2 - e), 4);
    }
  });

  it('never reads a common word as a misspelling of another', async () => {
    const key = await newKey();
    await storeTurns(key, TURNS);
    // "thank" is one letter from "think", which the vault holds ("thinking").
    for (const query of ['thanks', 'thanks for the tip', 'thank you'])
      expect(await search(key, query), query).toEqual([]);
    // A word outside the list is still forgiven.
    expect((await search(key, 'thinkng'))[0]?.content).toBe(THINKING);
  });

  it('tells apart words the stemmer merges: "news" is not "new"', async () => {
    const key = await newKey();
    await storeTurns(key, TURNS);
    expect(await search(key, 'news')).toEqual([]);
    expect(await search(key, 'any news?')).toEqual([]);
    expect((await search(key, 'new job'))[0]?.content).toBe(NEW_JOB);

    const vetNews = 'Big news: Biscuit passed his vet check.';
    await storeTurns(key, [vetNews]);
    expect((await search(key, 'any news about my dog Biscuit?'))[0]?.content).toBe(vetNews);
    expect((await search(key, 'news')).map((hit) => hit.content)).toEqual([vetNews]);
    // And "new" no longer finds the news.
    const found = (await search(key, 'new')).map((hit) => hit.content);
    expect(found.sort()).toEqual([NEW_JOB, NEW_FLAT].sort());
  });

  it('"hi" is not "his": a search for a greeting finds greetings, not every memory of his', async () => {
    const key = await newKey();
    const phd = 'Leo said he finally finished his PhD in Utrecht.';
    const greeting = 'Hi Leo, congratulations!';
    await storeTurns(key, [phd, greeting]);
    expect((await search(key, 'hi')).map((hit) => hit.content)).toEqual([greeting]);
    expect((await search(key, 'leo phd'))[0]?.content).toBe(phd);
  });

  it('injects no "new job" into a chat asking for news', async () => {
    const key = await newKey();
    await storeTurns(key, TURNS);
    const chat = chatClient(key.secret, 'sk-test-openai');
    const { chat: answer } = await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'Any news about my dog Biscuit?' }],
        memoryMode: 'READ',
      },
    });
    expect(answer.memory.hits.map((hit) => hit.memory.content)).toEqual([BISCUIT]);
    const block = await injectedBlock();
    expect(block).toContain(BISCUIT);
    expect(block).not.toContain(NEW_JOB);
    expect(block).not.toContain(NEW_FLAT);
  });

  it('lists collision families whose words share one index term', () => {
    for (const family of STEM_COLLISION_FAMILIES) {
      const term = stemmer(family[0]!);
      for (const word of family) expect(stemmer(word), word).toBe(term);
    }
  });

  it('still finds a word whose stem is a collision family’s first word', async () => {
    // "experimentation" stems to "experiment", a family's name, not to "experi".
    const key = await newKey();
    const lab = 'The experimentation with sourdough took all weekend.';
    await storeTurns(key, [lab, 'Our experiment failed twice.', 'What an experience that was.']);
    expect((await search(key, 'experimentation')).map((hit) => hit.content)).toEqual([lab]);
  });
});
