/**
 * Who said a memory, as its metadata names it: the keys an app may use for
 * the speaker of a turn it stores without a `Name:` label in its content
 * (docs/api.md). Text search counts them for its name boost
 * (durable/full-text/speaker-names.ts); chat's memory block shows the name,
 * so a turn another person said is not read as the caller's own.
 */
export const SPEAKER_KEYS = ['speaker', 'name', 'author'] as const;

/** The longest speaker name a memory block shows; past it the name is cut. */
const SHOWN_NAME_LENGTH = 80;

/**
 * The first of SPEAKER_KEYS whose value is a non-blank string, trimmed and
 * cut to SHOWN_NAME_LENGTH; null when metadata (a JSON object as text)
 * names no speaker or is not an object.
 */
export function metadataSpeaker(metadataJson: string | null): string | null {
  if (metadataJson === null) return null;
  let metadata: unknown;
  try {
    metadata = JSON.parse(metadataJson);
  } catch {
    return null;
  }
  if (typeof metadata !== 'object' || metadata === null) return null;
  for (const key of SPEAKER_KEYS) {
    const value = (metadata as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.trim() !== '') {
      return value.trim().slice(0, SHOWN_NAME_LENGTH);
    }
  }
  return null;
}
