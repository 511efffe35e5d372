import type { Result } from '../core/errors';
import type {
  CheckResult,
  MemoryRecord,
  ReplayedExtraction,
  SearchHitRecord,
} from '../durable/rpc/vault-types';
import { vaultStub } from '../durable/rpc/stubs';
import { randomId } from '../core/encoding';
import { logWarn } from '../core/request-log';
import { CodedError } from '../core/errors';
import { CREATED_AT_FUTURE_SLACK_MS } from '../core/limits';
import { planWindows } from '../kronos/plan';
import { MEMORY_WINDOWS } from '../kronos/windows';
import { vaultObjectName, type VaultAddress, type VaultSelector } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';
import {
  extractFacts,
  ExtractionFailure,
  reconcileFacts,
  type Decision,
  type Extractor,
} from './fact-extraction';
import { applyDecisions, type FactPlan, type ShownCandidate } from './fact-decisions';
import { withinExtractionBound } from './extraction-bound';
import { markSourceTurnsOutdated } from './outdated-elsewhere';
import { vaultOf } from './principal';
import type { FactsReceipt } from './receipt';
import type { MeteredContext } from './request-context';
import type { Idempotency } from './idempotency';
import { isTurnMetadata, TURN_KIND } from '../text/turn-text';
import {
  argumentLabel,
  checkBeforeExtraction,
  keyedReplay,
  storeBatch,
  type InputLabel,
  type StoreInput,
  type StoredMemory,
} from './store-memories';

/** Candidates per fact: its nearest memories in the same vault (hybrid search). */
export const CANDIDATES_PER_FACT = 5;

/**
 * Metadata of an extracted fact and of a raw turn stored with extraction, so
 * callers can tell them apart (search with `metadata: { kind: "fact" }` for
 * current facts only). A raw turn is represented by its facts: it stays
 * searchable but is never a reconciliation candidate.
 */
export const FACT_METADATA = { kind: 'fact' } as const;
export const TURN_METADATA = { kind: TURN_KIND } as const;

/**
 * A fact's metadata: its kind, and the local ids of the turns it was drawn
 * from. Once the fact is superseded or deleted, the vault demotes those
 * turns in searches (durable/queries/stale-turns.ts), so what they said no
 * longer outranks the fact that replaced it.
 */
function factMetadata(turnIds: readonly string[]) {
  return { ...FACT_METADATA, turns: turnIds };
}

/**
 * For each input, the indices of the inputs of its turn: a user input and
 * what follows it up to the next user input (a chat call stores the
 * question and its answer together). A batch of user notes is a turn each.
 */
function turnsOf(inputs: readonly StoreInput[]): number[][] {
  const groups: number[][] = [];
  const ofInput: number[][] = [];
  inputs.forEach((input, index) => {
    if (index === 0 || (input.role ?? 'USER') === 'USER') groups.push([]);
    const group = groups.at(-1)!;
    group.push(index);
    ofInput.push(group);
  });
  return ofInput;
}

export interface StoredWithFacts {
  /** The raw turn as stored, in the order given (no entry for an input left out as repeated). */
  stored: StoredMemory[];
  facts: FactsReceipt;
  /** Memory tokens the store billed: the turn and the facts written. */
  memoryTokens: number;
  /** Inputs the vault left out as repeated (`skipIfRepeated`: a chat turn's items). */
  repeated: number;
}

/**
 * What a keyed store with extraction keeps of its receipt with its key
 * (`KeyedExtraction.receipt`): counts and decisions, never a fact's text,
 * which a replay reads from the vault (store-keys.ts says why).
 */
interface ReceiptRecord {
  extracted: number;
  unchanged: number;
  rejected: number;
  /** Absent in records written before facts the vault would refuse were left out. */
  refused?: number;
  failure: FactsReceipt['failure'];
  usage: FactsReceipt['usage'];
  /** Per fact stored, in order: the local id its UPDATE replaced as planned; null for a new fact. */
  supersedes: (string | null)[];
  /**
   * Facts kept apart from the turn (factsVault): their vault, the local ids
   * planned for them there (in order) and the retirements planned with
   * them; the key is kept with the turn, so a replay reads the facts from
   * their vault. Absent when the facts went with the turn.
   */
  apart?: {
    kind: VaultAddress['kind'];
    externalId: string | null;
    facts: string[];
    retire: { id: string; supersededBy: string | null }[];
  };
  /**
   * The extraction failed for a while (the provider's 429 or 5xx, no
   * connection, a timeout): a retry with the key extracts again. Absent in
   * records written before it: such a failure replays.
   */
  retryable?: boolean;
}

/** Provider failures that pass: a retry may well succeed (providers/upstream-error.ts). */
const PASSING_FAILURES = new Set(['UNREACHABLE', 'TIMEOUT', 'STREAM_BROKEN', 'PROVIDER_5XX']);

function passes(error: CodedError): boolean {
  return (
    PASSING_FAILURES.has(error.reason ?? '') ||
    (error.reason === 'PROVIDER_4XX' && error.details.providerStatus === 429)
  );
}

/**
 * Stores a batch (a turn, or a dated history of them) and the facts the
 * caller's model finds in it, keeping the vault true: every fact is compared
 * with its nearest memories in the same vault and with the facts of earlier
 * turns of the batch, and the model decides ADD, UPDATE (supersede), DELETE
 * (no longer true) or NONE (planFacts: two model calls at most). The raw turn, the new facts and the retirements are written
 * in one vault transaction. Whatever the model answers, the raw turn is
 * stored: a failed or malformed extraction is reported in the receipt, and
 * only memories from a fact's own candidate list can ever be retired.
 */
export async function storeWithFacts(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  extractor: Extractor,
  label?: InputLabel,
  /**
   * The call's idempotency key, its fingerprint covering the inputs and the
   * extract options: a retry is answered from the vault before any model call.
   */
  keyed: Idempotency | null = null,
  /**
   * Where the facts go (ExtractInput.factsVault, ChatInput.factsVault): null
   * or the inputs' own vault, with the turn (the default); another vault of
   * the key (CORE: read by every chat), apart (storeFactsApart).
   */
  factsVault: VaultSelector | null = null,
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
  const factsAddress = factsVault === null ? address : factsVaultOf(context, factsVault);
  if (vaultObjectName(factsAddress) !== vaultObjectName(address)) {
    return storeFactsApart(context, inputs, extractor, label, keyed, address, factsAddress);
  }
  const receipt: FactsReceipt = emptyFacts();

  const turn = turnOf(inputs);

  // A retry is answered before the model is asked anything: no model call,
  // nothing stored or billed. Two calls racing both get here first; the
  // vault then answers the second from the first's key as it writes (below),
  // and the second's model calls were spent for nothing.
  if (keyed !== null) {
    const replay = await keyedReplay(context, turn, keyed, label);
    if (replay !== null) {
      const again = await extractAgain(context, address, replay, extractor, label, keyed);
      return (
        again ?? replayed(context, address, replay.memories, replay.extraction, emptyFacts().usage)
      );
    }
  }
  // What the write would refuse is refused before the model is paid for.
  await checkBeforeExtraction(context, turn, label);

  const { plan, retryable } = await planOrFailure(context, address, turn, extractor, receipt);

  const positionOf = new Map(turn.map(({ id }, index) => [id, index]));
  const factInputs: StoreInput[] = (plan?.facts ?? []).map((fact) => ({
    ...factInput(inputs[0]!.vault ?? null, fact),
    // Left out when its whole turn is (a chat turn that repeats: memory-turn.ts).
    skipWith: fact.turns.map((id) => positionOf.get(id)!),
  }));
  const record: ReceiptRecord = {
    ...recordOf(receipt, plan?.facts ?? []),
    ...(retryable ? { retryable } : {}),
  };
  const write = (facts: readonly StoreInput[], retire: FactPlan['retire']) =>
    storeBatch(
      context,
      [...turn, ...facts],
      turnLabel(inputs.length, label),
      retire.map(({ id, byFact, turns }) => ({
        id,
        byPosition: byFact === null ? null : inputs.length + byFact,
        // A DELETE goes with its fact's turn when that is left out as repeated.
        skipWith: turns.map((turnId) => positionOf.get(turnId)!),
      })),
      keyed === null
        ? null
        : { ...keyed, extraction: { inputs: inputs.length, receipt: JSON.stringify(record) } },
    );
  const stored = await write(factInputs, plan?.retire ?? []).catch((error: unknown) => {
    // Room for the turn (checked before the model was asked) but not for its
    // facts: the turn is stored alone and the receipt says the facts were not.
    if (!(error instanceof CodedError) || error.reason !== 'VAULT_FULL' || factInputs.length === 0)
      throw error;
    receipt.failure = {
      reason: 'VAULT_FULL',
      message: `the vault has no room for the ${factInputs.length} facts found: the turn is stored without them`,
    };
    record.failure = receipt.failure;
    record.supersedes = [];
    return write([], []);
  });
  const turnStored = stored.memories.slice(0, inputs.length);
  // Another call with this key wrote first: its answer, not this one's plan.
  if (stored.extraction !== null)
    return replayed(context, address, turnStored, stored.extraction, receipt.usage);
  // A fact left out with its repeated turn (skipWith) has no entry.
  const facts = stored.memories
    .slice(inputs.length)
    .map((memory) => memory && { id: memory.record.id, content: memory.record.content });
  // A fact written apart from its turn earlier (sourceTurns) may be what
  // this store retired: its turn, in another vault, is told.
  await markSourceTurnsOutdated(context, address, stored.retired);
  const done = receiptOf(address, record, facts, stored.retired);
  context.receipt.recordFacts(done);
  return {
    stored: turnStored,
    facts: done,
    memoryTokens: stored.memoryTokens,
    repeated: stored.repeated,
  };
}

/** What a keyed store keeps of its facts receipt for a retry, before the vault writes. */
function recordOf(receipt: FactsReceipt, facts: FactPlan['facts']): ReceiptRecord {
  return {
    extracted: receipt.extracted,
    unchanged: receipt.unchanged,
    rejected: receipt.rejected,
    refused: receipt.refused,
    failure: receipt.failure,
    usage: receipt.usage,
    supersedes: facts.map((fact) => fact.supersedes),
  };
}

/**
 * The turn's inputs with their ids chosen here, so its facts can name it,
 * and their time too: inputs without one are dated once, as the batch
 * arrives, so a fact (and what a later fact of the batch closes) has a time
 * before the vault writes.
 */
function turnOf(inputs: readonly StoreInput[]) {
  const arrivedAt = new Date();
  return inputs.map((input) => ({
    ...input,
    id: input.id ?? randomId(),
    metadata: input.metadata ?? TURN_METADATA,
    createdAt: input.createdAt ?? arrivedAt,
  }));
}

/** The facts' vault a selector names under the calling key; a bad selector is refused coded. */
export function factsVaultOf(context: MeteredContext, selector: VaultSelector): VaultAddress {
  try {
    return vaultOf(context.principal, selector);
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    throw new CodedError(error.code, `factsVault: ${error.message}`, error.reason);
  }
}

/**
 * A store with extraction whose facts go to another vault of the key than
 * the turn (factsVault: CORE, so that every chat reads them). The facts are
 * reconciled against the facts' vault, so a fact from one session
 * supersedes one from another. Two vaults are two writes: the turn first,
 * with the idempotency key and the receipt record (the facts' planned ids),
 * then the facts and their retirements in their vault. A facts write the
 * vault refuses after the turn was stored (it filled meanwhile) is reported
 * in the receipt's failure (STORE_FAILED), as a failed extraction is; the
 * turn stays stored. Each fact names its turn by Memory.id (metadata
 * `sourceTurns`); when a store retires such a fact, the turn's vault is
 * told after the facts are written (outdated-elsewhere.ts), so the turn is
 * demoted and marked `outdated` there as beside its fact.
 */
async function storeFactsApart(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  extractor: Extractor,
  label: InputLabel | undefined,
  keyed: Idempotency | null,
  address: VaultAddress,
  factsAddress: VaultAddress,
): Promise<StoredWithFacts> {
  const receipt: FactsReceipt = emptyFacts();
  const turn = turnOf(inputs);
  if (keyed !== null) {
    const replay = await keyedReplay(context, turn, keyed, label);
    if (replay !== null) {
      return replayedApart(context, address, replay.memories, replay.extraction, receipt.usage);
    }
  }
  // What either write would refuse is refused before the model is paid for.
  await checkBeforeExtraction(context, turn, label);
  const checked = await context.timings.time('vault', async (): Promise<CheckResult> =>
    vaultStub(context.env, factsAddress).check(factsAddress, {
      model: context.embedder.model,
      dimensions: context.embedder.dimensions,
      memories: [],
    }),
  );
  if (!checked.ok) {
    throw new CodedError(checked.code, `factsVault: ${checked.message}`, checked.reason);
  }

  const { plan } = await planOrFailure(context, factsAddress, turn, extractor, receipt);
  const facts = plan?.facts ?? [];
  const retire = plan?.retire ?? [];
  const record: ReceiptRecord = {
    ...recordOf(receipt, facts),
    apart: {
      kind: factsAddress.kind,
      externalId: factsAddress.externalId,
      facts: facts.map((fact) => fact.id),
      retire: retire.map(({ id, byFact }) => ({
        id,
        supersededBy: byFact === null ? null : facts[byFact]!.id,
      })),
    },
  };
  const stored = await storeBatch(
    context,
    turn,
    label,
    [],
    keyed === null
      ? null
      : { ...keyed, extraction: { inputs: inputs.length, receipt: JSON.stringify(record) } },
  );
  const turnStored = stored.memories.slice(0, inputs.length);
  // Another call with this key wrote first: its answer, not this one's plan.
  if (stored.extraction !== null) {
    return replayedApart(context, address, turnStored, stored.extraction, receipt.usage);
  }

  // A fact (and what it retires) goes with its turn: left out when every
  // item it was drawn from was left out as repeated (a chat turn racing its twin).
  const positionOf = new Map(turn.map(({ id }, index) => [id, index]));
  const standing = (turns: readonly string[]) =>
    turns.some((id) => turnStored[positionOf.get(id)!] !== undefined);
  const kept = facts.flatMap((fact, index) => (standing(fact.turns) ? [index] : []));
  const placeOf = new Map(kept.map((index, place) => [index, place]));
  const retiring = retire.filter(({ turns }) => standing(turns));
  const sourceOf = (turns: readonly string[]) =>
    turns.flatMap((id) =>
      turnStored[positionOf.get(id)!] === undefined
        ? []
        : [encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId: id })],
    );
  const selector: VaultSelector = { kind: factsAddress.kind, id: factsAddress.externalId };
  const written: (StoredMemory | undefined)[] = new Array(facts.length);
  let retired: { id: string; supersededBy: string | null }[] = [];
  let memoryTokens = stored.memoryTokens;
  if (kept.length > 0 || retiring.length > 0) {
    try {
      const factsStored = await storeBatch(
        context,
        kept.map((index) => ({
          ...factInput(selector, facts[index]!),
          metadata: { ...FACT_METADATA, sourceTurns: sourceOf(facts[index]!.turns) },
        })),
        () => null,
        retiring.map(({ id, byFact }) => ({
          id,
          byPosition: byFact === null ? null : (placeOf.get(byFact) ?? null),
        })),
      );
      kept.forEach((index, place) => (written[index] = factsStored.memories[place]));
      retired = factsStored.retired;
      memoryTokens += factsStored.memoryTokens;
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      receipt.failure = {
        reason: 'STORE_FAILED',
        message: `the facts could not be stored in their vault (${error.reason ?? error.code}): ${error.message}`,
      };
      // The key was recorded with the turn, planning facts that never came:
      // it is told, so a replay answers this failure, not "deleted since".
      if (keyed !== null) await recordRefusal(context, address, keyed.key, record, receipt.failure);
    }
  }
  // The retired facts' turns live in other vaults: one more call tells them.
  await markSourceTurnsOutdated(context, factsAddress, retired);
  const done = receiptOf(
    factsAddress,
    { ...record, failure: receipt.failure },
    written.map((memory) => memory && { id: memory.record.id, content: memory.record.content }),
    retired,
  );
  context.receipt.recordFacts(done);
  return { stored: turnStored, facts: done, memoryTokens, repeated: stored.repeated };
}

/**
 * A keyed store with facts apart whose facts write was refused: the record
 * kept with the key in the turn's vault becomes the failure, with nothing
 * planned (no fact, no retirement), so a replay reports what the first
 * answer did. Never fails the store: a failed call is tried once more after
 * the answer, and when that fails too the replay reads the planned facts as
 * deleted since (logged by reason with the request id).
 */
async function recordRefusal(
  context: MeteredContext,
  address: VaultAddress,
  key: string,
  record: ReceiptRecord,
  failure: FactsReceipt['failure'],
): Promise<void> {
  const from = JSON.stringify(record);
  const refused: ReceiptRecord = {
    ...record,
    failure,
    supersedes: [],
    ...(record.apart === undefined ? {} : { apart: { ...record.apart, facts: [], retire: [] } }),
  };
  const to = JSON.stringify(refused);
  const amend = async () => {
    const amended = await vaultStub(context.env, address).amendKeyedReceipt(address, key, from, to);
    if (!amended.ok) throw CodedError.from(amended);
  };
  try {
    await amend();
  } catch (first) {
    context.ctx.waitUntil(
      amend().catch((again: unknown) =>
        logWarn('refused facts write not recorded with its key', reasonOf(again), reasonOf(first)),
      ),
    );
  }
}

function reasonOf(error: unknown): string {
  return error instanceof CodedError ? (error.reason ?? error.code) : 'UNEXPECTED';
}

/**
 * A keyed store with facts apart answered from its key: the turn as the
 * first call stored it, and its facts as their vault holds them now (a
 * fact deleted since keeps its id with empty content and is named in
 * replay.deletedSince; a retirement that did not happen is left out), with
 * this call's own provider usage.
 */
async function replayedApart(
  context: MeteredContext,
  address: VaultAddress,
  stored: StoredMemory[],
  extraction: ReplayedExtraction | null,
  usage: FactsReceipt['usage'],
): Promise<StoredWithFacts> {
  const record = extraction === null ? null : (JSON.parse(extraction.receipt) as ReceiptRecord);
  if (extraction === null || record?.apart === undefined) {
    return replayed(context, address, stored, extraction, usage);
  }
  const { apart } = record;
  const factsAddress = vaultOf(context.principal, { kind: apart.kind, id: apart.externalId });
  const found = await context.timings.time(
    'vault',
    async (): Promise<Result<{ memories: MemoryRecord[] }>> =>
      vaultStub(context.env, factsAddress).get(factsAddress, [
        ...apart.facts,
        ...apart.retire.map(({ id }) => id),
      ]),
  );
  if (!found.ok) throw CodedError.from(found);
  const byId = new Map(found.memories.map((memory) => [memory.id, memory]));
  // A fact its vault no longer holds was deleted since: kept in the receipt
  // with its id and no content, and named in replay.deletedSince, as beside
  // its turn. (A first call whose facts write was refused after its turn was
  // stored recorded the failure with nothing planned: recordRefusal.)
  const deletedSince = apart.facts.filter((id) => !byId.has(id));
  context.receipt.recordReplay(
    deletedSince.map((localId) =>
      encodeMemoryId({ kind: factsAddress.kind, externalId: factsAddress.externalId, localId }),
    ),
  );
  const receipt = receiptOf(
    factsAddress,
    record,
    apart.facts.map((id) => ({ id, content: byId.get(id)?.content ?? '' })),
    // What the first call's facts write retired: none when it never
    // happened (refused, or cut short after the turn was stored).
    apart.retire.filter(({ id }) => (byId.get(id)?.validUntil ?? null) !== null),
  );
  receipt.usage = { ...usage };
  context.receipt.recordFacts(receipt);
  return { stored, facts: receipt, memoryTokens: 0, repeated: 0 };
}

/**
 * The caller's labels for the turn's inputs, none for the facts written
 * after them: a refusal of a fact must not name an input the caller never sent.
 */
function turnLabel(inputs: number, label: InputLabel = argumentLabel): InputLabel {
  return (index) => (index < inputs ? label(index) : null);
}

/** A planned fact as the store input that writes it. */
function factInput(vault: VaultSelector | null, fact: FactPlan['facts'][number]): StoreInput {
  return {
    vault,
    id: fact.id,
    content: fact.content,
    role: 'SYSTEM',
    metadata: factMetadata(fact.turns),
    // A fact became known when its turn was said: backfilled history keeps
    // its timeline (and a superseded fact closes then: vault-writes.ts).
    createdAt: fact.createdAt,
    // Replaced by a later fact of the same batch: it arrives closed.
    ...(fact.closed === null ? {} : { validUntil: fact.closed.at, supersededBy: fact.closed.by }),
  };
}

/**
 * The facts of a batch, or why there are none: a failed or malformed
 * extraction is reported in `receipt` (the turn is stored anyway), and
 * `retryable` when it may pass (the provider's 429 or 5xx, no connection).
 */
async function planOrFailure(
  context: MeteredContext,
  address: VaultAddress,
  turn: readonly (StoreInput & { id: string; createdAt: Date })[],
  extractor: Extractor,
  receipt: FactsReceipt,
): Promise<{ plan: FactPlan | null; retryable: boolean }> {
  try {
    const plan = await withinExtractionBound(extractor, (bounded) =>
      planFacts(context, address, turn, bounded, receipt),
    );
    return { plan, retryable: false };
  } catch (error) {
    if (error instanceof ExtractionFailure) {
      // The unusable answer was billed all the same: its tokens count.
      addUsage(receipt, error.usage);
      receipt.failure = { reason: error.reason, message: error.message };
      return { plan: null, retryable: false };
    }
    if (error instanceof CodedError) {
      // The provider refused or failed: the turn is still stored, the cause reported.
      receipt.failure = { reason: error.reason ?? error.code, message: error.message };
      return { plan: null, retryable: passes(error) };
    }
    throw error;
  }
}

/**
 * A retry of a keyed store whose extraction failed for a while: extracts
 * from the inputs the first call stored (by their remembered ids and times,
 * the texts the retry sends again), and writes the facts alone, recorded
 * under the key in place of the failure, so later retries replay them.
 * null when the first call's extraction did not fail that way (or an input
 * was deleted since, or it failed again): the call is answered as a replay.
 */
async function extractAgain(
  context: MeteredContext,
  address: VaultAddress,
  replay: {
    memories: StoredMemory[];
    extraction: ReplayedExtraction | null;
    deletedSince: string[];
  },
  extractor: Extractor,
  label: InputLabel | undefined,
  keyed: Idempotency,
): Promise<StoredWithFacts | null> {
  const { extraction } = replay;
  if (extraction === null || extraction.facts.length > 0) return null;
  const first = JSON.parse(extraction.receipt) as ReceiptRecord;
  if (first.retryable !== true || replay.deletedSince.length > 0) return null;
  const selector: VaultSelector = { kind: address.kind, id: address.externalId };
  const turn = replay.memories.map(({ record }) => ({
    vault: selector,
    content: record.content,
    role: record.role,
    id: record.id,
    createdAt: new Date(record.createdAt),
  }));
  const receipt = emptyFacts();
  const { plan, retryable } = await planOrFailure(context, address, turn, extractor, receipt);
  if (plan === null) {
    // Failed again: the first call's answer, with what this attempt spent and met.
    const answer = replayed(context, address, replay.memories, extraction, receipt.usage);
    answer.facts.failure = receipt.failure;
    return answer;
  }
  const record: ReceiptRecord = {
    extracted: receipt.extracted,
    unchanged: receipt.unchanged,
    rejected: receipt.rejected,
    refused: receipt.refused,
    failure: null,
    usage: receipt.usage,
    supersedes: plan.facts.map((fact) => fact.supersedes),
    ...(retryable ? { retryable } : {}),
  };
  const stored = await storeBatch(
    context,
    plan.facts.map((fact) => factInput(selector, fact)),
    turnLabel(0),
    plan.retire.map(({ id, byFact }) => ({ id, byPosition: byFact })),
    {
      ...keyed,
      extraction: {
        inputs: turn.length,
        receipt: JSON.stringify(record),
        amends: {
          receipt: extraction.receipt,
          inputs: replay.memories.map(({ record: { content, role, metadata } }) => ({
            content,
            role,
            metadata,
          })),
        },
      },
    },
  );
  // Another retry extracted first: its answer.
  if (stored.extraction !== null)
    return replayed(context, address, replay.memories, stored.extraction, receipt.usage);
  const facts = stored.memories.map(({ record }) => ({ id: record.id, content: record.content }));
  await markSourceTurnsOutdated(context, address, stored.retired);
  const done = receiptOf(address, record, facts, stored.retired);
  context.receipt.recordFacts(done);
  return { stored: replay.memories, facts: done, memoryTokens: stored.memoryTokens, repeated: 0 };
}

/**
 * A keyed store with extraction answered from its key: the first call's
 * memories and its receipt again, as the vault holds them now, with this
 * call's own provider usage. A fact
 * deleted since keeps its id (named in extensions.memory.replay.deletedSince)
 * with empty content: the vault keeps no copy of a deleted memory's text.
 */
function replayed(
  context: MeteredContext,
  address: VaultAddress,
  stored: StoredMemory[],
  /** null only for a key recorded without extraction, which another fingerprint refuses first. */
  extraction: ReplayedExtraction | null,
  /**
   * The provider tokens this call spent: none for a retry answered before
   * the model was asked; a racing call's own. Never the first call's, which
   * were reported (and billed by the provider) once.
   */
  usage: FactsReceipt['usage'],
): StoredWithFacts {
  const receipt =
    extraction === null
      ? emptyFacts()
      : receiptOf(
          address,
          JSON.parse(extraction.receipt) as ReceiptRecord,
          extraction.facts.map(({ id, content }) => ({ id, content: content ?? '' })),
          extraction.retired,
        );
  receipt.usage = { ...usage };
  context.receipt.recordFacts(receipt);
  return { stored, facts: receipt, memoryTokens: 0, repeated: 0 };
}

/**
 * The receipt of a store with extraction, from its record, the facts stored
 * (in the record's order; undefined for one left out) and the retirements
 * the vault applied: the same for the first call and its replays.
 */
function receiptOf(
  address: VaultAddress,
  record: ReceiptRecord,
  facts: readonly ({ id: string; content: string } | undefined)[],
  retired: readonly { id: string; supersededBy: string | null }[],
): FactsReceipt {
  const globalId = (localId: string) =>
    encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId });
  const receipt: FactsReceipt = {
    ...emptyFacts(),
    extracted: record.extracted,
    unchanged: record.unchanged,
    rejected: record.rejected,
    refused: record.refused ?? 0,
    failure: record.failure,
    usage: { ...record.usage },
  };
  // What each new fact really replaced: the vault retires the current
  // version of what the model named, which another store may have
  // superseded meanwhile (vault-writes.ts `retire`).
  const replacedBy = new Map(
    retired.flatMap(({ id, supersededBy }) =>
      supersededBy === null ? [] : [[supersededBy, id] as const],
    ),
  );
  facts.forEach((fact, index) => {
    if (fact === undefined) return;
    const planned = record.supersedes[index] ?? null;
    const supersedes = planned === null ? null : (replacedBy.get(fact.id) ?? planned);
    if (supersedes === null) {
      receipt.added.push({ id: globalId(fact.id), content: fact.content });
    } else {
      receipt.updated.push({
        id: globalId(fact.id),
        content: fact.content,
        supersedes: globalId(supersedes),
      });
    }
  });
  for (const { id, supersededBy } of retired) {
    if (supersededBy === null) receipt.deleted.push(globalId(id));
    else receipt.superseded.push(globalId(id));
  }
  return receipt;
}

/**
 * The facts of a batch and what they change. Two model calls at most, however
 * long the batch: one extraction over all its inputs (in order, dated, each
 * fact tagged with its input), then one reconciliation where each fact sees
 * its nearest vault memories and the facts of earlier turns of the same
 * batch. Decisions apply in the facts' order, so a later fact can replace an
 * earlier one (Paris in March, then Berlin in July: Paris closes in July).
 */
async function planFacts(
  context: MeteredContext,
  address: VaultAddress,
  turn: readonly (StoreInput & { id: string; createdAt: Date })[],
  extractor: Extractor,
  receipt: FactsReceipt,
): Promise<FactPlan> {
  // The model reads the batch's turns in time order, whatever order they
  // came in (a listing is newest first, and so is many a backfill): a fact
  // from March must come before one from July, or July's would be the one
  // replaced. Sorted by turn, stably, so a question stays with its answer.
  const turnOf = turnsOf(turn);
  const saidAtOf = (group: readonly number[]) =>
    Math.max(...group.map((index) => turn[index]!.createdAt.getTime()));
  const inTime = [...new Set(turnOf)].sort((a, b) => saidAtOf(a) - saidAtOf(b)).flat();
  const extracted = await extractFacts(
    extractor,
    inTime.map((index) => ({
      role: turn[index]!.role ?? 'USER',
      content: turn[index]!.content,
      saidAt: turn[index]!.createdAt.getTime(),
    })),
    context.config.maxContentBytes,
  );
  addUsage(receipt, extracted.usage);
  receipt.extracted = extracted.value.length;
  receipt.refused = extracted.refused;
  if (extracted.value.length === 0) return { facts: [], retire: [] };

  const facts = extracted.value
    .map(({ content, input }) => {
      const group = turnOf[inTime[input]!]!;
      return {
        content,
        group,
        saidAt: saidAtOf(group),
        turns: group.map((index) => turn[index]!.id),
      };
    })
    .sort((a, b) => a.saidAt - b.saidAt);
  const nearest = await nearestMemories(
    context,
    address,
    facts.map(({ content }) => content),
  );
  // Each fact's candidates: its nearest vault memories, then the facts of
  // earlier turns of the batch (at most MAX_FACTS_PER_CALL - 1 of them).
  const candidates: ShownCandidate[][] = facts.map((fact, index) => [
    ...nearest[index]!,
    ...facts.slice(0, index).flatMap((earlier, at): ShownCandidate[] =>
      earlier.group === fact.group
        ? []
        : [
            {
              candidate: {
                alias: `f${at + 1}`,
                content: earlier.content,
                createdAt: earlier.saidAt,
              },
              target: { batchFact: at },
            },
          ],
    ),
  ]);
  const decisions: Decision[] = candidates.every((list) => list.length === 0)
    ? []
    : await reconcileFacts(
        extractor,
        facts.map(({ content, saidAt }) => ({ content, saidAt })),
        candidates.map((list) => list.map(({ candidate }) => candidate)),
      ).then((answer) => {
        addUsage(receipt, answer.usage);
        return answer.value;
      });
  return applyDecisions(facts, candidates, decisions, receipt);
}

/** Each fact's nearest current memories in the vault, over every window, best first. */
async function nearestMemories(
  context: MeteredContext,
  address: VaultAddress,
  facts: readonly string[],
): Promise<ShownCandidate[][]> {
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
      .filter((hit) => !isTurnMetadata(hit.memory.metadata))
      .sort((a: SearchHitRecord, b: SearchHitRecord) => b.score - a.score)
      .slice(0, CANDIDATES_PER_FACT)
      .map((hit, rank) => ({
        target: { localId: hit.memory.id },
        candidate: {
          alias: `m${factIndex + 1}.${rank + 1}`,
          content: hit.memory.content,
          createdAt: hit.memory.createdAt,
        },
      })),
  );
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
    refused: 0,
    failure: null,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}
