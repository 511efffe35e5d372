import { DurableObject } from 'cloudflare:workers';
import { readConfig, type AppConfig } from '../config';
import { CALLER_SUPPLIED_MODEL } from '../embed/embedder';
import { normalizeVector, vectorToBytes } from '../embed/vectors';
import { chunkSpans } from '../text/chunks';
import { failure, type Failure, type Result } from '../errors';
import { EARLIEST_CREATED_AT, MAX_METADATA_BYTES } from '../limits';
import { randomId, utf8Length } from '../encoding';
import { sameVault, type VaultAddress, type VaultKind } from '../vaults/address';
import { MetaTable, migrate, Sql } from './sql';
import { checkpointDue, loadHotIndex, recordDeletion, writeCheckpoint } from './hot-checkpoint';
import { ANY_SPEAKER_METADATA, namesSpeaker } from './text-search';
import { loadTextTimeline, writeTextPages } from './text-checkpoint';
import { TextTimeline } from './text-timeline';
import { VectorIndex, type IndexEntry } from './vector-index';
import { VaultQueries } from './vault-queries';
import { VAULT_MIGRATIONS } from './vault-schema';
import { buildHeader, readSnapshot, snapshotStream, summarize } from './vault-snapshot';
import type { SnapshotHeader } from '../vaults/jsonl';
import {
  ROLES,
  type ListPage,
  type ListRequest,
  type MemoryRecord,
  type SearchRequest,
  type SearchResult,
  type StoreRequest,
  type StoreResult,
  type VaultStats,
  type WindowResult,
  type VaultReadOp,
  type VaultReadOpResult,
  type VaultReadResponse,
  type WindowSearch,
} from './vault-types';

const LOCAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Most memories one store call accepts (the GraphQL layer enforces it earlier too). */
export const MAX_BATCH = 500;
/** Most hits one window returns. */
export const MAX_WINDOW_LIMIT = 100;
/** Writes settle for this long before the hot index checkpoint is rewritten. */
const CHECKPOINT_DELAY_MS = 5_000;
/** Snapshots kept in R2 per vault; older ones are deleted. */
export const SNAPSHOTS_KEPT = 3;

/**
 * One vault: a CORE, SESSION or EPHEMERAL memory store owned by one memory key.
 *
 * WARM (SQLite) is the source of truth; HOT (`VectorIndex`) is a copy of every
 * vector in time order, built lazily on the first call after wake-up and kept
 * in step with each write and delete, so a stored memory is searchable as soon
 * as the store call returns.
 */
export class VaultObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly queries: VaultQueries;
  private readonly config: AppConfig;
  private meta!: MetaTable;
  /** null until loaded; stays null while the vault has no dimensions yet. */
  private index: VectorIndex | null = null;
  private indexLoaded = false;
  /** The order and lengths of the vault's text; null until a search needs it. */
  private timeline: TextTimeline | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.queries = new VaultQueries(this.sql);
    this.config = readConfig(env);
    void ctx.blockConcurrencyWhile(async () => this.initialize());
  }

  // ── RPC methods ────────────────────────────────────────────────────────────

  /** Stores a batch of memories: all of them, or (on any invalid item) none. */
  async store(address: VaultAddress, request: StoreRequest): Promise<StoreResult> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    if (request.memories.length === 0) return { ok: true, memories: [] };
    if (request.memories.length > MAX_BATCH) {
      return failure(
        'PAYLOAD_TOO_LARGE',
        `at most ${MAX_BATCH} memories per call`,
        'BATCH_TOO_LARGE',
      );
    }

    // Vault model and dimensions: fixed by the first write, checked after that.
    const recordedModel = this.meta.get('embedding_model');
    const recordedDims = this.recordedDimensions();
    const firstVector = request.memories[0]!;
    const dimensions =
      recordedDims ?? (firstVector.callerVector ? firstVector.vector.length : request.dimensions);
    const serverWrites = request.memories.some((memory) => !memory.callerVector);
    if (
      serverWrites &&
      recordedModel !== null &&
      recordedModel !== CALLER_SUPPLIED_MODEL &&
      recordedModel !== request.model
    ) {
      return failure(
        'BAD_USER_INPUT',
        `this vault was built with embedding model ${recordedModel}; the deployment now embeds with ${request.model}`,
        'EMBEDDING_MISMATCH',
      );
    }

    const givenIds = request.memories.flatMap((memory) => (memory.id ? [memory.id] : []));
    if (givenIds.length > 0) {
      const taken = this.queries.hydrate(givenIds).map((record) => record.id);
      if (
        taken.length > 0 ||
        new Set(givenIds).size !== givenIds.length ||
        givenIds.some((id) => !LOCAL_ID.test(id))
      ) {
        return failure(
          'BAD_USER_INPUT',
          `memory ids must be new and unique: ${taken.slice(0, 3).join(', ')}`,
          'DUPLICATE_ID',
        );
      }
    }

    const capacity = this.capacityFor(dimensions);
    const count = this.memoryCount();
    if (count + request.memories.length > capacity) {
      return failure(
        'PAYLOAD_TOO_LARGE',
        `vault is full: it holds ${count} of at most ${capacity} memories`,
        'VAULT_FULL',
      );
    }

    const prepared: {
      record: MemoryRecord;
      vector: Float32Array;
      chunkVectors: Float32Array[] | null;
      metadataJson: string | null;
    }[] = [];
    for (const [position, memory] of request.memories.entries()) {
      const checked = this.checkMemory(memory, dimensions, position);
      if (!checked.ok) return checked;
      prepared.push({
        record: {
          id: memory.id ?? randomId(),
          content: memory.content,
          role: memory.role,
          metadata: memory.metadata,
          createdAt: memory.createdAt,
          tokens: memory.tokens,
        },
        vector: checked.vector,
        chunkVectors: checked.chunkVectors,
        metadataJson: checked.metadataJson,
      });
    }

    const index = this.ensureIndex(dimensions);
    // Chunk vectors take hot memory too: the index holds at most this many rows.
    const rows = prepared.reduce((sum, { chunkVectors }) => sum + (chunkVectors?.length ?? 1), 0);
    const maxRows = Math.floor(this.config.vaultMaxHotBytes / (dimensions * 4));
    if (index.size + rows > maxRows) {
      return failure(
        'PAYLOAD_TOO_LARGE',
        `vault is full: its hot index holds ${index.size} of at most ${maxRows} vectors (long memories take one per chunk)`,
        'VAULT_FULL',
      );
    }
    const now = Date.now();
    const seqs: number[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const { record, vector, chunkVectors, metadataJson } of prepared) {
        const inserted = this.sql.first<{ seq: number }>(
          `INSERT INTO memories (id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
          record.id,
          record.content,
          record.role,
          metadataJson,
          record.createdAt,
          record.tokens,
          vectorToBytes(vector),
          chunkVectors === null ? null : concatVectors(chunkVectors),
        );
        seqs.push(inserted!.seq);
      }
      if (recordedModel === null || (recordedModel === CALLER_SUPPLIED_MODEL && serverWrites)) {
        this.meta.set('embedding_model', serverWrites ? request.model : CALLER_SUPPLIED_MODEL);
      }
      if (recordedDims === null) this.meta.set('dimensions', dimensions);
      if (prepared.some(({ metadataJson }) => namesSpeaker(metadataJson)))
        this.meta.set('speaker_metadata', 1);
      if (this.meta.get('address') === null) this.meta.set('address', JSON.stringify(address));
      this.meta.set('last_write_at', now);
      if (address.kind === 'EPHEMERAL')
        this.meta.set('expires_at', now + this.config.ephemeralTtlMs);
    });
    index.insert(
      prepared.flatMap<IndexEntry>(({ record, vector, chunkVectors }, position) =>
        (chunkVectors ?? [vector]).map((chunkVector, chunk) => ({
          id: record.id,
          seq: seqs[position]!,
          chunk,
          createdAt: record.createdAt,
          vector: chunkVector,
        })),
      ),
    );
    if (this.timeline !== null) {
      const entries = TextTimeline.entries(this.sql, seqs);
      this.timeline.insert(entries);
      this.queries.text.changed(
        entries.map((entry) => ({
          content: prepared[seqs.indexOf(entry.seq)]!.record.content,
          words: entry.words,
        })),
      );
    }
    await this.afterChange();
    return { ok: true, memories: prepared.map(({ record }) => record) };
  }

  /**
   * Every read a request needs from this vault, in one call: the Worker's
   * per-request loader gathers searches, lookups and listings for a vault and
   * sends them together. The vault's stats always come back too, so fields
   * such as `Memory.vault` never need a second call.
   */
  async read(address: VaultAddress, ops: VaultReadOp[]): Promise<Result<VaultReadResponse>> {
    const started = performance.now();
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const results = ops.map((op): VaultReadOpResult => {
      switch (op.type) {
        case 'search': {
          const checked = this.checkSearch(op.request);
          if (!checked.ok) return checked;
          const windows = op.request.windows.map((window) => this.searchWindow(op.request, window));
          return { ok: true, type: 'search', windows };
        }
        case 'get':
          return { ok: true, type: 'get', memories: this.queries.hydrate(op.ids) };
        case 'list':
          return {
            ok: true,
            type: 'list',
            page: this.queries.listPage(op.request, this.memoryCount()),
          };
        case 'stats':
          return { ok: true, type: 'stats' };
      }
    });
    return {
      ok: true,
      stats: this.currentStats(address),
      results,
      elapsedMs: performance.now() - started,
    };
  }

  /** Runs several searches, each over several windows, in one call. */
  async search(address: VaultAddress, requests: SearchRequest[]): Promise<SearchResult> {
    const response = await this.read(
      address,
      requests.map((request) => ({ type: 'search', request })),
    );
    if (!response.ok) return response;
    const results: WindowResult[][] = [];
    for (const result of response.results) {
      if (!result.ok) return result;
      if (result.type === 'search') results.push(result.windows);
    }
    return { ok: true, results, elapsedMs: response.elapsedMs };
  }

  async get(address: VaultAddress, ids: string[]): Promise<Result<{ memories: MemoryRecord[] }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    return { ok: true, memories: this.queries.hydrate(ids) };
  }

  async list(address: VaultAddress, request: ListRequest): Promise<Result<ListPage>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    return { ok: true, ...this.queries.listPage(request, this.memoryCount()) };
  }

  async stats(address: VaultAddress): Promise<Result<{ stats: VaultStats }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    return { ok: true, stats: this.currentStats(address) };
  }

  /** Deletes one memory; `deleted` is false when it was not there. */
  async remove(address: VaultAddress, id: string): Promise<Result<{ deleted: boolean }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const row = this.sql.first<{ id: string; seq: number; created_at: number; content: string }>(
      'SELECT id, seq, created_at, content FROM memories WHERE id = ?',
      id,
    );
    if (row === null) return { ok: true, deleted: false };
    this.loadIndex();
    const indexed = this.timeline === null ? [] : TextTimeline.entries(this.sql, [row.seq]);
    this.ctx.storage.transactionSync(() => {
      this.sql.run('DELETE FROM memories WHERE id = ?', id);
      recordDeletion(this.sql, this.meta, row);
      this.meta.set('delete_seq', Number(this.meta.get('delete_seq') ?? 0) + 1);
    });
    this.index?.remove(id, row.created_at);
    this.timeline?.remove(row.seq);
    this.queries.text.changed(indexed.map(({ words }) => ({ content: row.content, words })));
    await this.afterChange();
    return { ok: true, deleted: true };
  }

  /** Removes every memory and all state of the vault; returns how many memories it held. */
  async clear(address: VaultAddress): Promise<Result<{ removed: number }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const removed = this.memoryCount();
    await this.destroy();
    return { ok: true, removed };
  }

  /**
   * The one alarm, for whatever is due: the expiry of an EPHEMERAL vault and
   * the checkpoint of the hot index. It re-arms itself for the next due item.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const expiresAt = numberOrNull(this.meta.get('expires_at'));
    if (expiresAt !== null && expiresAt <= now) {
      await this.destroy();
      return;
    }
    const checkpointAt = numberOrNull(this.meta.get('checkpoint_due_at'));
    if (checkpointAt !== null && checkpointAt <= now) this.checkpoint();
    const snapshotAt = numberOrNull(this.meta.get('snapshot_due_at'));
    if (snapshotAt !== null && snapshotAt <= now) {
      const address = this.meta.get('address');
      const written =
        address === null ? null : await this.writeSnapshot(JSON.parse(address) as VaultAddress);
      // A snapshot raced by a delete is retried once writes settle again.
      if (written === null || written.ok) this.meta.delete('snapshot_due_at');
      else this.meta.set('snapshot_due_at', Date.now() + this.config.snapshotDelayMs);
    }
    await this.scheduleAlarm();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  private currentStats(address: VaultAddress): VaultStats {
    const dimensions = this.recordedDimensions();
    return {
      kind: address.kind,
      externalId: address.externalId,
      exists: this.meta.get('address') !== null,
      memoryCount: this.memoryCount(),
      storageBytes: this.sql.databaseSize,
      embeddingModel: this.meta.get('embedding_model'),
      dimensions,
      lastWriteAt: numberOrNull(this.meta.get('last_write_at')),
      expiresAt: numberOrNull(this.meta.get('expires_at')),
      capacity: dimensions === null ? null : this.capacityFor(dimensions),
    };
  }

  private initialize(): void {
    migrate(this.ctx.storage, VAULT_MIGRATIONS);
    this.meta = new MetaTable(this.sql);
    this.index = null;
    this.indexLoaded = false;
    this.timeline = null;
    this.queries.text.reset();
  }

  /**
   * Checks that the caller addresses the vault this object holds, and removes
   * an EPHEMERAL vault whose time is up even if its alarm has not fired yet.
   */
  private async open(address: VaultAddress): Promise<Result<object>> {
    const expiresAt = numberOrNull(this.meta.get('expires_at'));
    if (expiresAt !== null && expiresAt <= Date.now()) await this.destroy();

    const recorded = this.meta.get('address');
    if (recorded === null) return { ok: true };
    if (!sameVault(JSON.parse(recorded) as VaultAddress, address)) {
      // Only reachable through a bug in name derivation; never serve another vault.
      return failure('FORBIDDEN', 'this vault belongs to another address');
    }
    return { ok: true };
  }

  /** Truly deletes everything (rows, meta, alarm), then recreates the empty schema. */
  private async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.initialize();
    await this.deleteSnapshots(0);
  }

  // ── COLD tier: R2 snapshots ────────────────────────────────────────────────

  /** R2 keys of this vault: the object's opaque id, never a key or a session id. */
  private snapshotPrefix(): string {
    return `vaults/${this.ctx.id.toString()}/snapshots/`;
  }

  private async listSnapshots(): Promise<R2Object[]> {
    const objects: R2Object[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.env.SNAPSHOTS.list({
        prefix: this.snapshotPrefix(),
        include: ['customMetadata'],
        ...(cursor ? { cursor } : {}),
      });
      objects.push(...page.objects);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Deletes all but the newest `keep` snapshots. */
  private async deleteSnapshots(keep: number): Promise<void> {
    const objects = await this.listSnapshots();
    const old = objects.slice(0, Math.max(0, objects.length - keep)).map((object) => object.key);
    if (old.length > 0) await this.env.SNAPSHOTS.delete(old);
  }

  /**
   * Writes a JSONL snapshot of the vault to R2 (streamed, two passes, see
   * vault-snapshot.ts) and prunes old ones. Rows written meanwhile are left
   * for the next snapshot; a delete meanwhile voids this one.
   */
  private async writeSnapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const deletesAtStart = this.meta.get('delete_seq');
    const maxSeq =
      this.sql.first<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM memories')?.seq ?? 0;
    const summary = await summarize(this.sql, maxSeq);
    const raced = () => this.meta.get('delete_seq') !== deletesAtStart;
    if (raced())
      return failure(
        'UPSTREAM_ERROR',
        'the vault changed during the snapshot; try again',
        'SNAPSHOT_RACED',
      );
    const header = buildHeader(
      address,
      this.meta.get('embedding_model'),
      this.recordedDimensions(),
      summary,
    );
    const total = new TextEncoder().encode(header).byteLength + summary.bodyBytes;
    const key = `${this.snapshotPrefix()}${String(Date.now()).padStart(15, '0')}-${maxSeq}.jsonl`;
    const fixed = new FixedLengthStream(total);
    await Promise.all([
      snapshotStream(this.sql, header, maxSeq).pipeTo(fixed.writable),
      this.env.SNAPSHOTS.put(key, fixed.readable, {
        httpMetadata: { contentType: 'application/x-ndjson' },
        customMetadata: { count: String(summary.count), checksum: summary.checksum },
      }),
    ]);
    if (raced()) {
      await this.env.SNAPSHOTS.delete(key);
      return failure(
        'UPSTREAM_ERROR',
        'the vault changed during the snapshot; try again',
        'SNAPSHOT_RACED',
      );
    }
    await this.deleteSnapshots(SNAPSHOTS_KEPT);
    return {
      ok: true,
      snapshot: { key, count: summary.count, checksum: summary.checksum, bytes: total },
    };
  }

  /** Writes a snapshot now (exports use it); returns its R2 key. */
  async snapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    return this.writeSnapshot(address);
  }

  async snapshots(address: VaultAddress): Promise<Result<{ snapshots: SnapshotInfo[] }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const objects = await this.listSnapshots();
    return {
      ok: true,
      snapshots: objects.reverse().map((object) => ({
        key: object.key,
        count: Number(object.customMetadata?.count ?? 0),
        checksum: object.customMetadata?.checksum ?? '',
        bytes: object.size,
      })),
    };
  }

  /**
   * Rebuilds the vault from a snapshot (the newest, or `key`): the file is read
   * into a staging table and checked against its header's count and checksum;
   * only then does it replace the vault's memories, in one transaction.
   */
  async restore(
    address: VaultAddress,
    key: string | null,
  ): Promise<Result<{ restored: number; key: string }>> {
    // Like every call: never act for another vault's address.
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const chosen = key ?? (await this.listSnapshots()).at(-1)?.key ?? null;
    if (chosen === null || !chosen.startsWith(this.snapshotPrefix())) {
      return failure('NOT_FOUND', 'no such snapshot of this vault');
    }
    const object = await this.env.SNAPSHOTS.get(chosen);
    if (object === null) return failure('NOT_FOUND', 'no such snapshot of this vault');
    this.sql.run('DELETE FROM restore_staging');
    let header: SnapshotHeader | null = null;
    try {
      for await (const item of readSnapshot(object.body)) {
        if ('header' in item) {
          header = item.header;
          continue;
        }
        const row = item.row;
        const rowBytes = (header?.dimensions ?? 0) * 4;
        if (
          row.chunk_embeddings !== null &&
          (rowBytes === 0 || row.chunk_embeddings.byteLength % rowBytes !== 0)
        ) {
          throw new Error(`memory ${row.id}: chunk embeddings do not match the dimensions`);
        }
        this.sql.run(
          `INSERT INTO restore_staging (id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          row.id,
          row.content,
          row.role,
          row.metadata,
          row.created_at,
          row.tokens,
          row.embedding,
          row.chunk_embeddings,
        );
      }
    } catch (error) {
      this.sql.run('DELETE FROM restore_staging');
      return failure(
        'BAD_USER_INPUT',
        `snapshot is damaged: ${error instanceof Error ? error.message : 'unreadable'}`,
        'SNAPSHOT_DAMAGED',
      );
    }
    if (
      header === null ||
      header.kind !== address.kind ||
      header.externalId !== address.externalId
    ) {
      this.sql.run('DELETE FROM restore_staging');
      return failure(
        'BAD_USER_INPUT',
        'the snapshot belongs to another vault',
        'SNAPSHOT_MISMATCH',
      );
    }
    const restoredHeader = header;
    this.ctx.storage.transactionSync(() => {
      this.sql.run('DELETE FROM memories');
      this.sql.run('DELETE FROM hot_pages');
      this.sql.run('DELETE FROM hot_tombstones');
      this.sql.run('DELETE FROM text_pages');
      this.sql.run(
        `INSERT INTO memories (id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings)
         SELECT id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings
         FROM restore_staging ORDER BY rowid`,
      );
      this.sql.run('DELETE FROM restore_staging');
      for (const stale of ['hot_checkpoint_seq', 'hot_checkpoint_rows', 'checkpoint_due_at'])
        this.meta.delete(stale);
      this.meta.set('address', JSON.stringify(address));
      if (restoredHeader.embeddingModel)
        this.meta.set('embedding_model', restoredHeader.embeddingModel);
      else this.meta.delete('embedding_model');
      if (restoredHeader.dimensions) this.meta.set('dimensions', restoredHeader.dimensions);
      else this.meta.delete('dimensions');
      this.meta.set('delete_seq', Number(this.meta.get('delete_seq') ?? 0) + 1);
      this.meta.set('last_write_at', Date.now());
      this.meta.delete('speaker_metadata');
      this.sql.run(
        `INSERT INTO meta (key, value) SELECT 'speaker_metadata', '1' WHERE ${ANY_SPEAKER_METADATA}`,
      );
      // A restore is a write: an EPHEMERAL vault lives EPHEMERAL_TTL_HOURS from now.
      if (address.kind === 'EPHEMERAL')
        this.meta.set('expires_at', Date.now() + this.config.ephemeralTtlMs);
    });
    this.index = null;
    this.indexLoaded = false;
    this.timeline = null;
    this.queries.text.reset();
    await this.scheduleAlarm();
    return { ok: true, restored: restoredHeader.count, key: chosen };
  }

  private async scheduleAlarm(): Promise<void> {
    const due = [
      this.meta.get('expires_at'),
      this.meta.get('checkpoint_due_at'),
      this.meta.get('snapshot_due_at'),
    ]
      .map(numberOrNull)
      .filter((time): time is number => time !== null);
    const current = await this.ctx.storage.getAlarm();
    if (due.length === 0) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
      return;
    }
    const next = Math.min(...due);
    if (current !== next) await this.ctx.storage.setAlarm(next);
  }

  /** After a write or delete: plan a checkpoint when enough has changed, re-arm the alarm. */
  private async afterChange(): Promise<void> {
    const size = this.index?.size ?? 0;
    if (this.meta.get('checkpoint_due_at') === null && checkpointDue(this.sql, this.meta, size)) {
      this.meta.set('checkpoint_due_at', Date.now() + CHECKPOINT_DELAY_MS);
    }
    // Debounced: every change pushes the next snapshot back until writes settle.
    this.meta.set('snapshot_due_at', Date.now() + this.config.snapshotDelayMs);
    await this.scheduleAlarm();
  }

  /** Writes the hot index checkpoint now (the alarm calls this when it is due). */
  checkpoint(): void {
    this.loadIndex();
    const timeline = this.index === null ? null : this.textTimeline();
    this.ctx.storage.transactionSync(() => {
      if (this.index !== null) writeCheckpoint(this.sql, this.meta, this.index);
      if (timeline !== null) writeTextPages(this.sql, timeline);
      this.meta.delete('checkpoint_due_at');
    });
  }

  /** The text timeline, loaded on first use after wake-up. */
  private textTimeline(): TextTimeline {
    this.timeline ??= loadTextTimeline(this.sql, this.meta);
    return this.timeline;
  }

  /** Dimensions fixed by the vault's first write; null while it has none. */
  private recordedDimensions(): number | null {
    return Number(this.meta.get('dimensions') ?? 0) || null;
  }

  private capacityFor(dimensions: number): number {
    return Math.min(
      this.config.vaultMaxMemories,
      Math.floor(this.config.vaultMaxHotBytes / (dimensions * 4)),
    );
  }

  private memoryCount(): number {
    if (this.indexLoaded && this.index !== null) return this.index.memoryCount;
    return this.sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM memories')?.n ?? 0;
  }

  private checkMemory(
    memory: StoreRequest['memories'][number],
    dimensions: number,
    position: number,
  ):
    | {
        ok: true;
        vector: Float32Array;
        chunkVectors: Float32Array[] | null;
        metadataJson: string | null;
      }
    | Failure {
    const at = (message: string) => `memory ${position}: ${message}`;
    if (typeof memory.content !== 'string' || memory.content.trim() === '') {
      return failure('BAD_USER_INPUT', at('content must not be empty'));
    }
    if (!memory.content.isWellFormed()) {
      return failure('BAD_USER_INPUT', at('content holds a lone UTF-16 surrogate'), 'INVALID_TEXT');
    }
    if (utf8Length(memory.content) > this.config.maxContentBytes) {
      return failure(
        'PAYLOAD_TOO_LARGE',
        at(`content is longer than ${this.config.maxContentBytes} bytes`),
        'CONTENT_TOO_LARGE',
      );
    }
    if (!ROLES.includes(memory.role)) return failure('BAD_USER_INPUT', at('unknown role'));
    if (!Number.isSafeInteger(memory.createdAt) || memory.createdAt < EARLIEST_CREATED_AT) {
      return failure('BAD_USER_INPUT', at('createdAt must be a time in milliseconds'));
    }
    const metadataJson = memory.metadata;
    if (metadataJson !== null) {
      if (utf8Length(metadataJson) > MAX_METADATA_BYTES) {
        return failure(
          'PAYLOAD_TOO_LARGE',
          at(`metadata is larger than ${MAX_METADATA_BYTES} bytes`),
        );
      }
      if (!isJsonObject(metadataJson)) {
        return failure('BAD_USER_INPUT', at('metadata must be a JSON object'));
      }
    }
    const vector = normalizeVector(memory.vector, dimensions);
    if (!vector.ok) return { ...vector, message: at(vector.message) };
    let chunkVectors: Float32Array[] | null = null;
    if (memory.chunkVectors && memory.chunkVectors.length > 1) {
      const chunks = chunkSpans(memory.content).length;
      if (memory.chunkVectors.length !== chunks) {
        return failure(
          'BAD_USER_INPUT',
          at(`content has ${chunks} chunks, not ${memory.chunkVectors.length}`),
          'CHUNKS_MISMATCH',
        );
      }
      chunkVectors = [];
      for (const raw of memory.chunkVectors) {
        const chunk = normalizeVector(raw, dimensions);
        if (!chunk.ok) return { ...chunk, message: at(`chunk: ${chunk.message}`) };
        chunkVectors.push(chunk.vector);
      }
    }
    return { ok: true, vector: vector.vector, chunkVectors, metadataJson };
  }

  private checkSearch(request: SearchRequest): Result<object> {
    for (const window of request.windows) {
      if (!Number.isInteger(window.limit) || window.limit < 0 || window.limit > MAX_WINDOW_LIMIT) {
        return failure('BAD_USER_INPUT', `window limit must be between 0 and ${MAX_WINDOW_LIMIT}`);
      }
    }
    if (request.mode === 'TEXT') return { ok: true };
    const dimensions = this.recordedDimensions();
    if (dimensions === null) return { ok: true }; // an empty vault matches nothing
    const model = this.meta.get('embedding_model');
    if (request.vector === null || request.vector.length !== dimensions) {
      return failure(
        'BAD_USER_INPUT',
        `query embedding has ${request.vector?.length ?? 0} dimensions; this vault uses ${dimensions}`,
        'EMBEDDING_DIMENSIONS',
      );
    }
    if (
      model !== null &&
      model !== CALLER_SUPPLIED_MODEL &&
      request.model !== CALLER_SUPPLIED_MODEL &&
      model !== request.model
    ) {
      return failure(
        'BAD_USER_INPUT',
        `this vault was built with embedding model ${model}, the query with ${request.model}`,
        'EMBEDDING_MISMATCH',
      );
    }
    return { ok: true };
  }

  private ensureIndex(dimensions: number): VectorIndex {
    this.loadIndex();
    this.index ??= new VectorIndex(dimensions);
    return this.index;
  }

  /**
   * Builds the HOT index on first use after wake-up. It is synchronous (SQLite
   * in a Durable Object is), so no other call can interleave with a half-built
   * index: the same guarantee blockConcurrencyWhile gives, without its await.
   */
  private searchWindow(request: SearchRequest, window: WindowSearch): WindowResult {
    this.loadIndex();
    return this.queries.searchWindow(this.index, () => this.textTimeline(), request, window);
  }

  private loadIndex(): void {
    if (this.indexLoaded) return;
    const dimensions = this.recordedDimensions();
    this.indexLoaded = true;
    if (dimensions === null) return;
    this.index = loadHotIndex(this.sql, this.meta, dimensions, this.memoryCount());
  }
}

/** Chunk vectors back to back, as stored in `chunk_embeddings`. */
function concatVectors(vectors: Float32Array[]): Uint8Array {
  const all = new Float32Array(vectors.reduce((sum, vector) => sum + vector.length, 0));
  let at = 0;
  for (const vector of vectors) {
    all.set(vector, at);
    at += vector.length;
  }
  return new Uint8Array(all.buffer);
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function numberOrNull(value: string | null): number | null {
  return value === null ? null : Number(value);
}

export type { VaultKind };

export interface SnapshotInfo {
  key: string;
  count: number;
  checksum: string;
  bytes: number;
}
