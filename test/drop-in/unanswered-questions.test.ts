import { beforeEach, describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { injectedMemories, postJson, usageTokens } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

/**
 * What chat injects when nothing stored answers the question, and whether
 * small talk gets in (outside review 104 #3, #6): a session of Anna's turns,
 * none about allergies, and two chat turns each answered "Got it." or "OK
 * noted.", asked through /v1/chat/completions at a fixed `now`.
 */
const NOW = '2026-11-27T05:10:00Z';
const SESSION = { kind: 'SESSION' as const, id: 'anna' };
type Key = Awaited<ReturnType<typeof newKey>>;

const TURNS: readonly (readonly [content: string, at: string, role: 'USER' | 'ASSISTANT'])[] = [
  ['Anna: I finally finished the quarterly report.', '2026-11-02T09:00', 'USER'],
  ['Anna: The train was late again this morning.', '2026-11-05T08:10', 'USER'],
  ['Anna: Can you remind me to call my sister?', '2026-11-09T18:00', 'USER'],
  ['Anna: My bike needs new brakes.', '2026-11-12T17:30', 'USER'],
  ['Anna: I watched a documentary about whales.', '2026-11-16T21:00', 'USER'],
  ['Anna: Work was busy today.', '2026-11-20T19:00', 'USER'],
  ['Anna: We are going to the lake on Sunday.', '2026-11-24T12:00', 'USER'],
  ['Anna: I need to buy a birthday present for Tom.', '2026-11-26T20:00', 'USER'],
  ['The Falcon launch is on March 3rd.', '2026-11-25T10:00', 'USER'],
  ['Got it.', '2026-11-25T10:01', 'ASSISTANT'],
  [
    'Noah fell off his bike on the way to school yesterday and broke his wrist, the cast comes off in six weeks.',
    '2026-11-20T10:00',
    'USER',
  ],
  ['OK noted.', '2026-11-20T10:01', 'ASSISTANT'],
  ["Noah's school starts at 8:15.", '2026-10-01T08:00', 'USER'],
  ['Noah likes dinosaurs and trains.', '2026-10-02T08:00', 'USER'],
  ["Noah's birthday party is at the bowling alley.", '2026-10-03T08:00', 'USER'],
  ['Noah has swimming on Thursdays.', '2026-10-04T08:00', 'USER'],
];

async function keyWithTurns(): Promise<Key> {
  const key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: TURNS.map(([content, at, role]) => ({
      content,
      role,
      createdAt: `${at}:00.000Z`,
      vault: SESSION,
    })),
  });
  return key;
}

/** The memories the provider was sent for `question`, and the memory tokens the response says it billed. */
async function ask(key: Key, question: string): Promise<{ injected: string[]; tokens: number }> {
  const response = await postJson(
    '/v1/chat/completions',
    { model: 'gpt-4o', messages: [{ role: 'user', content: question }] },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-memory-mode': 'read',
      'x-session-id': SESSION.id,
      'x-memory-now': NOW,
    },
  );
  expect(response.status).toBe(200);
  const injected = await injectedMemories();
  return { injected, tokens: Number(response.headers.get('x-memory-tokens')) };
}

describe('a question nothing stored answers, in chat', () => {
  beforeEach(resetFakes);

  it('injects only the best two of the turns that merely name the person, and bills only them', async () => {
    const key = await keyWithTurns();
    const before = await usageTokens(key);
    // Before: all eight of Anna's turns (77 memory tokens), each matching
    // the question by "Anna" alone.
    const { injected, tokens } = await ask(key, 'Is Anna allergic to anything?');
    expect(injected).toHaveLength(2);
    expect(
      injected.every((content) => content.startsWith('Anna: ')),
      injected.join('\n'),
    ).toBe(true);
    expect(tokens).toBeGreaterThan(0);
    expect(await usageTokens(key)).toBe(before + tokens);
  });

  it('still injects every turn holding a word of the question beside the name', async () => {
    const key = await keyWithTurns();
    const { injected } = await ask(key, 'What did Anna need to buy?');
    expect(injected).toContain('Anna: I need to buy a birthday present for Tom.');
  });
});

describe('small talk alone', () => {
  beforeEach(resetFakes);

  it('is never injected, even beside the turn that answers', async () => {
    const key = await keyWithTurns();
    // Before: "Got it." too, borrowing its neighbour's words.
    expect((await ask(key, 'When is the Falcon launch?')).injected).toEqual([
      'The Falcon launch is on March 3rd.',
    ]);
    const noah = (await ask(key, 'Is Noah ok?')).injected;
    expect(noah).toContain(TURNS[10]![0]);
    expect(noah).not.toContain('OK noted.');
  });

  it('never outranks a memory that says something in a search', async () => {
    const key = await keyWithTurns();
    const { search } = await key.api.request(SearchDocument, {
      input: { query: 'Is Noah ok?', vaults: [SESSION], now: NOW },
    });
    const contents = search.hits.map((hit) => hit.memory.content);
    // Before: "OK noted." first (0.32), by the question's "ok", above
    // Noah's notes (0.26).
    expect(contents.length).toBeGreaterThan(1);
    expect(contents.at(-1)).toBe('OK noted.');
    expect(contents.slice(0, -1).every((content) => content.includes('Noah'))).toBe(true);
    const scores = search.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});
