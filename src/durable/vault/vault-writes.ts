import type { AppConfig } from '../../core/config';
import { batchIds } from '../../core/encoding';
import { IDEMPOTENCY_WINDOW_MS } from '../../core/limits';
import { failure, type Failure } from '../../core/errors';
import type { VaultAddress } from '../../vaults/address';
import type { SnapshotHeader } from '../../vaults/jsonl';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkMetadataText,
  type Refusal,
} from '../../vaults/memory-rules';
import type { HotIndex } from '../indexes/hot-index';
import type { MemoryEventLog, MemoryEventRecord, NewMemoryEvent } from '../warm-tier/memory-events';
import type { RetiredSeq, RetiredSet } from '../warm-tier/retired-set';
import { ANY_MEMORY, extractedTurnHeld } from '../warm-tier/recent-texts';
import {
  sameInputs,
  type RememberedMemory,
  type RememberedStore,
  type StoreKeys,
} from '../warm-tier/store-keys';
import { metaAfterRestore } from '../cold-tier/snapshot-store';
import { namesSpeaker } from '../full-text/speaker-names';
import type { VaultMeta, VaultMetaRecord } from '../warm-tier/vault-meta';
import { reembedTarget } from './vault-reembed';
import { checkPlan, planOf, refuseAt, type VaultFacts } from './vault-rules';
import type { EditableRow, PreparedMemory, VaultStorage } from '../warm-tier/vault-storage';
import { sourceTurnsOf } from '../../vaults/source-turns';
import {
  ROLES,
  type ArrivingRetirement,
  type CheckResult,
  type MemoryRecord,
  type ApartFact,
  type NewMemory,
  type Retirement,
  type ReplayInput,
  type StoreFailure,
  type StorePlan,
  type StoreRequest,
  type StoreResult,
  type UpdateRequest,
  type UpdateResult,
} from '../rpc/vault-types';

/**
 * A vault's write path. Every change is checked in full first (vault-rules.ts),
 * then written in one transaction together with the meta that goes with it,
 * and only once that committed does the in-memory state (hot-index.ts) take
 * it in: a failed transaction leaves nothing behind in either.
 */
export class VaultWrites {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly rows: VaultStorage,
    private readonly meta: VaultMeta,
    private readonly hot: HotIndex,
    private readonly config: AppConfig,
    private readonly events: MemoryEventLog,
    private readonly retired: RetiredSet,
    private readonly keys: StoreKeys,
    /** Told of the events of every change once it committed (live subscribers). */
    private readonly committed: (events: MemoryEventRecord[]) => void,
  ) {}

  /** The vault as the checks need it (loads the hot index: the write would anyway). */
  facts(meta: VaultMetaRecord = this.meta.record()): VaultFacts & { address: VaultAddress | null } {
    const { address, embeddingModel, dimensions, reembed } = meta;
    const hotRows = this.hot.rows();
    return {
      address,
      embeddingModel,
      dimensions,
      reembedTarget: reembedTarget(reembed),
      hotRows,
      memoryCount: this.hot.memoryCount(),
      taken: (ids) => this.rows.taken(ids),
    };
  }

  /** Whether `store` would take a batch of this plan now; writes nothing. */
  check(plan: StorePlan): CheckResult {
    const checked = checkPlan(plan, this.facts(), this.config);
    return checked.ok ? { ok: true } : checked;
  }

  /** Stores a batch: all of it, or (on any invalid item) none. */
  store(address: VaultAddress, request: StoreRequest): StoreResult {
    return this.storeWith(address, request, this.meta.record()).result;
  }

  /**
   * `store`, given the meta record as the call found it (`VaultLifecycle.open`
   * read it), and answering the record as the write left it: the caller plans
   * the alarm from it without reading the meta table again.
   */
  storeWith(
    address: VaultAddress,
    asked: StoreRequest,
    meta: VaultMetaRecord,
  ): { result: StoreResult; meta: VaultMetaRecord; usage?: StoreRequest['usage'] } {
    const { idempotency } = asked;
    const amends = idempotency?.extraction?.amends;
    // A retry's new facts for inputs stored by the first call: their records.
    let kept: RememberedMemory[] = [];
    if (idempotency !== undefined) {
      const earlier = amends === undefined ? null : this.keys.find(idempotency.key, Date.now());
      if (amends !== undefined && earlier?.extraction?.receipt === amends.receipt) {
        kept = earlier.memories.slice(0, earlier.extraction.inputs);
      } else {
        const replay = this.replay(idempotency, amends?.inputs ?? asked.memories);
        if (replay !== null) return { result: replay, meta };
        // The key went (its window passed) while the retry extracted.
        if (amends !== undefined)
          return {
            result: failure(
              'NOT_FOUND',
              `the idempotency key expired (its ${IDEMPOTENCY_WINDOW_MS / 3_600_000} hours passed while this retry extracted facts): nothing was written; the first call's memories stand without facts, and this key now starts a new call`,
              'IDEMPOTENCY_KEY_EXPIRED',
            ),
            meta,
          };
      }
    }
    // Looked up in the same synchronous step as the write below: no other
    // store runs in between, so of two identical turns racing, one is stored.
    const repeated = this.repeatedIn(asked.memories);
    const request = repeated.length === 0 ? asked : withoutPositions(asked, repeated);
    const noted = repeated.length === 0 ? {} : { repeated };
    const facts = this.facts(meta);
    if (request.memories.length === 0)
      return {
        result: { ok: true, memories: [], created: false, ...noted },
        meta,
        usage: request.usage,
      };
    const batch = prepareStore(address, request, facts, this.config, Date.now());
    if (!batch.ok) return { result: batch, meta };
    const now = Date.now();
    const { seqs, retired, events } = this.storage.transactionSync(() => {
      const written = this.rows.insert(batch.memories, now);
      this.meta.update(batch.meta);
      const retired = [
        ...this.retire(request.retire ?? [], batch.memories, now),
        ...this.arriveRetired(request.arriveRetired ?? [], batch.memories),
      ];
      if (idempotency !== undefined) {
        const records = [...kept, ...batch.memories.map(({ record }) => record)];
        const { extraction } = idempotency;
        this.keys.remember(
          idempotency.key,
          idempotency.fingerprint,
          records,
          now,
          extraction === undefined
            ? null
            : {
                inputs: extraction.inputs,
                receipt: extraction.receipt,
                retired: retired.map(({ id, supersededBy }) => ({ id, supersededBy })),
              },
        );
      }
      const events = [
        ...this.events.appendAdded(
          batch.memories.map(({ record }) => record),
          written,
          now,
        ),
        ...this.events.append(
          retired.map(({ id, supersededBy }): NewMemoryEvent => ({
            type: supersededBy === null ? 'DELETED' : 'UPDATED',
            memoryId: id,
            content: null,
            supersededBy,
            at: now,
          })),
        ),
      ];
      return { seqs: written, retired, events };
    });
    const written = { ...meta, ...batch.meta };
    this.hot.added(batch.memories, seqs, written.dimensions!);
    this.retired.added(retired);
    this.committed(events);
    return {
      result: {
        ok: true,
        memories: batch.memories.map(({ record }) => record),
        retired: retired.map(({ id, supersededBy }) => ({ id, supersededBy })),
        created: facts.address === null,
        ...noted,
      },
      meta: written,
      usage: request.usage,
    };
  }

  /**
   * The answer to a keyed store when the vault holds its key: the first
   * call's memories again (built from `inputs`, the retry's own), or a
   * refusal when the key was used with other inputs; null when the vault
   * holds no such key. Writes nothing, so the Worker asks it before a keyed
   * store's model calls, and `storeWith` in the write's own step.
   */
  replay(
    idempotency: NonNullable<StoreRequest['idempotency']>,
    inputs: readonly ReplayInput[],
  ): StoreResult | null {
    const earlier = this.keys.find(idempotency.key, Date.now());
    if (earlier === null) return null;
    const replay = replayOf(earlier, idempotency, inputs);
    if (!replay.ok) return replay;
    const ids = earlier.memories.map(({ id }) => id);
    const held = new Set(this.rows.taken(ids));
    const deletedSince = ids.filter((id) => !held.has(id));
    const { extraction } = earlier;
    return {
      ...replay,
      ...(deletedSince.length > 0 ? { deletedSince } : {}),
      ...(extraction === null
        ? {}
        : {
            extraction: {
              receipt: extraction.receipt,
              retired: extraction.retired,
              // Read from the vault: the key keeps no fact's text.
              facts: ids.slice(extraction.inputs).map((id) => ({
                id,
                content: held.has(id) ? (this.rows.find(id)?.content ?? null) : null,
              })),
            },
          }),
    };
  }

  /**
   * Positions of the memories a store leaves out as repeated: a chat turn's
   * item (`skipIfRepeated`) whose text the vault holds from the last day,
   * and a memory drawn only from such items (`skipWith`: a fact of a
   * repeated turn).
   */
  private repeatedIn(memories: readonly NewMemory[]): number[] {
    const now = Date.now();
    const extracted = memories.some((memory) => memory.repeatsExtractedOnly === true)
      ? extractedTurnHeld(this.retired.staleTurns())
      : ANY_MEMORY;
    const repeated = new Set(
      memories.flatMap((memory, position) =>
        memory.skipIfRepeated === true &&
        this.rows.heldRecently(
          memory.content,
          now,
          memory.repeatsExtractedOnly === true ? extracted : ANY_MEMORY,
        )
          ? [position]
          : [],
      ),
    );
    if (repeated.size === 0) return [];
    memories.forEach((memory, position) => {
      const from = memory.skipWith;
      if (from !== undefined && from.length > 0 && from.every((at) => repeated.has(at)))
        repeated.add(position);
    });
    return [...repeated].sort((a, b) => a - b);
  }

  /**
   * Which of `contents` a chat turn would leave out as repeated now (the
   * rule `repeatedIn` applies when it writes), so the Worker extracts facts
   * from the new part of a turn only. Writes nothing.
   */
  repeatedTexts(contents: readonly string[], extractedOnly = false): number[] {
    const now = Date.now();
    const counts = extractedOnly ? extractedTurnHeld(this.retired.staleTurns()) : ANY_MEMORY;
    return contents.flatMap((content, position) =>
      this.rows.heldRecently(content, now, counts) ? [position] : [],
    );
  }

  /**
   * Applies a batch's retirements (inside its transaction). Only current
   * memories of this vault that the batch did not itself write are retired;
   * anything else is skipped, never an error: the batch's memories are kept.
   */
  private retire(
    retirements: readonly Retirement[],
    written: readonly PreparedMemory[],
    now: number,
  ): AppliedRetirement[] {
    // Most stores retire nothing: they pay for none of what follows.
    if (retirements.length === 0) return [];
    const own = new Set(written.map(({ record }) => record.id));
    const applied: AppliedRetirement[] = [];
    // A memory stops being true when what replaced it (or said it no longer
    // holds) was said: the successor's time, or the batch's latest, which is
    // a backfilled conversation's own time rather than the server's.
    const saidAt = Math.max(...written.map(({ record }) => record.createdAt));
    for (const { id: asked, byPosition } of retirements) {
      if (own.has(asked)) continue;
      const successor = byPosition === null ? null : written[byPosition]?.record;
      if (successor === undefined) continue;
      // Another store may have superseded the memory since the model saw it
      // (two extractions at once, each answering UPDATE Paris): the new
      // version then replaces the current end of that chain, so one version
      // stays current. A memory already declared untrue is left so.
      if (successor === null) {
        const retired = this.rows.retire(asked, null, Math.min(saidAt, now));
        if (retired !== null) applied.push({ id: asked, supersededBy: null, ...retired });
        continue;
      }
      const current = this.rows.currentVersionOf(asked);
      if (current === null || own.has(current.id)) continue;
      if (current.id !== asked && current.createdAt > successor.createdAt) {
        // That version was said after this one: this one arrives replaced by it.
        const retired = this.rows.retire(successor.id, current.id, current.createdAt);
        if (retired !== null)
          applied.push({ id: successor.id, supersededBy: current.id, ...retired });
        continue;
      }
      const retired = this.rows.retire(
        current.id,
        successor.id,
        Math.min(successor.createdAt, now),
      );
      if (retired !== null)
        applied.push({ id: current.id, supersededBy: successor.id, ...retired });
    }
    return applied;
  }

  /**
   * Marks the batch's own memories that arrive superseded (inside its
   * transaction), with the time and successor they were exported with.
   */
  private arriveRetired(
    arriving: readonly ArrivingRetirement[],
    written: readonly PreparedMemory[],
  ): AppliedRetirement[] {
    const applied: AppliedRetirement[] = [];
    for (const { position, validUntil, supersededBy } of arriving) {
      const id = written[position]?.record.id;
      if (id === undefined) continue;
      const retired = this.rows.retire(id, supersededBy, validUntil);
      if (retired !== null) applied.push({ id, supersededBy, ...retired });
    }
    return applied;
  }

  /**
   * Marks turns of this vault outdated because another vault retired the
   * fact drawn from them (facts kept apart: store-with-facts.ts), so they
   * are demoted, marked `outdated` and no longer repeats, as the turns of
   * this vault's own retired facts are. Marks for turns it does not hold
   * are skipped; a mark already made changes nothing. Answers how many are new.
   */
  markOutdatedElsewhere(
    marks: readonly { turn: string; fact: string; since: number }[],
    changed: number | null,
  ): number {
    const added = this.storage.transactionSync(() =>
      this.rows.markOutdatedElsewhere(marks, changed),
    );
    if (added > 0) this.retired.markedElsewhere();
    return added;
  }

  /** Replaces a keyed store's recorded receipt while it is still `from` (StoreKeys.amendReceipt). */
  amendKeyedReceipt(key: string, from: string, to: string): boolean {
    return this.storage.transactionSync(() => this.keys.amendReceipt(key, from, to, Date.now()));
  }

  /**
   * Takes back marks of `markOutdatedElsewhere` whose fact no longer makes
   * the turn outdated (current again, deleted, or no longer naming it).
   * Answers how many went.
   */
  unmarkOutdatedElsewhere(
    marks: readonly { turn: string; fact: string }[],
    changed: number | null,
  ): number {
    const removed = this.storage.transactionSync(() =>
      this.rows.unmarkOutdatedElsewhere(marks, changed),
    );
    if (removed > 0) this.retired.markedElsewhere();
    return removed;
  }

  /**
   * This vault's change order now (its last event seq: every change of a
   * memory appends an event, a clear or expiry included, and the numbering
   * never goes back): read in the same synchronous step as a change or a
   * read of facts kept apart, it tells the turns' vaults which of two
   * calls about one fact saw the later state (markOutdatedElsewhere).
   */
  changeOrder(): number {
    return this.events.lastSeq();
  }

  /** Deletes one memory; false when it was not there. */
  remove(id: string): boolean {
    return this.removeMany([id]).deleted.length > 0;
  }

  /**
   * Deletes the memories of `ids` the vault holds, in one transaction;
   * answers the ids it deleted (the others were not here), and the facts
   * kept apart from their turn that the delete made current again
   * (`released`: their turns' vaults are told, outdated-elsewhere.ts).
   */
  removeMany(ids: readonly string[]): { deleted: string[]; released: ApartFact[] } {
    const rows = [...new Set(ids)].flatMap((id) => this.rows.find(id) ?? []);
    if (rows.length === 0) return { deleted: [], released: [] };
    const removals = rows.map((row) => this.hot.beforeRemove(row));
    // Only a vault that ever retired something can hold a memory to re-open.
    const mayReopen = this.retired.current() !== null;
    const { events, reopened, released } = this.storage.transactionSync(() => {
      const at = Date.now();
      // Deleting the current version of a memory makes the version it
      // replaced current again (a wrong fact deleted leaves the right one).
      // Facts apart from their turn that are current again, or deleted while
      // retired: their turns' marks go (as beside a fact: either way no
      // retired fact names the turn any more).
      const gone = mayReopen
        ? this.rows.factsApart(
            rows.map(({ id }) => id),
            true,
          )
        : [];
      const reopened = mayReopen ? this.rows.reopenReplacedBy(rows.map(({ id }) => id)) : [];
      const released = [...gone, ...this.rows.factsApart(reopened.map(({ id }) => id))];
      // Deleting a version that was itself superseded links the one before
      // it to the one after it (Paris → Munich once Berlin goes).
      const relinked = mayReopen ? this.rows.relinkPastDeleted(rows.map(({ id }) => id)) : [];
      for (const removal of removals) {
        this.rows.delete(removal.row.id);
        this.hot.recordRemoval(removal);
      }
      this.meta.set('deleteSeq', this.meta.get('deleteSeq') + 1);
      const events = this.events.append([
        ...rows.map(({ id }) => ({
          type: 'DELETED' as const,
          memoryId: id,
          content: null,
          supersededBy: null,
          at,
        })),
        ...reopened.map(({ id }) => ({
          type: 'REOPENED' as const,
          memoryId: id,
          content: null,
          supersededBy: null,
          at,
        })),
        // Relinked to a successor: UPDATED naming it. One passed on "declared
        // untrue" looked so already (its successor was a deleted id): no event.
        ...relinked.flatMap(({ id, supersededBy }) =>
          supersededBy === null
            ? []
            : [{ type: 'UPDATED' as const, memoryId: id, content: null, supersededBy, at }],
        ),
      ]);
      return { events, reopened, released };
    });
    for (const removal of removals) this.hot.removed(removal);
    this.retired.reopened(reopened.map(({ seq }) => seq));
    this.retired.rowsChanged();
    this.committed(events);
    return { deleted: rows.map(({ id }) => id), released };
  }

  /**
   * Edits one memory: its id and createdAt stay, the request's fields replace
   * the row's. Checked as a store of the edited memory is (the vault's room
   * counted without the row it replaces). Answers the record as the edit left
   * it and the meta record as the write left it.
   */
  update(
    address: VaultAddress,
    asked: UpdateRequest,
    meta: VaultMetaRecord,
  ): { result: UpdateResult; meta: VaultMetaRecord } {
    const row = this.rows.findForEdit(asked.id);
    if (row === null)
      return { result: failure('NOT_FOUND', 'no such memory', 'MEMORY_NOT_FOUND'), meta };
    // The content as stored, without a vector of the caller's to replace the
    // memory's: nothing to re-index, and nothing to bill (the Worker counted
    // and embedded it without knowing). An edit of role and metadata, if any.
    const contentUnchanged = asked.content === row.content && asked.callerVector !== true;
    const request = contentUnchanged ? withoutContent(asked) : asked;
    const now = Date.now();
    const edited = editedRecord(row, request);
    // A retired fact's turns elsewhere follow its metadata (outdated-elsewhere.ts).
    const moved =
      row.validUntil !== null && request.metadata !== undefined
        ? { sourceTurnsBefore: sourceTurnsOf(row.metadata) }
        : {};
    if (request.content === undefined) {
      // Role and metadata only: no index holds either, so the row is updated
      // where it is and keeps its seq.
      const refusal = edited.metadata === null ? null : checkMetadataText(edited.metadata);
      if (refusal !== null) return { result: refuseAt(0, refusal.field, refusal), meta };
      const changes: Partial<VaultMetaRecord> = {
        lastWriteAt: now,
        ...(namesSpeaker(edited.metadata) ? { speakerMetadata: true } : {}),
        ...(address.kind === 'EPHEMERAL' ? { expiresAt: now + this.config.ephemeralTtlMs } : {}),
      };
      const { events, voice } = this.storage.transactionSync(() => {
        this.rows.editInPlace(edited);
        const voice = this.hot.recordEditInPlace(row, edited);
        this.meta.update(changes);
        // A snapshot streaming meanwhile would copy a row of another length: void it, as a delete does.
        this.meta.set('deleteSeq', this.meta.get('deleteSeq') + 1);
        return { events: this.events.append([editedEvent(edited, now)]), voice };
      });
      this.retired.rowsChanged(); // a fact's metadata names its turns
      if (voice !== null) this.hot.revoiced(row.seq, voice);
      this.committed(events);
      return {
        result: {
          ok: true,
          memory: edited,
          ...(contentUnchanged ? { contentUnchanged } : {}),
          ...moved,
        },
        meta: { ...meta, ...changes },
      };
    }
    // New content: the row is replaced (a new seq, the same id and createdAt),
    // so the hot index, the full-text index, the text timeline and their
    // checkpoints take it as they take any delete and store.
    const facts = this.facts(meta);
    const replacing: VaultFacts & { address: VaultAddress | null } = {
      ...facts,
      memoryCount: facts.memoryCount - 1,
      hotRows: facts.hotRows - row.hotRows,
      taken: (ids) => facts.taken(ids).filter((id) => id !== row.id),
    };
    const batch = prepareStore(
      address,
      {
        memories: [
          {
            id: row.id,
            content: edited.content,
            role: edited.role,
            metadata: edited.metadata,
            createdAt: edited.createdAt,
            tokens: edited.tokens,
            vector: request.vector ?? [],
            callerVector: request.callerVector ?? false,
            chunkVectors: request.chunkVectors ?? null,
          },
        ],
        model: request.model,
        dimensions: request.dimensions,
      },
      replacing,
      this.config,
      now,
    );
    if (!batch.ok) return { result: batch, meta };
    const removal = this.hot.beforeRemove(row);
    const { seqs, events, retired } = this.storage.transactionSync(() => {
      this.rows.delete(row.id);
      this.hot.recordRemoval(removal);
      const seqs = this.rows.insert(batch.memories, now);
      // A superseded memory stays superseded: its mark moves to the new row.
      const retired =
        row.validUntil === null ? null : this.rows.retire(row.id, row.supersededBy, row.validUntil);
      this.meta.update(batch.meta);
      this.meta.set('deleteSeq', this.meta.get('deleteSeq') + 1);
      return { seqs, retired, events: this.events.append([editedEvent(edited, now)]) };
    });
    const written = { ...meta, ...batch.meta };
    this.hot.removed(removal);
    this.hot.added(batch.memories, seqs, written.dimensions!);
    if (retired !== null) this.retired.added([retired]);
    this.retired.rowsChanged();
    this.committed(events);
    return { result: { ok: true, memory: edited, ...moved }, meta: written };
  }

  /**
   * Replaces every memory with a staged snapshot's (`swapIn`, snapshot-store.ts)
   * in one transaction, dropping the checkpoint of the rows replaced. The
   * caller then wakes the object up again, so the in-memory state is rebuilt
   * from the new rows exactly as after a restart. Subscribers hear a RESYNC:
   * every memory may have changed, so they read the vault again.
   */
  restore(address: VaultAddress, header: SnapshotHeader, swapIn: () => void): void {
    const events = this.storage.transactionSync(() => {
      swapIn();
      this.hot.discardCheckpoint();
      this.meta.update(
        metaAfterRestore(address, header, {
          deleteSeq: this.meta.get('deleteSeq'),
          speakerMetadata: this.rows.anySpeakerMetadata(),
          now: Date.now(),
          ephemeralTtlMs: this.config.ephemeralTtlMs,
        }),
      );
      return this.events.append([
        { type: 'RESYNC', memoryId: null, content: null, supersededBy: null, at: Date.now() },
      ]);
    });
    this.committed(events);
  }
}

/** A retirement the vault made: the memory, its successor, and its seq and end for the search filter. */
type AppliedRetirement = RetiredSeq & { id: string; supersededBy: string | null };

/** The record an edit leaves: the request's fields over the row's, id and createdAt kept. */
/** An edit's request without its content and what came with it (tokens, vectors, usage). */
function withoutContent(request: UpdateRequest): UpdateRequest {
  const { id, role, metadata, model, dimensions } = request;
  return {
    id,
    model,
    dimensions,
    ...(role === undefined ? {} : { role }),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

function editedRecord(row: EditableRow, request: UpdateRequest): MemoryRecord {
  return {
    id: row.id,
    content: request.content ?? row.content,
    role: request.role ?? row.role,
    metadata: request.metadata === undefined ? row.metadata : request.metadata,
    createdAt: row.createdAt,
    tokens: request.content === undefined ? row.tokens : (request.tokens ?? row.tokens),
    validUntil: row.validUntil,
    supersededBy: row.supersededBy,
  };
}

/** The event live subscribers get for an edit: the memory's new content included. */
function editedEvent(record: MemoryRecord, at: number): NewMemoryEvent {
  return { type: 'EDITED', memoryId: record.id, content: record.content, supersededBy: null, at };
}

/**
 * A store request without the memories at `dropped` (repeated chat turns):
 * their tokens leave the usage it records, and the positions its
 * retirements name follow the memories that stay (one whose memory was
 * dropped goes with it, as a retirement naming no memory of the batch would).
 */
function withoutPositions(request: StoreRequest, dropped: readonly number[]): StoreRequest {
  const gone = new Set(dropped);
  const kept: number[] = [];
  const moved = new Map<number, number>();
  request.memories.forEach((_, position) => {
    if (gone.has(position)) return;
    moved.set(position, kept.length);
    kept.push(position);
  });
  const memories = kept.map((position) => request.memories[position]!);
  const droppedTokens = dropped.reduce((sum, at) => sum + request.memories[at]!.tokens, 0);
  const retire = request.retire?.flatMap((retirement) =>
    retirement.skipWith !== undefined &&
    retirement.skipWith.length > 0 &&
    retirement.skipWith.every((at) => gone.has(at))
      ? []
      : retirement.byPosition === null
        ? [retirement]
        : moved.has(retirement.byPosition)
          ? [{ ...retirement, byPosition: moved.get(retirement.byPosition)! }]
          : [],
  );
  const arriveRetired = request.arriveRetired?.flatMap((arriving) =>
    moved.has(arriving.position) ? [{ ...arriving, position: moved.get(arriving.position)! }] : [],
  );
  return {
    ...request,
    memories,
    ...(retire ? { retire } : {}),
    ...(arriveRetired ? { arriveRetired } : {}),
    ...(request.usage
      ? { usage: { ...request.usage, memoryTokens: request.usage.memoryTokens - droppedTokens } }
      : {}),
  };
}

/**
 * The answer to a store whose idempotency key the vault holds: its records
 * again, or a refusal. The vault kept only each memory's id, time and tokens
 * (store-keys.ts); content, role and metadata are the retry's own inputs,
 * which the same fingerprint proves are the first call's, in the same order.
 * So a replay answers the memories as first stored, deleted ones included,
 * without the vault keeping a copy of what a user deleted.
 */
function replayOf(
  earlier: RememberedStore,
  retry: NonNullable<StoreRequest['idempotency']>,
  inputs: readonly ReplayInput[],
): StoreResult {
  // With extraction, the batch is the inputs, then facts: a racing retry's
  // facts (its own model's) are not the first call's, and are not answered.
  const given = retry.extraction?.inputs ?? inputs.length;
  const remembered = earlier.extraction?.inputs ?? earlier.memories.length;
  if (!sameInputs(earlier, retry) || remembered !== given || given > inputs.length) {
    return failure(
      'BAD_USER_INPUT',
      `this idempotency key was used with other inputs in the last ${IDEMPOTENCY_WINDOW_MS / 3_600_000} hours; use a new key for a new call`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
  const memories = earlier.memories
    .slice(0, given)
    .map(({ id, createdAt, tokens }, position): MemoryRecord => {
      const { content, role, metadata } = inputs[position]!;
      return { id, content, role, metadata, createdAt, tokens };
    });
  return { ok: true, memories, created: false, replayed: true };
}

/**
 * Checks a store request in full and prepares its rows: the batch against the
 * vault (`checkPlan`), then every memory against the shared rules. Nothing is
 * written; the caller writes `memories` and `meta` in one transaction.
 */
export function prepareStore(
  address: VaultAddress,
  request: StoreRequest,
  vault: VaultFacts & { address: VaultAddress | null },
  limits: Pick<
    AppConfig,
    'vaultMaxMemories' | 'vaultMaxHotBytes' | 'maxContentBytes' | 'ephemeralTtlMs'
  >,
  now: number,
): { ok: true; memories: PreparedMemory[]; meta: Partial<VaultMetaRecord> } | StoreFailure {
  const plan = checkPlan(planOf(request), vault, limits);
  if (!plan.ok) return plan;
  const memories: PreparedMemory[] = [];
  // Ids for the memories that bring none, sorting together (encoding.ts).
  const ids = batchIds(request.memories.filter((memory) => memory.id == null).length);
  for (const [position, memory] of request.memories.entries()) {
    const deferred = plan.deferred && !memory.callerVector;
    const dimensions = deferred ? plan.deferredDimensions : plan.dimensions;
    const id = memory.id ?? ids.pop()!;
    const prepared = prepareMemory(memory, id, dimensions, limits.maxContentBytes, now);
    if (!prepared.ok)
      return refuseAt(position, 'field' in prepared ? prepared.field : null, prepared);
    memories.push(deferred ? { ...prepared.memory, deferred } : prepared.memory);
  }
  return {
    ok: true,
    memories,
    meta: {
      ...plan.meta,
      ...(vault.address === null ? { address } : {}),
      ...(memories.some(({ record }) => namesSpeaker(record.metadata))
        ? { speakerMetadata: true }
        : {}),
      lastWriteAt: now,
      ...(address.kind === 'EPHEMERAL' ? { expiresAt: now + limits.ephemeralTtlMs } : {}),
    },
  };
}

function prepareMemory(
  memory: NewMemory,
  id: string,
  dimensions: number,
  maxContentBytes: number,
  now: number,
): { ok: true; memory: PreparedMemory } | Refusal | Failure {
  const refusal =
    checkContent(memory.content, maxContentBytes) ??
    (ROLES.includes(memory.role)
      ? null
      : failure('BAD_USER_INPUT', 'unknown role', 'INVALID_ROLE')) ??
    checkCreatedAt(memory.createdAt, now) ??
    (memory.metadata === null ? null : checkMetadataText(memory.metadata));
  if (refusal !== null) return refusal;
  const vector = checkEmbedding(memory.vector, dimensions);
  if (!vector.ok) return vector;
  const chunks = checkChunkEmbeddings(memory.content, memory.chunkVectors, dimensions);
  if (!chunks.ok) return chunks;
  return {
    ok: true,
    memory: {
      record: {
        id,
        content: memory.content,
        role: memory.role,
        metadata: memory.metadata,
        createdAt: memory.createdAt,
        tokens: memory.tokens,
      },
      vector: vector.vector,
      chunkVectors: chunks.vectors,
    },
  };
}
