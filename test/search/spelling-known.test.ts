import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { newKey } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';

type Key = Awaited<ReturnType<typeof newKey>>;
type Vault = { kind: 'CORE' } | { kind: 'SESSION'; id: string };

/** The wedding as several turns of a conversation mention it (the review's vault). */
const WEDDINGS = [
  "Clara's wedding in Lyon is on June 14th.",
  'We booked the wedding photographer for the afternoon.',
  'The wedding cake will be lemon with elderflower.',
];
const OTHER_TURNS = [
  'My dog Biscuit hates the vacuum cleaner.',
  'Dinner with Sam on Friday at the Thai place.',
  'I need to renew my passport before the trip.',
];
/** A chat turn that misspelt the word, stored as chat stores every turn. */
const TYPO_TURN = 'Remind me about the weding plans';

/** Memories that hold a word one letter from a real word or a name the query says. */
const LOOKALIKES = {
  cancel: 'My aunt was treated for breast cancer last year.',
  'status of my order': 'We saw the bronze statue in the old town.',
  'free trial': 'The coastal trail was closed after the storm.',
  'bike pedal': 'Petal the cat sleeps on the sofa all day.',
  advice: 'My lawyer will advise me on the lease.',
  Globe: 'My manager at Globex is called Priya.',
  Marie: 'Maria likes long walks on the beach.',
  Marta: 'Maria likes long walks on the beach.',
  Mario: 'Maria likes long walks on the beach.',
  Jonah: 'Jonas is my cousin from Hamburg.',
} as const;

/** Misspellings and other spellings the vault's words and names must still meet (the review's list). */
const TYPOS: readonly (readonly [string, string])[] = [
  ['Siobahn', 'Siobhan Nguyen moved to Kyoto last spring.'],
  ['Nugyen', 'Siobhan Nguyen moved to Kyoto last spring.'],
  ['Kyotto', 'Siobhan Nguyen moved to Kyoto last spring.'],
  ['Zermat', 'Our ski trip to Zermatt is in March.'],
  ['aquarim', 'The aquarium opens at nine on Sundays.'],
  ['Overstroy', 'Reading The Overstory for the book club.'],
  ['weddins', 'Two weddings to go to this summer.'],
  ['appointmnets', 'I have three appointments on Monday.'],
  ['Geburstag', 'Omas Geburtstag feiern wir in München.'],
  ['Muenchen', 'Omas Geburtstag feiern wir in München.'],
  ['Munchen', 'Omas Geburtstag feiern wir in München.'],
  ['Cafe', 'Brunch at Café Luna on Saturday.'],
  ['dentst apointment', 'My dentist appointment is on Friday at 9am.'],
];

/** Stores turns a minute apart, the last a minute ago, in batches the API takes (100). */
async function store(key: Key, turns: readonly string[], vault?: Vault) {
  const start = Date.now() - turns.length * 60_000;
  for (let from = 0; from < turns.length; from += 100)
    await key.api.request(StoreMemoriesDocument, {
      inputs: turns.slice(from, from + 100).map((content, index) => ({
        content,
        createdAt: new Date(start + (from + index) * 60_000).toISOString(),
        ...(vault === undefined ? {} : { vault }),
      })),
    });
}

async function search(key: Key, query: string, vaults?: Vault[]) {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode: 'TEXT',
      windows: [{ window: 'HOT', limit: 10 }],
      ...(vaults === undefined ? {} : { vaults }),
    },
  });
  return search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
}

const contents = async (key: Key, query: string, vaults?: Vault[]) =>
  (await search(key, query, vaults)).map((hit) => hit.content);

/** The memory block the fake OpenAI received in a READ chat asking `question` (its system message). */
async function injected(key: Key, question: string, sessionId?: string): Promise<string> {
  await resetFakes();
  const chat = chatClient(key.secret, 'sk-test-openai');
  await chat.request(ChatDocument, {
    input: {
      model: 'openai/gpt-4o',
      messages: [{ role: 'USER', content: question }],
      memoryMode: 'READ',
      ...(sessionId === undefined ? {} : { sessionId }),
    },
  });
  const [call] = (await fakeCalls()).filter((seen) => seen.host === 'api.openai.com');
  const first = call!.body.messages![0]!;
  return first.role === 'system' ? String(first.content) : '';
}

describe('forgiving spelling that does not invent', () => {
  beforeEach(resetFakes);

  it('still forgives a typo that a stored turn holds, when many more memories hold the word', async () => {
    const key = await newKey();
    await store(key, [...WEDDINGS, ...OTHER_TURNS]);
    expect((await contents(key, 'weding')).sort()).toEqual([...WEDDINGS].sort());
    await store(key, [TYPO_TURN]);
    // The turn that holds the typo as written counts in full, the wedding's at half.
    const found = await search(key, 'weding');
    expect(found.map((hit) => hit.content).sort()).toEqual([...WEDDINGS, TYPO_TURN].sort());
    expect(found[0]!.content).toBe(TYPO_TURN);
    // Chat injects the wedding, not only the turn that misspelt it.
    const block = await injected(key, 'When is the weding?');
    expect(block).toContain(WEDDINGS[0]);
  });

  it('reads a word as written once about as many memories hold it as its neighbour', async () => {
    const key = await newKey();
    await store(key, [WEDDINGS[0]!, ...OTHER_TURNS, TYPO_TURN]);
    // One memory holds each: the typo is nobody's mistake for certain, so it is read as written.
    expect(await contents(key, 'weding')).toEqual([TYPO_TURN]);
  });

  it('never reads a real word or a first name as a typo of another', async () => {
    const key = await newKey();
    await store(key, [...new Set(Object.values(LOOKALIKES))]);
    for (const query of Object.keys(LOOKALIKES))
      expect(await contents(key, query), query).toEqual([]);
    // Nor in chat: asking about an order injects no statue.
    const block = await injected(key, 'What is the status of my order?');
    expect(block).not.toContain(LOOKALIKES['status of my order']);
  });

  it('still forgives misspelt words and names that no word list holds', async () => {
    const key = await newKey();
    const memories = [...new Set(TYPOS.map(([, memory]) => memory))];
    await store(key, [...memories, 'I am thinking of learning Portuguese.']);
    for (const [typo, memory] of TYPOS) expect((await contents(key, typo))[0], typo).toBe(memory);
    // Real words near a held one, and a typo of the first letter, are not.
    for (const query of ['thanks', 'weeding', 'qedding'])
      expect(await contents(key, query), query).toEqual([]);
  });

  it('scores a forgiven word as half of the word spelt right would count, in a small vault and a large one', async () => {
    // TEXT's score is s / (s + F) (F: the query's full match in the vault);
    // half of s, against the same F, scores e / (2 − e) where the word spelt right scores e.
    for (const filler of [0, 250]) {
      const key = await newKey();
      const others = Array.from(
        { length: filler },
        (_, i) => `Note ${i} about groceries and bills.`,
      );
      await store(key, [...WEDDINGS, ...OTHER_TURNS, ...others]);
      const exact = await search(key, 'wedding');
      const forgiven = await search(key, 'weding');
      expect(forgiven.map((hit) => hit.content)).toEqual(exact.map((hit) => hit.content));
      for (const [at, hit] of forgiven.entries()) {
        const e = exact[at]!.score;
        expect(hit.score, `${filler}: ${hit.content}`).toBeCloseTo(e / (2 - e), 4);
      }
    }
  });

  it('does not forgive a word in one vault that another vault of the search holds', async () => {
    const key = await newKey();
    const session: Vault = { kind: 'SESSION', id: 'fp' };
    const club = 'Zorvath is the name of my chess club.';
    const restaurant = 'The Zorvach restaurant closed last week.';
    await store(key, [club, 'Maria plays the cello on Sundays.']);
    await store(key, [restaurant, 'My sister Marta loves jazz.'], session);
    // Alone, the session vault reads "Zorvath" as its "Zorvach".
    expect(await contents(key, 'Zorvath', [session])).toEqual([restaurant]);
    // With CORE, which holds "Zorvath" itself, it does not (a search led by one vault).
    expect(await contents(key, 'Zorvath', [{ kind: 'CORE' }, session])).toEqual([club]);
    // Nor in chat (CORE and the session, merged by the Worker).
    const block = await injected(key, 'Tell me about Zorvath', 'fp');
    expect(block).toContain(club);
    expect(block).not.toContain(restaurant);
    expect(await injected(key, 'What does Maria like?', 'fp')).not.toContain('Marta');
  });

  it('still forgives across vaults a typo that the other vaults hold far less than its word', async () => {
    const key = await newKey();
    const session: Vault = { kind: 'SESSION', id: 'planning' };
    await store(key, [...OTHER_TURNS, TYPO_TURN]);
    await store(key, WEDDINGS, session);
    const found = await contents(key, 'weding', [{ kind: 'CORE' }, session]);
    expect(found.sort()).toEqual([...WEDDINGS, TYPO_TURN].sort());
  });
});
