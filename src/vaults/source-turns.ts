/**
 * A memory's metadata `sourceTurns`: the Memory.ids of the turns, in other
 * vaults, of a fact kept apart from its turn (factsVault,
 * store-with-facts.ts); none when absent. Metadata is the caller's to
 * write, so anything else reads as none.
 */
export function sourceTurnsOf(metadata: string | null): string[] {
  if (metadata === null) return [];
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (typeof parsed !== 'object' || parsed === null) return [];
    const ids = (parsed as { sourceTurns?: unknown }).sourceTurns;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
