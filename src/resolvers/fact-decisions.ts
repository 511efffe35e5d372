import { randomId } from '../core/encoding';
import type { Candidate, Decision } from './fact-extraction';
import type { FactsReceipt } from './receipt';

/**
 * Applying the model's reconciliation to a batch's facts: which facts are
 * stored, which vault memories they retire, and which facts of the batch a
 * later one replaces. Pure: the model call and the vault write are the
 * caller's (store-with-facts.ts).
 */

export interface PlannedFact {
  /** Its local id, chosen here so a later fact of the batch can name it. */
  id: string;
  content: string;
  /** When its turn was said. */
  createdAt: Date;
  /** Local ids of the inputs of its turn. */
  turns: string[];
  /** The local id of the memory (the vault's or an earlier fact of the batch) an UPDATE replaces. */
  supersedes: string | null;
  /** Set when a later fact of the batch replaces it (`by`) or declares it untrue (null). */
  closed: { at: Date; by: string | null } | null;
}

export interface FactPlan {
  /** Facts to store, in the order of the inputs that state them. */
  facts: PlannedFact[];
  /**
   * Vault memories to retire, by the index (into `facts`) of the fact that
   * replaces them (null: declared untrue), with the turns of the fact that
   * decided it.
   */
  retire: { id: string; byFact: number | null; turns: string[] }[];
}

/** What a candidate stands for: a memory of the vault, or an earlier fact of the batch. */
export type CandidateTarget = { localId: string } | { batchFact: number };

export interface ShownCandidate {
  candidate: Candidate;
  target: CandidateTarget;
}

/** A fact of the batch as reconciliation knows it. */
export interface BatchFact {
  content: string;
  /** When its turn was said (ms). */
  saidAt: number;
  /** Local ids of the inputs of its turn. */
  turns: string[];
}

/**
 * The plan for a batch's facts, given each fact's candidates and the model's
 * decision per fact (by index; a fact without one is new). Decisions apply
 * in the facts' order, so a later fact can replace an earlier one. Only a
 * candidate shown with that very fact can be replaced: any other id,
 * whatever the model (or text quoted to it) says, retires nothing and is
 * counted as `rejected` on the receipt, the fact kept as new.
 */
export function applyDecisions(
  facts: readonly BatchFact[],
  candidates: readonly (readonly ShownCandidate[])[],
  decisions: readonly Decision[],
  receipt: FactsReceipt,
): FactPlan {
  // The first decision per fact counts; unknown facts and repeats are ignored.
  const decisionOf = new Map<number, Decision>();
  for (const decision of decisions) {
    if (!decisionOf.has(decision.fact)) decisionOf.set(decision.fact, decision);
  }
  const plan: FactPlan = { facts: [], retire: [] };
  /** A batch fact's place in `plan.facts`; absent when it was not stored. */
  const planned = new Map<number, number>();
  /** Vault memories retired by this batch, and the planned fact that replaced each (null: deleted). */
  const retiring = new Map<string, number | null>();
  facts.forEach((fact, index) => {
    const decision = decisionOf.get(index);
    const own = candidates[index]!;
    const shown = own.find(({ candidate }) => candidate.alias === decision?.target);
    const target = shown === undefined ? null : openTarget(shown.target);
    let action = decision?.action ?? 'ADD';
    if ((action === 'UPDATE' || action === 'DELETE') && target === null) {
      // Refused, not dropped: the fact itself is still new information.
      receipt.rejected += 1;
      action = 'ADD';
    }
    // An UPDATE to the very text the current version says is no change (the
    // rule an ADD of a duplicate follows below): no new version is stored,
    // nothing is retired, and the receipt counts it unchanged.
    if (action === 'UPDATE' && target !== null) {
      const current =
        'planned' in target ? plan.facts[target.planned]!.content : shown!.candidate.content;
      if (sameFact(current, fact.content)) action = 'NONE';
    }
    // A vault memory dated after the fact is not replaced by it (a backfill
    // of March does not undo what July said): an UPDATE applies the other
    // way round, the fact arriving already replaced by that memory; a DELETE
    // is refused.
    const later =
      shown !== undefined && target !== null && 'localId' in target
        ? shown.candidate.createdAt > fact.saidAt
        : false;
    let closedBy: { at: Date; by: string | null } | null = null;
    if (later && action === 'UPDATE') {
      closedBy = {
        at: new Date(shown!.candidate.createdAt),
        by: (target as { localId: string }).localId,
      };
      action = 'ADD';
    } else if (later && action === 'DELETE') {
      receipt.rejected += 1;
      action = 'NONE';
    }
    // An ADD of what the vault (or the batch) already says is no change: the
    // facts planned before it, of any turn of the batch (its own included),
    // count as its candidates here, so "… Hamburg" and "… Hamburg." from one
    // input are stored once.
    if (
      action === 'ADD' &&
      closedBy === null &&
      (own.some(({ candidate }) => sameFact(candidate.content, fact.content)) ||
        plan.facts.some(
          (earlier) => earlier.closed === null && sameFact(earlier.content, fact.content),
        ))
    ) {
      action = 'NONE';
    }
    if (action === 'NONE') {
      receipt.unchanged += 1;
      return;
    }
    const saidAt = new Date(fact.saidAt);
    const replaced = action === 'UPDATE' || action === 'DELETE' ? target! : null;
    const replacedFact =
      replaced !== null && 'planned' in replaced ? plan.facts[replaced.planned]! : null;
    const replacedMemory = replaced !== null && 'localId' in replaced ? replaced.localId : null;
    const id = randomId();
    if (action !== 'DELETE') {
      planned.set(index, plan.facts.length);
      plan.facts.push({
        id,
        content: fact.content,
        createdAt: saidAt,
        turns: fact.turns,
        supersedes: replacedFact?.id ?? replacedMemory,
        closed: closedBy,
      });
    }
    const by = action === 'UPDATE' ? id : null;
    if (replacedFact !== null) {
      // Never before the replaced fact began (inputs need not be in time order).
      const at = new Date(Math.max(saidAt.getTime(), replacedFact.createdAt.getTime()));
      replacedFact.closed = { at, by };
    } else if (replacedMemory !== null) {
      const byFact = by === null ? null : plan.facts.length - 1;
      retiring.set(replacedMemory, byFact);
      plan.retire.push({ id: replacedMemory, byFact, turns: fact.turns });
    }
  });
  return plan;

  /**
   * What a shown candidate names now: a vault memory an earlier fact of the
   * batch already replaced means that fact (the latest version); null when
   * there is nothing current left to replace.
   */
  function openTarget(target: CandidateTarget): { localId: string } | { planned: number } | null {
    let at: number | undefined;
    if ('batchFact' in target) {
      at = planned.get(target.batchFact);
    } else if (retiring.has(target.localId)) {
      at = retiring.get(target.localId) ?? undefined;
    } else {
      return { localId: target.localId };
    }
    if (at === undefined || plan.facts[at]!.closed !== null) return null;
    return { planned: at };
  }
}

/** The same statement, ignoring case, spacing and final punctuation. */
export function sameFact(a: string, b: string): boolean {
  const norm = (text: string) =>
    text
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .replace(/[.!\s]+$/u, '')
      .trim();
  return norm(a) === norm(b);
}
