import type { SearchHitRecord } from '../durable/rpc/vault-types';
import { randomId } from '../core/encoding';
import { CodedError } from '../core/errors';
import { CREATED_AT_FUTURE_SLACK_MS } from '../core/limits';
import { planWindows } from '../kronos/plan';
import { MEMORY_WINDOWS } from '../kronos/windows';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';
import {
  extractFacts,
  ExtractionFailure,
  reconcileFacts,
  type Candidate,
  type Decision,
  type Extractor,
} from './fact-extraction';
import { vaultOf } from './principal';
import type { FactsReceipt } from './receipt';
import type { MeteredContext } from './request-context';
import { storeBatch, type InputLabel, type StoreInput, type StoredMemory } from './store-memories';

/** Candidates per fact: its nearest memories in the same vault (hybrid search). */
export const CANDIDATES_PER_FACT = 5;

/**
 * Metadata of an extracted fact and of a raw turn stored with extraction, so
 * callers can tell them apart (search with `metadata: { kind: "fact" }` for
 * current facts only). A raw turn is represented by its facts: it stays
 * searchable but is never a reconciliation candidate.
 */
export const FACT_METADATA = { kind: 'fact' } as const;
export const TURN_METADATA = { kind: 'turn' } as const;

/**
 * A fact's metadata: its kind, and the local ids of the turns it was drawn
 * from. Once the fact is superseded or deleted, the vault demotes those
 * turns in searches (durable/queries/stale-turns.ts), so what they said no
 * longer outranks the fact that replaced it.
 */
function factMetadata(turnIds: readonly string[]) {
  return { ...FACT_METADATA, turns: turnIds };
}

/** The latest time the caller gave its inputs; null when every input is stored now. */
function latestCreatedAt(inputs: readonly StoreInput[]): Date | null {
  let latest: Date | null = null;
  for (const { createdAt } of inputs) {
    if (createdAt != null && (latest === null || createdAt > latest)) latest = createdAt;
  }
  return latest;
}

export interface StoredWithFacts {
  /** The raw turn as stored, in the order given. */
  stored: StoredMemory[];
  facts: FactsReceipt;
  /** Memory tokens the store billed: the turn and the facts written. */
  memoryTokens: number;
}

/**
 * Stores a turn and the facts the caller's model finds in it, keeping the
 * vault true: every fact is compared with its nearest memories in the same
 * vault and the model decides ADD, UPDATE (supersede), DELETE (no longer
 * true) or NONE. The raw turn, the new facts and the retirements are written
 * in one vault transaction. Whatever the model answers, the raw turn is
 * stored: a failed or malformed extraction is reported in the receipt, and
 * only memories from a fact's own candidate list can ever be retired.
 */
export async function storeWithFacts(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  extractor: Extractor,
  label?: InputLabel,
): Promise<StoredWithFacts> {
  const addresses = new Map(
    inputs.map((input) => {
      const address = vaultOf(context.principal, input.vault);
      return [vaultObjectName(address), address];
    }),
  );
  if (addresses.size !== 1) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'extraction stores into one vault per call',
      'EXTRACT_ONE_VAULT',
    );
  }
  const address = [...addresses.values()][0]!;
  const receipt: FactsReceipt = emptyFacts();

  let plan: FactPlan | null = null;
  try {
    plan = await planFacts(context, address, inputs, extractor, receipt);
  } catch (error) {
    if (error instanceof ExtractionFailure) {
      receipt.failure = { reason: error.reason, message: error.message };
    } else if (error instanceof CodedError) {
      // The provider refused or failed: the turn is still stored, the cause reported.
      receipt.failure = { reason: error.reason ?? error.code, message: error.message };
    } else {
      throw error;
    }
  }

  // The turn's ids are chosen here, so its facts can name it in the same batch.
  const turn = inputs.map((input) => ({
    ...input,
    id: input.id ?? randomId(),
    metadata: input.metadata ?? TURN_METADATA,
  }));
  const saidAt = latestCreatedAt(inputs);
  const factInputs: StoreInput[] = (plan?.added ?? []).map((fact) => ({
    vault: inputs[0]!.vault ?? null,
    content: fact.content,
    role: 'SYSTEM',
    metadata: factMetadata(turn.map(({ id }) => id)),
    // A fact became known when its turn was said: backfilled history keeps
    // its timeline (and a superseded fact closes then: vault-writes.ts).
    ...(saidAt === null ? {} : { createdAt: saidAt }),
  }));
  const stored = await storeBatch(
    context,
    [...turn, ...factInputs],
    label,
    (plan?.retire ?? []).map(({ id, byFact }) => ({
      id,
      byPosition: byFact === null ? null : inputs.length + byFact,
    })),
  );
  const globalId = (localId: string) =>
    encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId });
  const factsStored = stored.memories.slice(inputs.length);
  plan?.added.forEach((fact, index) => {
    const memory = factsStored[index]!;
    const supersedes = fact.supersedes;
    if (supersedes === null) {
      receipt.added.push({ id: globalId(memory.record.id), content: memory.record.content });
    } else {
      receipt.updated.push({
        id: globalId(memory.record.id),
        content: memory.record.content,
        supersedes: globalId(supersedes),
      });
    }
  });
  for (const { id, supersededBy } of stored.retired) {
    if (supersededBy === null) receipt.deleted.push(globalId(id));
    else receipt.superseded.push(globalId(id));
  }
  context.receipt.recordFacts(receipt);
  return {
    stored: stored.memories.slice(0, inputs.length),
    facts: receipt,
    memoryTokens: stored.memoryTokens,
  };
}

interface FactPlan {
  /** Facts to store; `supersedes` is the local id of the memory an UPDATE replaces. */
  added: { content: string; supersedes: string | null }[];
  /** Memories to retire, by the index (into `added`) of the fact that replaces them. */
  retire: { id: string; byFact: number | null }[];
}

async function planFacts(
  context: MeteredContext,
  address: VaultAddress,
  inputs: readonly StoreInput[],
  extractor: Extractor,
  receipt: FactsReceipt,
): Promise<FactPlan> {
  const extracted = await extractFacts(
    extractor,
    inputs.map((input) => ({ role: input.role ?? 'USER', content: input.content })),
  );
  addUsage(receipt, extracted.usage);
  const facts = extracted.value;
  receipt.extracted = facts.length;
  if (facts.length === 0) return { added: [], retire: [] };

  const candidates = await nearestMemories(context, address, facts);
  const decisions: Decision[] = candidates.every((list) => list.length === 0)
    ? facts.map((_, fact) => ({ fact, action: 'ADD', target: null }))
    : await reconcileFacts(
        extractor,
        facts,
        candidates.map((list) => list.map(({ candidate }) => candidate)),
      ).then((answer) => {
        addUsage(receipt, answer.usage);
        return answer.value;
      });

  const plan: FactPlan = { added: [], retire: [] };
  const retiring = new Set<string>();
  const decided = new Set<number>();
  for (const decision of decisions) {
    const fact = facts[decision.fact];
    if (fact === undefined || decided.has(decision.fact)) continue; // unknown or repeated
    decided.add(decision.fact);
    const own = candidates[decision.fact]!;
    // Only a candidate shown with this very fact may be named: any other id,
    // whatever the model (or text quoted to it) says, retires nothing.
    const target = own.find(({ candidate }) => candidate.alias === decision.target);
    let action = decision.action;
    if ((action === 'UPDATE' || action === 'DELETE') && target === undefined) {
      // Refused, not dropped: the fact itself is still new information.
      receipt.rejected += 1;
      action = 'ADD';
    }
    // An ADD of what the vault already says is no change.
    if (action === 'ADD' && own.some(({ candidate }) => sameFact(candidate.content, fact))) {
      action = 'NONE';
    }
    if (action === 'NONE') {
      receipt.unchanged += 1;
    } else if (action === 'ADD') {
      plan.added.push({ content: fact, supersedes: null });
    } else if (!retiring.has(target!.localId)) {
      retiring.add(target!.localId);
      if (action === 'UPDATE') {
        plan.added.push({ content: fact, supersedes: target!.localId });
        plan.retire.push({ id: target!.localId, byFact: plan.added.length - 1 });
      } else {
        plan.retire.push({ id: target!.localId, byFact: null });
      }
    }
  }
  // Facts the model did not decide on are new.
  facts.forEach((fact, index) => {
    if (!decided.has(index)) plan.added.push({ content: fact, supersedes: null });
  });
  return plan;
}

/** Each fact's nearest current memories in the vault, over every window, best first. */
async function nearestMemories(
  context: MeteredContext,
  address: VaultAddress,
  facts: readonly string[],
): Promise<{ candidate: Candidate; localId: string }[][]> {
  const vectors = await context.embedder.embedQueries([...facts]);
  // Twice the candidates asked for, so raw turns can be left out.
  const windows = planWindows(
    MEMORY_WINDOWS.map((window) => ({ window, limit: 2 * CANDIDATES_PER_FACT })),
    Date.now(),
    context.config.bands,
    CREATED_AT_FUTURE_SLACK_MS,
  );
  const searches = await Promise.all(
    facts.map((fact, index) =>
      context.vaults.read(address, {
        type: 'search',
        request: {
          text: fact,
          vector: vectors[index]!,
          model: context.embedder.model,
          mode: 'HYBRID',
          windows,
          metadata: null,
          vectorWeight: context.config.hybridVectorWeight,
          // A fact's nearest memories, words shared or not: a new fact that
          // says the same in other words is still a candidate to supersede.
          keepUnmatched: true,
        },
      }),
    ),
  );
  return searches.map((search, factIndex) =>
    search.windows
      .flatMap((window) => window.hits)
      .filter((hit) => !isTurn(hit.memory.metadata))
      .sort((a: SearchHitRecord, b: SearchHitRecord) => b.score - a.score)
      .slice(0, CANDIDATES_PER_FACT)
      .map((hit, rank) => ({
        localId: hit.memory.id,
        candidate: {
          alias: `m${factIndex + 1}.${rank + 1}`,
          content: hit.memory.content,
          createdAt: hit.memory.createdAt,
        },
      })),
  );
}

function isTurn(metadata: string | null): boolean {
  if (metadata === null || !metadata.includes('"turn"')) return false;
  return (JSON.parse(metadata) as { kind?: unknown }).kind === TURN_METADATA.kind;
}

/** The same statement, ignoring case, spacing and final punctuation. */
function sameFact(a: string, b: string): boolean {
  const norm = (text: string) =>
    text
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .replace(/[.!\s]+$/u, '')
      .trim();
  return norm(a) === norm(b);
}

function addUsage(
  receipt: FactsReceipt,
  usage: { inputTokens: number | null; outputTokens: number | null } | null,
): void {
  receipt.usage.inputTokens += usage?.inputTokens ?? 0;
  receipt.usage.outputTokens += usage?.outputTokens ?? 0;
}

/** A facts receipt of nothing done yet. */
export function emptyFacts(): FactsReceipt {
  return {
    extracted: 0,
    added: [],
    updated: [],
    superseded: [],
    deleted: [],
    unchanged: 0,
    rejected: 0,
    failure: null,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}
