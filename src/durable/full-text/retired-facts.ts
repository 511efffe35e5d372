import { queryTerms } from '../../text/tokens';

/**
 * A fact superseded or declared no longer true (`valid_until` set, metadata
 * `{"kind": "fact"}`), as searches read it to tell which memories it made
 * outdated.
 */
export interface RetiredFact {
  id: string;
  /** When it stopped being valid. */
  validUntil: number;
  /** The local id of the memory that replaced it; null when it was declared no longer true. */
  supersededBy: string | null;
  /** Ids of the turns it was drawn from (its metadata `turns`). */
  turns: ReadonlySet<string>;
  /** Ids of the turns its successor was drawn from: they say the change, not the old value. */
  successorTurns: ReadonlySet<string>;
  /** Its words the successor does not hold: the old value ("pari" of Paris → Berlin). */
  oldWords: readonly string[];
  /** Its words the successor holds too: what the fact is about ("live"). */
  topicWords: readonly string[];
  /**
   * A fact of another vault that marked a turn here (facts kept apart from
   * their turn): `id` is its Memory.id there, and its successor is there too.
   */
  elsewhere?: true;
}

/** A retired fact's row with its successor's, as vault-storage.ts reads them. */
export interface RetiredFactRow {
  id: string;
  content: string;
  validUntil: number;
  supersededBy: string | null;
  /** Its metadata `turns`, as JSON text; null when absent. */
  turns: string | null;
  successorContent: string | null;
  successorTurns: string | null;
}

/**
 * Extraction writes facts about "the user" in the third person; turns say
 * "I". The word names who the fact is about, not what it says.
 */
const SUBJECT_WORDS: ReadonlySet<string> = new Set(queryTerms('user'));

export function retiredFact(row: RetiredFactRow): RetiredFact {
  const words = factWords(row.content);
  const successor = new Set(row.successorContent === null ? [] : factWords(row.successorContent));
  return {
    id: row.id,
    validUntil: row.validUntil,
    supersededBy: row.supersededBy,
    turns: idsOf(row.turns),
    successorTurns: idsOf(row.successorTurns),
    oldWords: words.filter((word) => !successor.has(word)),
    topicWords: words.filter((word) => successor.has(word)),
  };
}

function factWords(content: string): string[] {
  return queryTerms(content).filter((word) => !SUBJECT_WORDS.has(word));
}

function idsOf(json: string | null): ReadonlySet<string> {
  if (json === null) return new Set();
  try {
    const ids: unknown = JSON.parse(json);
    return new Set(Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}
