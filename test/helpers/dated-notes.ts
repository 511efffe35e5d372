import { SearchDocument, StoreMemoriesDocument, type SearchMode } from '../generated/graphql';
import { newKey } from './graphql';

export type Key = Awaited<ReturnType<typeof newKey>>;

/** Every KRONOS window, `limit` hits each. */
export const allWindows = (limit: number) =>
  (['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'] as const).map((window) => ({ window, limit }));

/**
 * A new key whose CORE vault holds `notes` (name → [content, UTC minute as
 * "YYYY-MM-DDTHH:MM"]), each stored at its own time in one batch.
 */
export async function keyWithDatedNotes(
  notes: Readonly<Record<string, readonly [string, string]>>,
): Promise<Key> {
  const key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: Object.values(notes).map(([content, at]) => ({
      content,
      createdAt: `${at}:00.000Z`,
    })),
  });
  return key;
}

/** Stores `notes` into CORE a minute apart, the last a minute ago (all in the HOT window). */
export async function storeMinuteApart(key: Key, notes: readonly string[]): Promise<void> {
  const start = Date.now() - notes.length * 60_000;
  await key.api.request(StoreMemoriesDocument, {
    inputs: notes.map((content, index) => ({
      content,
      createdAt: new Date(start + index * 60_000).toISOString(),
    })),
  });
}

/** CORE's HOT window searched for `query` (10 hits), best first: each hit's content and score. */
export async function searchHot(key: Key, query: string, mode: SearchMode = 'TEXT') {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode, windows: [{ window: 'HOT', limit: 10 }] },
  });
  return search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
}
