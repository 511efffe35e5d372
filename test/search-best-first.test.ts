import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey, post } from './helpers/graphql';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The `search` field lists its hits best first across windows and vaults
 * (outside review 103 #2): a client reading the top of the list reads the
 * best answers, not the recent window's weak ones first.
 */
describe('search hits, best first across windows', () => {
  it('lists a strong LONG_TERM answer before weak recent HOT hits, each hit keeping its window', async () => {
    const { api } = await newKey();
    const session = { kind: 'SESSION' as const, id: 'first-day' };
    await api.request(StoreMemoriesDocument, {
      inputs: [
        // Today's chat, in a session: each turn names Maya once, no more.
        ...[
          'Maya: running late, the bus is stuck in traffic',
          'Maya: found a table by the window',
          'Maya: they have a new menu this month',
          'Maya: see you at seven then',
        ].map((content, at) => ({
          content,
          vault: session,
          createdAt: iso(NOW - (60 - 10 * at) * MINUTE),
        })),
        // An older note in CORE that answers the question.
        { content: 'Maya is vegetarian and eats no fish either', createdAt: iso(NOW - 20 * DAY) },
      ],
    });
    const { search } = await api.request(SearchDocument, {
      input: {
        query: 'Is Maya vegetarian?',
        vaults: [{ kind: 'CORE' }, session],
        windows: [
          { window: 'HOT', limit: 4 },
          { window: 'WORKING', limit: 4 },
          { window: 'LONG_TERM', limit: 4 },
        ],
        now: iso(NOW),
      },
    });
    const listed = search.hits.map((hit) => [
      hit.window,
      hit.memory.vault.kind,
      hit.memory.content,
    ]);
    expect(listed[0]).toEqual(['LONG_TERM', 'CORE', 'Maya is vegetarian and eats no fish either']);
    // The recent turns are still there, after it, each in its own window.
    expect(listed.slice(1).map(([window, kind]) => [window, kind])).toEqual(
      Array.from({ length: 4 }, () => ['HOT', 'SESSION']),
    );
    const scores = search.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(scores[1]!);
  });

  it('still lets each window choose its own best hits, up to its limit, across vaults', async () => {
    const { api } = await newKey();
    const session = { kind: 'SESSION' as const, id: 'first-day' };
    await api.request(StoreMemoriesDocument, {
      inputs: [
        {
          content: 'Maya: running late, the bus is stuck in traffic',
          vault: session,
          createdAt: iso(NOW - 50 * MINUTE),
        },
        {
          content: 'Maya says the vegetarian place on Elm Street is closed tonight',
          createdAt: iso(NOW - 40 * MINUTE),
        },
        { content: 'Maya moved to Leeds in the spring', createdAt: iso(NOW - 30 * DAY) },
        { content: 'Maya is vegetarian and eats no fish either', createdAt: iso(NOW - 20 * DAY) },
      ],
    });
    const { search } = await api.request(SearchDocument, {
      input: {
        query: 'Is Maya vegetarian?',
        vaults: [{ kind: 'CORE' }, session],
        windows: [
          { window: 'HOT', limit: 1 },
          { window: 'LONG_TERM', limit: 1 },
        ],
        now: iso(NOW),
      },
    });
    // One hit a window, its best, from whichever vault holds it.
    expect(
      search.hits
        .map((hit) => [hit.window, hit.memory.content])
        .sort(([a], [b]) => a!.localeCompare(b!)),
    ).toEqual([
      ['HOT', 'Maya says the vegetarian place on Elm Street is closed tonight'],
      ['LONG_TERM', 'Maya is vegetarian and eats no fish either'],
    ]);
    const scores = search.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('breaks a tie across windows newer first: the same note today before last week', async () => {
    const { api } = await newKey();
    const note = 'The boiler service is booked with Hendricks';
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: note, createdAt: iso(NOW - 20 * DAY) },
        { content: note, createdAt: iso(NOW - 2 * DAY) },
        { content: note, createdAt: iso(NOW - 30 * MINUTE) },
      ],
    });
    const { search } = await api.request(SearchDocument, {
      input: {
        query: 'boiler service Hendricks',
        mode: 'TEXT',
        windows: [
          { window: 'LONG_TERM', limit: 2 },
          { window: 'HOT', limit: 2 },
          { window: 'WORKING', limit: 2 },
        ],
        now: iso(NOW),
      },
    });
    // One content is one hit per window, so the three windows each hold it, at one score.
    expect(new Set(search.hits.map((hit) => hit.score)).size).toBe(1);
    expect(search.hits.map((hit) => [hit.window, hit.memory.createdAt])).toEqual([
      ['HOT', iso(NOW - 30 * MINUTE)],
      ['WORKING', iso(NOW - 2 * DAY)],
      ['LONG_TERM', iso(NOW - 20 * DAY)],
    ]);
  });

  it('bills and counts the same hits per window as before, whatever their order', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'Maya: ok, the station then', createdAt: iso(NOW - 5 * MINUTE) },
        { content: 'Maya is vegetarian since college', createdAt: iso(NOW - 20 * DAY) },
      ],
    });
    const result = await post(
      SearchDocument,
      {
        input: {
          query: 'Is Maya vegetarian?',
          windows: [
            { window: 'HOT', limit: 4 },
            { window: 'LONG_TERM', limit: 4 },
          ],
          now: iso(NOW),
        },
      },
      secret,
    );
    const hits = result.data!.search.hits;
    expect(hits.map((hit) => hit.window)).toEqual(['LONG_TERM', 'HOT']);
    expect(result.data!.search.memoryTokens).toBe(
      hits.reduce((sum, hit) => sum + hit.memory.tokens, 0),
    );
    const receipt = result.extensions!.memory as { windows: { window: string; hits: number }[] };
    expect(receipt.windows).toEqual([
      { window: 'HOT', hits: 1 },
      { window: 'LONG_TERM', hits: 1 },
    ]);
  });
});
