import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { allWindows, type Key } from './dated-notes';

/**
 * Four vaults of dated chat turns ("Speaker: text", 90 s apart within a
 * conversation) and notes, as an outside review stored them: CORE notes,
 * and the sessions maya-jon, siobhan-priya and carlos-kenji, from
 * 2026-09-15 to 2026-11-26. Searched as of `NOW` unless a test says.
 */
export const NOW = '2026-11-27T05:10:00Z';

export const SESSIONS = ['maya-jon', 'siobhan-priya', 'carlos-kenji'] as const;
export const EVERY_VAULT = [
  { kind: 'CORE' as const },
  ...SESSIONS.map((id) => ({ kind: 'SESSION' as const, id })),
];

type Conversation = readonly [session: string, start: string, turns: readonly string[]];

const CONVERSATIONS: readonly Conversation[] = [
  [
    'maya-jon',
    '2026-10-05T18:00',
    [
      'Maya: Hey Jon! How was your weekend?',
      'Jon: Pretty good, went hiking at Mount Tam with Siobhan on Saturday.',
      'Maya: Nice! I started a pottery class on Tuesdays.',
      'Jon: Cool, where is it?',
      'Maya: At the Clay Studio on Valencia street, it is run by a woman called Xochitl.',
    ],
  ],
  [
    'maya-jon',
    '2026-10-19T20:10',
    [
      'Jon: Big news - I got a job offer from Globex as a data engineer!',
      'Maya: Congrats!! When do you start?',
      'Jon: November 2nd. I will leave Initech after four years there.',
      'Maya: lol the Initech printer will miss you',
    ],
  ],
  [
    'maya-jon',
    '2026-11-03T12:30',
    [
      'Jon: First day at Globex was yesterday, the team is great.',
      'Maya: So happy for you. My cat Biscuit has been sick though, the vet says it is a kidney issue.',
      'Jon: Oh no, poor Biscuit. Keep me posted.',
    ],
  ],
  [
    'maya-jon',
    '2026-11-16T09:45',
    [
      'Maya: We finally moved! The new place is in Oakland, near Lake Merritt.',
      'Jon: What happened to the Berkeley apartment?',
      'Maya: The lease ended and the rent went up too much.',
    ],
  ],
  [
    'maya-jon',
    '2026-11-24T19:00',
    [
      'Maya: Are we still on for dinner next Friday? I booked Nopalito for 7pm.',
      'Jon: Yes! Xochitl is coming too.',
      'Maya: Great, I will tell them to make it a table for three.',
    ],
  ],
  [
    'maya-jon',
    '2026-11-26T16:20',
    [
      'Jon: I have to cancel my dentist appointment tomorrow, work is swamped.',
      'Maya: ok',
      'Jon: thanks for understanding haha',
    ],
  ],
  [
    'siobhan-priya',
    '2026-10-10T21:00',
    [
      'Siobhan: Priya, my mum was diagnosed with breast cancer last week.',
      "Priya: Oh Shiv, I'm so sorry. How is she holding up?",
      'Siobhan: She is tough. She starts chemo on the 20th.',
    ],
  ],
  [
    'siobhan-priya',
    '2026-10-28T07:30',
    [
      "Priya: I'm training for the Dublin half marathon in March!",
      "Siobhan: Amazing, I'll come and cheer you on.",
    ],
  ],
  [
    'siobhan-priya',
    '2026-11-12T22:15',
    [
      "Siobhan: Mum's scans came back mostly clear, the doctors are hopeful.",
      "Priya: That's such a relief, give her a hug from me.",
    ],
  ],
  [
    'siobhan-priya',
    '2026-11-20T13:00',
    [
      'Priya: I adopted a puppy! A beagle named Waffles.',
      'Siobhan: omg send pics',
      'Priya: hahah ok',
    ],
  ],
  [
    'siobhan-priya',
    '2026-11-25T18:40',
    [
      "Siobhan: I'm flying to Galway on December 4th for my cousin Aoife's wedding.",
      "Priya: Who's minding your plants while you're away?",
      'Siobhan: Mariah from next door is watering them.',
    ],
  ],
  [
    'carlos-kenji',
    '2026-09-15T15:00',
    [
      'Carlos: I live in Austin now, just off South Congress.',
      'Kenji: Love Austin. How is the new job at Redwood Bank?',
      'Carlos: Its fine, lots of spreadsheets.',
    ],
  ],
  [
    'carlos-kenji',
    '2026-10-22T17:00',
    [
      'Carlos: Moved to Denver last weekend, the altitude is killing me.',
      'Kenji: Wait, what about Redwood Bank?',
      "Carlos: I actually quit, I'm freelancing as a wedding photographer now.",
    ],
  ],
  [
    'carlos-kenji',
    '2026-11-05T10:00',
    [
      'Kenji: My sister Emiko is getting married in June in Kyoto.',
      'Carlos: Count me in, I will bring my camera.',
    ],
  ],
  [
    'carlos-kenji',
    '2026-11-20T20:00',
    [
      "Kenji: Started learning the cello, it's way harder than guitar.",
      'Carlos: Ha, you will get there.',
    ],
  ],
  [
    'carlos-kenji',
    '2026-11-26T15:00',
    [
      'Carlos: Last night I had the best ramen at Tatsu in Denver.',
      'Kenji: Jealous. Was it the tonkotsu?',
    ],
  ],
];

const NOTES: readonly (readonly [string, string])[] = [
  ["Maya's phone number is 415-555-0199", '2026-10-01T10:00'],
  ['Jon is allergic to shellfish', '2026-10-01T10:00'],
  ['Siobhan prefers to be called Shiv', '2026-10-01T10:00'],
  ["Kenji's birthday is January 14", '2026-10-01T10:00'],
  ['Reminder: renew the car insurance before December 15', '2026-11-10T08:00'],
  ['Wifi password at the Oakland apartment is teal-otter-42', '2026-11-17T08:00'],
];

/** Stores the four vaults under `key`, each conversation as one batch. */
export async function storeFourFriends(key: Key): Promise<void> {
  for (const [id, start, turns] of CONVERSATIONS) {
    const first = Date.parse(`${start}:00Z`);
    await key.api.request(StoreMemoriesDocument, {
      inputs: turns.map((content, at) => ({
        content,
        createdAt: new Date(first + at * 90_000).toISOString(),
        vault: { kind: 'SESSION' as const, id },
      })),
    });
  }
  await key.api.request(StoreMemoriesDocument, {
    inputs: NOTES.map(([content, at]) => ({ content, createdAt: `${at}:00.000Z` })),
  });
}

/** A search over every vault (or `vaults`) as of `now`, 4 hits from each window up to LONG_TERM. */
export async function searchFriends(
  key: Key,
  query: string,
  options: {
    mode?: 'TEXT' | 'HYBRID' | 'VECTOR';
    now?: string;
    vaults?: typeof EVERY_VAULT;
  } = {},
): Promise<{ content: string; score: number }[]> {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode: options.mode ?? 'TEXT',
      now: options.now ?? NOW,
      vaults: options.vaults ?? EVERY_VAULT,
      windows: allWindows(4).slice(0, 3),
    },
  });
  return search.hits
    .map((hit) => ({ content: hit.memory.content, score: hit.score }))
    .sort((a, b) => b.score - a.score);
}
