import { DurableObject } from 'cloudflare:workers';
import { readConfig, type AppConfig } from '../core/config';
import { createEmbedder } from '../embed';
import { CALLER_SUPPLIED_MODEL, type Embedder } from '../embed/embedder';
import { failure, type Result } from '../core/errors';
import { vaultCapacity } from '../core/limits';
import { sameVault, type VaultAddress, type VaultKind } from '../vaults/address';
import { EventSockets, VAULT_ADDRESS_HEADER } from './event-sockets';
import { HotIndex } from './hot-index';
import { MemoryEventLog } from './memory-events';
import { RetiredSet } from './retired-set';
import { SnapshotStore, type SnapshotInfo } from './snapshot-store';
import { MetaTable, migrate, Sql } from './sql';
import {
  afterChange,
  armAlarm,
  dueWork,
  isExpired,
  nextAlarm,
  snapshotDeferral,
} from './vault-alarm';
import { VaultMeta, type VaultMetaRecord } from './vault-meta';
import { VaultQueries } from './vault-queries';
import { reembedNeeded, reembedTarget, VaultReembed } from './vault-reembed';
import { answeredByText, checkSearch } from './vault-rules';
import { VAULT_MIGRATIONS } from './vault-schema';
import { VaultStorage } from './vault-storage';
import type * as Rpc from './vault-types';
import { VaultWrites } from './vault-writes';

/**
 * One vault: a CORE, SESSION or EPHEMERAL memory store owned by one memory key.
 *
 * This class is its RPC face: each method opens the vault, delegates and maps
 * the result. WARM rows are SQLite's (vault-storage.ts, read by
 * vault-queries.ts), the source of truth; HOT is the in-memory copy and its
 * checkpoint (hot-index.ts); writes go through vault-writes.ts, checked by
 * vault-rules.ts; the meta table is a typed record (vault-meta.ts); the alarm
 * does what vault-alarm.ts finds due, re-embedding batches (vault-reembed.ts)
 * among them; COLD is R2 (snapshot-store.ts); live subscribers and the
 * change log are event-sockets.ts and memory-events.ts.
 *
 * Why ~500 lines: sixteen RPC methods and the runtime's entry points (fetch
 * for subscriber sockets, their close, the alarm) must be methods of this
 * class, and the wake-up, open and destroy sequences coordinate every module
 * above, so they stay beside them. The work itself lives in the modules.
 */
export class VaultObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly config: AppConfig;
  private readonly meta: VaultMeta;
  private readonly queries: VaultQueries;
  private readonly hot: HotIndex;
  private readonly writes: VaultWrites;
  private readonly cold: SnapshotStore;
  private readonly reembedding: VaultReembed;
  /** The deployment's embedder (re-embedding uses it); null when it cannot be built. */
  private deploymentEmbedder: Embedder | null | undefined;
  private readonly events: MemoryEventLog;
  private readonly retired: RetiredSet;
  private readonly subscribers: EventSockets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.config = readConfig(env);
    this.meta = new VaultMeta(new MetaTable(this.sql));
    const rows = new VaultStorage(this.sql);
    this.queries = new VaultQueries(this.sql);
    this.hot = new HotIndex(
      this.sql,
      this.meta,
      this.queries.text,
      () => rows.count(),
      ctx.id.toString(),
    );
    this.events = new MemoryEventLog(this.sql);
    this.retired = new RetiredSet(() => rows.retiredSeqs());
    this.subscribers = new EventSockets(ctx, this.events);
    this.writes = new VaultWrites(
      ctx.storage,
      rows,
      this.meta,
      this.hot,
      this.config,
      this.events,
      this.retired,
      (events) => this.subscribers.broadcast(events),
    );
    this.cold = new SnapshotStore(env.SNAPSHOTS, ctx.id.toString(), this.sql, rows, this.meta);
    this.reembedding = new VaultReembed(ctx.storage, this.sql, this.meta, this.hot, this.config);
    void ctx.blockConcurrencyWhile(async () => this.wake());
  }

  // ── RPC methods ────────────────────────────────────────────────────────────

  /**
   * Live memory events: the Worker (never a client: no route forwards here)
   * opens a WebSocket with its server-side address in a header and, to
   * resume, `?after=` the last event seq it delivered. Accepted through the
   * Hibernation API (event-sockets.ts).
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') {
      return new Response('expected a WebSocket upgrade', { status: 426 });
    }
    const address = JSON.parse(
      request.headers.get(VAULT_ADDRESS_HEADER) ?? 'null',
    ) as VaultAddress | null;
    if (address === null) return new Response('no vault address', { status: 400 });
    const ready = await this.open(address);
    if (!ready.ok) return new Response(ready.message, { status: 403 });
    const after = new URL(request.url).searchParams.get('after');
    const afterSeq = after !== null && /^\d{1,15}$/.test(after) ? Number(after) : null;
    return this.subscribers.accept(afterSeq);
  }

  /** A subscriber closed its socket: close our end too (hibernation API handler). */
  override webSocketClose(socket: WebSocket, code: number): void {
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
  }

  /** Subscribers send nothing; a message is ignored. */
  override webSocketMessage(): void {}

  /** Stores a batch of memories: all of them, or (on any invalid item) none. */
  async store(address: VaultAddress, request: Rpc.StoreRequest): Promise<Rpc.StoreResult> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const stored = this.writes.store(address, request);
    if (stored.ok && stored.memories.length > 0) await this.afterChange();
    return stored;
  }

  /** Whether `store` would take a batch of this plan now; writes nothing. */
  async check(address: VaultAddress, plan: Rpc.StorePlan): Promise<Rpc.CheckResult> {
    const ready = await this.open(address);
    return ready.ok ? this.writes.check(plan) : ready;
  }

  /**
   * Every read a request needs from this vault, in one call: the Worker's
   * per-request loader gathers searches, lookups and listings for a vault and
   * sends them together. The vault's stats always come back too, so fields
   * such as `Memory.vault` never need a second call.
   */
  async read(
    address: VaultAddress,
    ops: Rpc.VaultReadOp[],
  ): Promise<Result<Rpc.VaultReadResponse>> {
    const started = performance.now();
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    this.queries.hydrateMs = 0;
    this.queries.text.forgetRanking();
    let searchMs = 0;
    const results = ops.map((op): Rpc.VaultReadOpResult => {
      switch (op.type) {
        case 'search': {
          const meta = this.meta.record();
          const vault = { ...meta, reembedTarget: reembedTarget(meta.reembed) };
          const refused = checkSearch(op.request, vault);
          if (refused !== null) return refused;
          // A query of the model the vault is moving to: its vectors are not
          // all there yet, so text answers until the switch (and says so).
          const textOnly = answeredByText(op.request, vault);
          const request: Rpc.SearchRequest = textOnly
            ? { ...op.request, mode: 'TEXT', vector: null }
            : op.request;
          const searchStarted = performance.now();
          const windows = request.windows.map((window) => this.searchWindow(request, window));
          searchMs += performance.now() - searchStarted;
          return {
            ok: true,
            type: 'search',
            windows,
            ...(textOnly ? { textOnly: 'REEMBEDDING' } : {}),
          };
        }
        case 'get':
          return { ok: true, type: 'get', memories: this.queries.hydrate(op.ids) };
        case 'list':
          return { ok: true, type: 'list', page: this.listPage(op.request) };
        case 'history':
          return { ok: true, type: 'history', memories: this.queries.history(op.id) };
        case 'stats':
          return { ok: true, type: 'stats' };
      }
    });
    const elapsedMs = performance.now() - started;
    const hydrateMs = this.queries.hydrateMs;
    return {
      ok: true,
      stats: this.currentStats(address),
      results,
      elapsedMs,
      searchMs: Math.max(0, searchMs - hydrateMs),
      hydrateMs,
    };
  }

  /** Runs several searches, each over several windows, in one call. */
  async search(address: VaultAddress, requests: Rpc.SearchRequest[]): Promise<Rpc.SearchResult> {
    const response = await this.read(
      address,
      requests.map((request) => ({ type: 'search', request })),
    );
    if (!response.ok) return response;
    const results: Rpc.WindowResult[][] = [];
    for (const result of response.results) {
      if (!result.ok) return result;
      if (result.type === 'search') results.push(result.windows);
    }
    return { ok: true, results, elapsedMs: response.elapsedMs };
  }

  async get(
    address: VaultAddress,
    ids: string[],
  ): Promise<Result<{ memories: Rpc.MemoryRecord[] }>> {
    const ready = await this.open(address);
    return ready.ok ? { ok: true, memories: this.queries.hydrate(ids) } : ready;
  }

  async list(address: VaultAddress, request: Rpc.ListRequest): Promise<Result<Rpc.ListPage>> {
    const ready = await this.open(address);
    return ready.ok ? { ok: true, ...this.listPage(request) } : ready;
  }

  async stats(address: VaultAddress): Promise<Result<{ stats: Rpc.VaultStats }>> {
    const ready = await this.open(address);
    return ready.ok ? { ok: true, stats: this.currentStats(address) } : ready;
  }

  /** Deletes one memory; `deleted` is false when it was not there. */
  async remove(address: VaultAddress, id: string): Promise<Result<{ deleted: boolean }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const deleted = this.writes.remove(id);
    if (deleted) await this.afterChange();
    return { ok: true, deleted };
  }

  /** Removes every memory and all state of the vault; returns how many memories it held. */
  async clear(address: VaultAddress): Promise<Result<{ removed: number }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const removed = this.hot.memoryCount();
    await this.destroy('CLEARED');
    return { ok: true, removed };
  }

  /** Writes a snapshot now (exports use it); returns its R2 key. */
  async snapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    if (this.reembedding.hasDeferredRows()) {
      // Some memories have only the new model's vectors: a file now would mix models.
      const progress = this.meta.get('reembed');
      return failure(
        'RATE_LIMITED',
        `the vault is re-embedding into ${progress?.model ?? 'another model'} (${progress?.remaining ?? 0} memories to go); export it once that is done`,
        'REEMBEDDING',
      );
    }
    return this.cold.write(address);
  }

  /**
   * Re-embeds every memory with the deployment's embedder, in the background
   * (an admin's request: a repaired model, or a vault that gave up). Returns
   * the progress; asking again while it runs changes nothing.
   */
  async reembed(address: VaultAddress): Promise<Result<{ progress: Rpc.ReembedProgress }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const meta = this.meta.record();
    if (meta.embeddingModel === null) {
      return failure('NOT_FOUND', 'the vault holds no memories yet', 'VAULT_EMPTY');
    }
    if (meta.embeddingModel === CALLER_SUPPLIED_MODEL) {
      return failure(
        'BAD_USER_INPUT',
        'the vault holds caller-supplied vectors: only the caller can compute them again',
        'CALLER_SUPPLIED_VECTORS',
      );
    }
    const embedder = this.embedder();
    if (embedder === null) {
      return failure('UPSTREAM_ERROR', 'the deployment has no usable embedder', 'EMBEDDING_FAILED');
    }
    const running = meta.reembed?.state === 'RUNNING' && meta.reembed.model === embedder.model;
    const progress = running
      ? meta.reembed!
      : this.reembedding.start(embedder, 'ADMIN', Date.now());
    await this.armAlarm();
    return { ok: true, progress };
  }

  async snapshots(address: VaultAddress): Promise<Result<{ snapshots: SnapshotInfo[] }>> {
    const ready = await this.open(address);
    return ready.ok ? { ok: true, snapshots: await this.cold.infos() } : ready;
  }

  /**
   * Rebuilds the vault from a snapshot (the newest, or `key`): the file is
   * staged and checked in full, replaces the memories in one transaction, and
   * the object wakes up on the new rows.
   */
  async restore(
    address: VaultAddress,
    key: string | null,
  ): Promise<Result<{ restored: number; key: string }>> {
    const ready = await this.open(address);
    if (!ready.ok) return ready;
    const staged = await this.cold.stage(key, address);
    if (!staged.ok) return staged;
    this.writes.restore(address, staged.header, () => this.cold.swapInStaged());
    this.wake();
    await this.armAlarm();
    return { ok: true, restored: staged.header.count, key: staged.key };
  }

  /** The one alarm: deletes an expired vault, or does whatever else is due, then re-arms. */
  override async alarm(): Promise<void> {
    const due = dueWork(this.meta.record(), Date.now());
    if (due.expire) return this.destroy('EXPIRED');
    if (due.checkpoint) this.checkpoint();
    if (due.reembed) {
      const embedder = this.embedder();
      if (embedder !== null) await this.reembedding.runBatch(embedder, Date.now);
      else this.meta.set('reembedDueAt', null);
    }
    if (due.snapshot && this.reembedding.hasDeferredRows()) {
      // A file now would mix two models' vectors: the switch plans the next one.
      this.meta.set('snapshotDueAt', Date.now() + this.config.snapshotDelayMs);
    } else if (due.snapshot) {
      const now = Date.now();
      const deferred = snapshotDeferral(
        this.meta.get('lastWriteAt'),
        now,
        this.config.snapshotDelayMs,
      );
      if (deferred !== null) {
        // Writes have not settled: wait until the last one is snapshotDelayMs old.
        this.meta.set('snapshotDueAt', deferred);
      } else {
        const address = this.meta.get('address');
        const written = address === null ? null : await this.cold.write(address);
        // A snapshot raced by a delete is retried once writes settle again.
        const retry = written !== null && !written.ok;
        this.meta.set('snapshotDueAt', retry ? Date.now() + this.config.snapshotDelayMs : null);
      }
    }
    await this.armAlarm();
  }

  /** Writes the hot index checkpoint now (the alarm calls this when it is due). */
  checkpoint(): void {
    this.ctx.storage.transactionSync(() => {
      this.hot.checkpoint();
      this.meta.set('checkpointDueAt', null);
    });
  }

  // ── the vault's life ───────────────────────────────────────────────────────

  /**
   * Wake-up: brings the schema up to date and forgets every in-memory copy,
   * to be loaded again on first use. The constructor, a clear and a restore
   * all come through here.
   */
  private wake(): void {
    migrate(this.ctx.storage, VAULT_MIGRATIONS);
    this.hot.forget();
    this.retired.forget();
  }

  /**
   * Checks that the caller addresses the vault this object holds, and removes
   * an EPHEMERAL vault whose time is up even if its alarm has not fired yet.
   */
  private async open(address: VaultAddress): Promise<Result<object>> {
    const meta = this.meta.record();
    if (isExpired(meta, Date.now())) await this.destroy('EXPIRED');
    else if (meta.address !== null && !sameVault(meta.address, address)) {
      // Only reachable through a bug in name derivation; never serve another vault.
      return failure('FORBIDDEN', 'this vault belongs to another address');
    } else {
      await this.reembedIfNeeded(meta);
    }
    return { ok: true };
  }

  /**
   * The deployment embeds with another model than the vault's vectors are
   * of: the vault starts re-embedding into it on its first call. Only vaults
   * in use do, each paced by its own alarm, so a new model does not set every
   * vault of a deployment going at once.
   */
  private async reembedIfNeeded(meta: VaultMetaRecord): Promise<void> {
    if (this.config.reembed !== 'auto') return;
    if (meta.embeddingModel === null || meta.embeddingModel === CALLER_SUPPLIED_MODEL) return;
    const embedder = this.embedder();
    if (embedder === null || !reembedNeeded(meta, embedder)) return;
    this.reembedding.start(embedder, 'DEPLOYMENT', Date.now());
    await this.armAlarm();
  }

  private embedder(): Embedder | null {
    if (this.deploymentEmbedder === undefined) {
      try {
        this.deploymentEmbedder = createEmbedder(this.env);
      } catch {
        // A misconfigured embedder: the Worker refuses every request already (config guard).
        this.deploymentEmbedder = null;
      }
    }
    return this.deploymentEmbedder;
  }

  /**
   * Truly deletes everything (rows, meta, alarm, snapshots), then wakes up
   * empty. The change log starts again with the CLEARED or EXPIRED event,
   * numbered after the last one, so subscribers hear of it and a reconnect
   * from before it is told to resync.
   */
  private async destroy(reason: 'CLEARED' | 'EXPIRED'): Promise<void> {
    const lastSeq = this.events.lastSeq();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.wake();
    const event = this.events.appendAfterWipe(lastSeq, {
      type: reason,
      memoryId: null,
      content: null,
      supersededBy: null,
      at: Date.now(),
    });
    this.subscribers.broadcast([event]);
    await this.cold.prune(0);
  }

  /**
   * After a write or delete: plan a checkpoint when enough has changed and a
   * snapshot when none is planned. Once both are planned, a write changes
   * neither the meta table nor the alarm.
   */
  private async afterChange(): Promise<void> {
    const { snapshotDelayMs } = this.config;
    const checkpointNeeded = () => this.hot.checkpointDue();
    const before = this.meta.record();
    const after = afterChange(before, { checkpointNeeded, now: Date.now(), snapshotDelayMs });
    if (
      after.checkpointDueAt === before.checkpointDueAt &&
      after.snapshotDueAt === before.snapshotDueAt
    )
      return;
    this.meta.update(after);
    await this.armAlarm();
  }

  private armAlarm(): Promise<void> {
    return armAlarm(this.ctx.storage, nextAlarm(this.meta.record()));
  }

  private currentStats(address: VaultAddress): Rpc.VaultStats {
    const meta = this.meta.record();
    return {
      kind: address.kind,
      externalId: address.externalId,
      exists: meta.address !== null,
      memoryCount: this.hot.memoryCount(),
      storageBytes: this.sql.databaseSize,
      embeddingModel: meta.embeddingModel,
      dimensions: meta.dimensions,
      lastWriteAt: meta.lastWriteAt,
      expiresAt: meta.expiresAt,
      capacity: meta.dimensions === null ? null : vaultCapacity(this.config, meta.dimensions),
      reembed: meta.reembed,
    };
  }

  private listPage(request: Rpc.ListRequest): Rpc.ListPage {
    return this.queries.listPage(request, this.hot.memoryCount());
  }

  private searchWindow(request: Rpc.SearchRequest, window: Rpc.WindowSearch): Rpc.WindowResult {
    return this.queries.searchWindow(
      this.hot.vectors(),
      () => this.hot.timeline(),
      request,
      window,
      this.retired.current(),
    );
  }
}

export type { VaultKind, SnapshotInfo };
