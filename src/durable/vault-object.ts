import { DurableObject } from 'cloudflare:workers';
import { readConfig, type AppConfig } from '../config';
import { failure, type Result } from '../errors';
import { vaultCapacity } from '../limits';
import { sameVault, type VaultAddress, type VaultKind } from '../vaults/address';
import { HotIndex } from './hot-index';
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
import { VaultMeta } from './vault-meta';
import { VaultQueries } from './vault-queries';
import { checkSearch } from './vault-rules';
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
 * does what vault-alarm.ts finds due; COLD is R2 (snapshot-store.ts).
 */
export class VaultObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly config: AppConfig;
  private readonly meta: VaultMeta;
  private readonly queries: VaultQueries;
  private readonly hot: HotIndex;
  private readonly writes: VaultWrites;
  private readonly cold: SnapshotStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.config = readConfig(env);
    this.meta = new VaultMeta(new MetaTable(this.sql));
    const rows = new VaultStorage(this.sql);
    this.queries = new VaultQueries(this.sql);
    this.hot = new HotIndex(this.sql, this.meta, this.queries.text, () => rows.count());
    this.writes = new VaultWrites(ctx.storage, rows, this.meta, this.hot, this.config);
    this.cold = new SnapshotStore(env.SNAPSHOTS, ctx.id.toString(), this.sql, rows, this.meta);
    void ctx.blockConcurrencyWhile(async () => this.wake());
  }

  // ── RPC methods ────────────────────────────────────────────────────────────

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
          const refused = checkSearch(op.request, this.meta.record());
          if (refused !== null) return refused;
          const searchStarted = performance.now();
          const windows = op.request.windows.map((window) => this.searchWindow(op.request, window));
          searchMs += performance.now() - searchStarted;
          return { ok: true, type: 'search', windows };
        }
        case 'get':
          return { ok: true, type: 'get', memories: this.queries.hydrate(op.ids) };
        case 'list':
          return { ok: true, type: 'list', page: this.listPage(op.request) };
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
    await this.destroy();
    return { ok: true, removed };
  }

  /** Writes a snapshot now (exports use it); returns its R2 key. */
  async snapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const ready = await this.open(address);
    return ready.ok ? this.cold.write(address) : ready;
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
    if (due.expire) return this.destroy();
    if (due.checkpoint) this.checkpoint();
    if (due.snapshot) {
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
  }

  /**
   * Checks that the caller addresses the vault this object holds, and removes
   * an EPHEMERAL vault whose time is up even if its alarm has not fired yet.
   */
  private async open(address: VaultAddress): Promise<Result<object>> {
    const meta = this.meta.record();
    if (isExpired(meta, Date.now())) await this.destroy();
    else if (meta.address !== null && !sameVault(meta.address, address)) {
      // Only reachable through a bug in name derivation; never serve another vault.
      return failure('FORBIDDEN', 'this vault belongs to another address');
    }
    return { ok: true };
  }

  /** Truly deletes everything (rows, meta, alarm, snapshots), then wakes up empty. */
  private async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.wake();
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
    );
  }
}

export type { VaultKind, SnapshotInfo };
