import { SPEAKER_KEYS } from '../../text/metadata-speaker';
import type { TermPostings } from './term-postings';

/**
 * Who said a memory, for the name boost of text search: whether its metadata
 * names a speaker (by SPEAKER_KEYS, text/metadata-speaker.ts), and which
 * memories a name term opens ("Caroline: …"), read from the term's postings.
 */

/** Whether metadata (a JSON object as text) names who said the memory. */
export function namesSpeaker(metadataJson: string | null): boolean {
  if (metadataJson === null) return false;
  const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
  return SPEAKER_KEYS.some((key) => typeof metadata[key] === 'string');
}

/** SQL: whether the metadata in `column` (JSON text, or NULL) names a speaker, as `namesSpeaker`. */
export function speakerInMetadataSql(column: string): string {
  // CASE, so json_valid is asked first (AND does not promise an order): a row
  // whose metadata is not JSON (damaged storage) must not fail every text
  // search of the vault; it names no speaker.
  return `(CASE WHEN ${column} IS NOT NULL AND json_valid(${column}) THEN (${SPEAKER_KEYS.map(
    (key) => `json_type(${column}, '$.${key}') = 'text'`,
  ).join(' OR ')}) ELSE 0 END)`;
}

/** SQL: whether any memory's metadata names a speaker (for vaults written before the flag). */
export const ANY_SPEAKER_METADATA = `EXISTS (SELECT 1 FROM memories WHERE ${speakerInMetadataSql('metadata')})`;

/** Who a name term's postings say opened memories: the memories it opens, and how many hold it. */
export interface NameOpenings {
  opening: Set<number>;
  holding: number;
}

/**
 * The memories a name term opens, and how many hold it, by postings: worked
 * out once per postings list (a cached list is the same object query after
 * query; a write replaces it).
 */
const openingsOf = new WeakMap<TermPostings, NameOpenings>();
export function nameOpenings(term: TermPostings): NameOpenings {
  let known = openingsOf.get(term);
  if (known === undefined) {
    const opening = new Set<number>();
    const holding = new Set<number>();
    for (let i = 0; i < term.seqs.length; i++) {
      holding.add(term.seqs[i]!);
      if (term.offsets[i] === 0) opening.add(term.seqs[i]!);
    }
    known = { opening, holding: holding.size };
    openingsOf.set(term, known);
  }
  return known;
}
