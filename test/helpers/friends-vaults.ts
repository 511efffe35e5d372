import { StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from './graphql';

/**
 * Three friends' conversations (review 101's), each in its session vault,
 * and a few CORE notes: turns stored as "Speaker: text", 90 s apart within
 * a conversation, conversations days apart, Oct–Nov 2026. Searched as of
 * `FRIENDS_LATER`, every memory is in the ARCHIVE window.
 */
export const FRIENDS_LATER = '2027-06-01T00:00:00Z';

type Conversation = readonly [session: string, startsAt: string, turns: readonly string[]];

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
];

const CORE_NOTES: readonly (readonly [string, string])[] = [
  ["Maya's phone number is 415-555-0199", '2026-10-01T10:00'],
  ['Jon is allergic to shellfish', '2026-10-01T10:00'],
  ['Siobhan prefers to be called Shiv', '2026-10-01T10:00'],
  ['Reminder: renew the car insurance before December 15', '2026-11-10T08:00'],
];

/** The vaults a friends' search reads: CORE and both sessions. */
export const FRIENDS_VAULTS = [
  { kind: 'CORE' as const },
  { kind: 'SESSION' as const, id: 'maya-jon' },
  { kind: 'SESSION' as const, id: 'siobhan-priya' },
];

/** A new key holding the friends' conversations and notes. */
export async function keyWithFriends(): Promise<Awaited<ReturnType<typeof newKey>>> {
  const key = await newKey();
  const turns = CONVERSATIONS.flatMap(([session, startsAt, lines]) =>
    lines.map((content, at) => ({
      content,
      vault: { kind: 'SESSION' as const, id: session },
      createdAt: new Date(Date.parse(`${startsAt}:00Z`) + at * 90_000).toISOString(),
    })),
  );
  const notes = CORE_NOTES.map(([content, at]) => ({ content, createdAt: `${at}:00Z` }));
  await key.api.request(StoreMemoriesDocument, { inputs: [...turns, ...notes] });
  return key;
}
