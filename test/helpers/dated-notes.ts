import { StoreMemoriesDocument } from '../generated/graphql';
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
