import { tokenize } from '../../text/tokens';
import { isTurnMetadata } from '../../text/turn-text';
import type { RetiredFact } from '../full-text/retired-facts';
import type { MemoryRecord } from '../rpc/vault-types';

/**
 * Which memories the retired facts made outdated, for one search: the turns
 * a retired fact was drawn from (its metadata `turns`), and the turns that
 * restated it while it stood. A turn is stored with extraction (metadata
 * `{"kind": "turn"}`, as every turn beside facts is); an assistant that
 * answers from memory says the old fact again ("You live in Paris, in the
 * 11th") in turns of their own, never linked to the fact, and those outranked
 * the fact that replaced it (outside review 213 #2). Such a turn restates a
 * fact when, said before the fact was retired and not one of the turns that
 * said the change, it holds a word of the old value and a word of what the
 * fact is about ("pari" and "live" of "The user lives in Paris" superseded by
 * "…in Berlin"), or, when the successor shares no word with it (a fact
 * declared no longer true has none), every word of the fact. A question
 * ("Where do I live?") holds no old value and restates nothing; a turn that
 * only names the old value ("I visited Paris") says nothing of what changed.
 * Memories stored without extraction are never outdated, as docs/facts-and-events.md says.
 */
export class OutdatedMemories {
  private readonly byTurn = new Map<string, RetiredFact[]>();
  private readonly words = new Map<string, ReadonlySet<string>>();

  constructor(private readonly facts: readonly RetiredFact[]) {
    for (const fact of facts)
      for (const turn of fact.turns) {
        const list = this.byTurn.get(turn);
        if (list === undefined) this.byTurn.set(turn, [fact]);
        else list.push(fact);
      }
  }

  /** Whether a memory restates a retired fact (is outdated without being a turn it was drawn from). */
  restates(memory: MemoryRecord): boolean {
    return this.restated(memory).length > 0;
  }

  /** The retired facts that make `memory` outdated; none for a memory that is not. */
  factsOf(memory: MemoryRecord): RetiredFact[] {
    const drawn = this.byTurn.get(memory.id) ?? [];
    const restated = this.restated(memory).filter((fact) => !drawn.includes(fact));
    return restated.length === 0 ? drawn : [...drawn, ...restated];
  }

  private restated(memory: MemoryRecord): RetiredFact[] {
    if (this.facts.length === 0 || !isTurnMetadata(memory.metadata)) return [];
    let found: RetiredFact[] | null = null;
    for (const fact of this.facts) {
      if (memory.createdAt >= fact.validUntil || fact.oldWords.length === 0) continue;
      if (fact.turns.has(memory.id) || fact.successorTurns.has(memory.id)) continue;
      const words = this.wordsOf(memory);
      const holds = (word: string) => words.has(word);
      const restates =
        fact.topicWords.length === 0
          ? fact.oldWords.every(holds)
          : fact.oldWords.some(holds) && fact.topicWords.some(holds);
      if (restates) (found ??= []).push(fact);
    }
    return found ?? [];
  }

  private wordsOf(memory: MemoryRecord): ReadonlySet<string> {
    let words = this.words.get(memory.id);
    if (words === undefined) {
      words = new Set(tokenize(memory.content).map(({ term }) => term));
      this.words.set(memory.id, words);
    }
    return words;
  }
}
