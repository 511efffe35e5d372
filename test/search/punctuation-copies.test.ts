import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

/**
 * Outside review 213 #10: copies of one memory that differ only in
 * punctuation ("Dr. Alvarez" / "Dr Alvarez" / "Alvarez!") took a window's
 * places each, and crowded out the one memory that answered.
 */
const NOW = '2026-11-27T12:00:00Z';

describe('copies of a memory that differ only in punctuation', () => {
  it('take one place in a search, leaving the others to different memories', async () => {
    const key = await newKey();
    const session = { kind: 'SESSION' as const, id: 'dup' };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'My dentist is Dr. Alvarez', createdAt: '2026-11-20T10:00:00Z' },
        ...[
          ['my dentist is Dr. Alvarez ', '2026-11-21'],
          ['My dentist is Dr. Alvarez.', '2026-11-22'],
          ['My dentist is Dr Alvarez', '2026-11-23'],
          ['My dentist is Dr. Alvarez!', '2026-11-24'],
          ['Dr. Alvarez moved his practice to Elm Street', '2026-11-10'],
        ].map(([content, day]) => ({
          content: content!,
          vault: session,
          createdAt: `${day}T10:00:00Z`,
        })),
      ],
    });
    const { search } = await key.api.request(SearchDocument, {
      input: {
        query: 'where is my dentist Dr Alvarez?',
        now: NOW,
        vaults: [{ kind: 'CORE' }, session],
        windows: [
          { window: 'LONG_TERM', limit: 3 },
          { window: 'WORKING', limit: 3 },
        ],
      },
    });
    const contents = search.hits.map((hit) => hit.memory.content);
    const copies = contents.filter((content) => /^my dentist is dr\.? alvarez/i.test(content));
    expect(copies).toHaveLength(1);
    expect(contents).toContain('Dr. Alvarez moved his practice to Elm Street');
  });

  it('are still told apart from memories with other words', async () => {
    const key = await newKey();
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The meeting is at 3.5 pm', createdAt: '2026-11-24T10:00:00Z' },
        { content: 'The meeting is at 35 pm', createdAt: '2026-11-25T10:00:00Z' },
        { content: 'The meeting is at 3 pm', createdAt: '2026-11-26T10:00:00Z' },
      ],
    });
    const { search } = await key.api.request(SearchDocument, {
      input: { query: 'when is the meeting?', now: NOW, mode: 'TEXT' },
    });
    expect(search.hits.map((hit) => hit.memory.content).sort()).toEqual([
      'The meeting is at 3 pm',
      'The meeting is at 3.5 pm',
      'The meeting is at 35 pm',
    ]);
  });
});
