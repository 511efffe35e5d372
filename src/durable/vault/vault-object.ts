import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../../core/config';
import { failure, type Result } from '../../core/errors';
import type { VaultAddress, VaultKind } from '../../vaults/address';
import { lazyDeploymentEmbedder } from './deployment-embedder';
import { EventSockets, VAULT_ADDRESS_HEADER } from './event-sockets';
import { HotIndex } from '../indexes/hot-index';
import { isMemoryEventId, MemoryEventLog } from '../warm-tier/memory-events';
import { RetiredSet } from '../warm-tier/retired-set';
import { StoreKeys } from '../warm-tier/store-keys';
import { SnapshotStore, type SnapshotInfo } from '../cold-tier/snapshot-store';
import { inProgress, SnapshotRestore } from '../cold-tier/snapshot-restore';
import { MetaTable, Sql } from '../sqlite/sql';
import { VaultAdmin, type ExportOpening } from './vault-admin';
import { VaultLifecycle } from './vault-lifecycle';
import { VaultMeta } from '../warm-tier/vault-meta';
import { ExportViews, type ExportPage } from '../warm-tier/export-views';
import { VaultQueries } from '../queries/vault-queries';
import { askFannedVaults, fannedAnswers, leadsForeignVaults } from './vault-fan-out';
import { answerBytes, MAX_ANSWER_BYTES } from '../rpc/answer-size';
import { VaultReads } from './vault-reads';
import { VaultReembed } from './vault-reembed';
import { VaultStorage } from '../warm-tier/vault-storage';
import type * as Rpc from '../rpc/vault-types';
import type { CorpusStatistics } from '../full-text/corpus-statistics';
import { VaultUpkeep } from './vault-upkeep';
import { VaultUsage } from '../metering/vault-usage';
import { VaultWrites } from './vault-writes';
import { retiredFact } from '../full-text/retired-facts';
import { ApartMarks } from './apart-marks';
import { importRefusal, withImport, withoutImport } from './vault-imports';

/**
 * One vault: a CORE, SESSION or EPHEMERAL memory store owned by one memory key.
 *
 * This class is its RPC face: each method opens the vault (vault-lifecycle.ts),
 * delegates and maps the result. WARM rows are SQLite's (vault-storage.ts,
 * read by vault-queries.ts), the source of truth; HOT is the in-memory copy
 * and its checkpoint (hot-index.ts); reads go through vault-reads.ts, writes
 * through vault-writes.ts, checked by vault-rules.ts; the meta table is a
 * typed record (vault-meta.ts); the alarm does what vault-upkeep.ts finds
 * due, re-embedding batches (vault-reembed.ts) among them; COLD is R2
 * (snapshot-store.ts), with snapshot, restore and re-embedding on request in
 * vault-admin.ts; live subscribers and the change log are event-sockets.ts
 * and memory-events.ts.
 */
export class VaultObject extends DurableObject<Env> {
  // Tests and benchmarks reach some of these by name (runInDurableObject): keep the names.
  private readonly sql: Sql;
  private readonly meta: VaultMeta;
  private readonly queries: VaultQueries;
  private readonly hot: HotIndex;
  private readonly cold: SnapshotStore;
  private readonly restorer: SnapshotRestore;
  private readonly exports: ExportViews;
  private readonly reembedding: VaultReembed;
  private readonly writes: VaultWrites;
  private readonly reads: VaultReads;
  private readonly life: VaultLifecycle;
  private readonly upkeep: VaultUpkeep;
  private readonly admin: VaultAdmin;
  private readonly subscribers: EventSockets;
  private readonly usage: VaultUsage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { storage } = ctx;
    const id = ctx.id.toString();
    const config = readConfig(env);
    const embedder = lazyDeploymentEmbedder(env);
    const sql = new Sql(storage.sql);
    const meta = new VaultMeta(new MetaTable(sql));
    const rows = new VaultStorage(sql);
    const queries = new VaultQueries(sql);
    const hot = new HotIndex(sql, meta, queries.text, () => rows.count(), id);
    const events = new MemoryEventLog(sql);
    const retired = new RetiredSet(
      () => rows.retiredSeqs(),
      () => rows.staleTurnSeqs(),
      () => [...rows.retiredFactRows().map(retiredFact), ...rows.factsOutdatedElsewhere()],
      () => rows.anyOutdatedElsewhere(),
    );
    const subscribers = new EventSockets(ctx, events);
    const broadcast = subscribers.broadcast.bind(subscribers);
    const keys = new StoreKeys(sql);
    const writes = new VaultWrites(
      storage,
      rows,
      meta,
      hot,
      config,
      events,
      retired,
      keys,
      broadcast,
    );
    const exports = new ExportViews(sql);
    const cold = new SnapshotStore(env.SNAPSHOTS, id, sql, rows, meta, exports);
    const restorer = new SnapshotRestore(env.SNAPSHOTS, sql, rows, meta, (work) =>
      storage.transactionSync(work),
    );
    const reembedding = new VaultReembed(storage, sql, meta, hot, config);
    const usage = new VaultUsage(storage, sql, meta, env);
    const apartMarks = new ApartMarks(env, rows, meta);
    // The parts the modules below share; each takes those its own interface names.
    const parts = {
      meta,
      hot,
      retired,
      events,
      subscribers,
      cold,
      restorer,
      exports,
      reembedding,
      writes,
      usage,
      keys,
      config,
    };
    const life = new VaultLifecycle(storage, { ...parts, embedder, apartMarks }, (work) =>
      ctx.blockConcurrencyWhile(work),
    );
    this.sql = sql;
    this.meta = meta;
    this.queries = queries;
    this.hot = hot;
    this.cold = cold;
    this.restorer = restorer;
    this.exports = exports;
    this.reembedding = reembedding;
    this.writes = writes;
    this.subscribers = subscribers;
    this.usage = usage;
    this.life = life;
    this.reads = new VaultReads(sql, meta, queries, hot, retired, usage, config);
    this.upkeep = new VaultUpkeep(storage, sql, {
      ...parts,
      life,
      embedder,
      continueRestore: () => this.admin.continueLeftRestore(),
    });
    this.admin = new VaultAdmin({ ...parts, life, embedder });
    void ctx.blockConcurrencyWhile(async () => {
      life.wake();
      // A full-text rebuild under way (begun by a migration, or before a restart) goes on.
      if (meta.current().ftsRebuildDueAt !== null) await life.armAlarm();
      // No snapshot runs before the object starts: an upload recorded now was
      // left by one it died in, and the alarm aborts it (vault-upkeep.ts).
      if (meta.current().snapshotUpload !== null) {
        meta.set('snapshotPruneDueAt', Date.now());
        await life.armAlarm();
      }
    });
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
    const ready = await this.life.open(address);
    if (!ready.ok) return new Response(ready.message, { status: 403 });
    const after = new URL(request.url).searchParams.get('after');
    const afterSeq = after !== null && isMemoryEventId(after) ? Number(after) : null;
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
    const ready = await this.life.open(address, { importId: request.importId });
    if (!ready.ok) return ready;
    // An import's batch after a clear of the vault, or a restore (vault-imports.ts).
    const ended = importRefusal(ready.meta, request.importId);
    if (ended !== null) return ended;
    const { result, meta, usage } = this.writes.storeWith(address, request, ready.meta);
    // A replay wrote nothing: no usage to record, nothing to plan.
    if (!result.ok || result.replayed) return result;
    // In the same synchronous step as the write: both are durable, or neither.
    // The write's own usage: without the repeated turns it left out.
    const handOver = this.usage.record(usage);
    // The alarm is planned from the record the write left, read again only
    // when the usage hand-over was just planned (once per hand-over delay).
    if (result.memories.length > 0)
      await this.life.afterChange(handOver ? undefined : meta, handOver);
    else if (handOver) await this.life.armAlarm();
    return result;
  }

  /**
   * What a keyed store would answer now from its key (a replay of the first
   * call, or IDEMPOTENCY_KEY_REUSED); null when the vault holds no such key.
   * A read: a keyed store with fact extraction asks it before its model calls.
   */
  async replay(
    address: VaultAddress,
    idempotency: NonNullable<Rpc.StoreRequest['idempotency']>,
    inputs: Rpc.ReplayInput[],
  ): Promise<Rpc.StoreResult | null> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    return this.writes.replay(idempotency, inputs);
  }

  /**
   * Positions of the texts a chat turn would leave out as repeated now (a
   * live memory of the last day says the same); a read, asked before a
   * turn's fact extraction. The store checks again as it writes.
   */
  async repeatedTexts(
    address: VaultAddress,
    contents: string[],
    /** The rule of a turn with extraction (`NewMemory.repeatsExtractedOnly`). */
    extractedOnly = false,
  ): Promise<Result<{ positions: number[] }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    return { ok: true, positions: this.writes.repeatedTexts(contents, extractedOnly) };
  }

  /** Whether `store` would take a batch of this plan now; writes nothing. */
  async check(address: VaultAddress, plan: Rpc.StorePlan): Promise<Rpc.CheckResult> {
    const ready = await this.life.open(address);
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
    options: Rpc.VaultReadOptions = {},
  ): Promise<Result<Rpc.VaultReadResponse>> {
    const started = performance.now();
    if (leadsForeignVaults(address, ops)) {
      return failure('FORBIDDEN', 'a search may only lead vaults of its own key', 'WRONG_OWNER');
    }
    const ready = await this.life.open(address, { importId: options.importId });
    if (!ready.ok) return ready;
    // An import's check of the ids held, after a clear or a restore ended it.
    const importEnded = importRefusal(ready.meta, options.importId);
    if (importEnded !== null) return importEnded;
    // The other vaults of searches this vault leads are asked first, so they
    // rank while this one does (on other machines, in production). The meta
    // record `open` answered is the one the reads use: nothing writes it
    // between the two (no I/O is awaited in between).
    const asked = askFannedVaults(this.env, address, ops, options);
    const { response, charges, settlements, leads } = this.reads.run(
      address,
      ops,
      started,
      ready.meta,
      asked,
      options.storageBytes !== false,
    );
    // An answer too large for the RPC is refused before anything is billed
    // (rpc/answer-size.ts): many aliased searches of long memories.
    const size = answerBytes(response.results, MAX_ANSWER_BYTES);
    if (size > MAX_ANSWER_BYTES)
      return failure(
        'PAYLOAD_TOO_LARGE',
        `this operation's reads of one vault would answer over ${MAX_ANSWER_BYTES / 1024 / 1024} MiB (the most one vault call carries): ask for fewer hits (window limits, page sizes) or send fewer searches in one operation; nothing was billed`,
        'ANSWER_TOO_LARGE',
      );
    // The tokens of metered searches are recorded before the answer leaves,
    // with those of other reads finishing meanwhile, in one commit (group
    // commit: usage-commit-group.ts). Multi-vault searches this vault leads
    // are recorded so too, once the other vaults answered and it merged them
    // (`lead`), as are those a previous release's Worker merges and settles
    // through a callback (`settle`); this call waits for each.
    // Every record is awaited, and the alarm re-armed if any planned a
    // hand-over, before a failure is passed on: a record that planned one
    // and then saw another fail must still arm it, or its rows would wait
    // for the next write.
    const recorded = await Promise.allSettled([
      this.usage.recordReads(charges),
      ...settlements.map((due) => this.reads.settle(due)),
      ...leads.map((lead) => this.reads.lead(lead)),
    ]);
    if (recorded.some((record) => record.status === 'fulfilled' && record.value))
      await this.life.armAlarm();
    const failed = recorded.find((record) => record.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (asked !== null && leads.length > 0) response.fanned = await fannedAnswers(asked.calls);
    return { ok: true, ...response };
  }

  /**
   * This vault's part of the word statistics of a search over several
   * vaults (full-text/corpus-statistics.ts), asked before the search so
   * that every vault ranks with the sum. A vault that cannot be opened
   * counts nothing: its search answers the failure.
   */
  async textStatistics(
    address: VaultAddress,
    query: Rpc.TextStatisticsQuery,
  ): Promise<CorpusStatistics> {
    const ready = await this.life.open(address);
    if (!ready.ok) return { passages: 0, words: 0, holding: {} };
    return this.reads.textStatistics(query);
  }

  /** Hands recorded memory tokens to the account now, so a usage or billing read sees them. */
  async flushUsage(): Promise<void> {
    await this.usage.handOver();
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

  /**
   * The memories of `ids` this vault holds; `changed`, its change order as
   * they were read (what a mark of their turns elsewhere is ordered by).
   */
  async get(
    address: VaultAddress,
    ids: string[],
  ): Promise<Result<{ memories: Rpc.MemoryRecord[]; changed: number }>> {
    const ready = await this.life.open(address);
    return ready.ok
      ? { ok: true, memories: this.queries.hydrate(ids), changed: this.writes.changeOrder() }
      : ready;
  }

  async list(address: VaultAddress, request: Rpc.ListRequest): Promise<Result<Rpc.ListPage>> {
    const ready = await this.life.open(address);
    return ready.ok ? { ok: true, ...this.reads.listPage(request) } : ready;
  }

  async stats(address: VaultAddress): Promise<Result<{ stats: Rpc.VaultStats }>> {
    const ready = await this.life.open(address);
    return ready.ok ? { ok: true, stats: this.reads.stats(address, ready.meta) } : ready;
  }

  /**
   * Another vault retired facts drawn from turns of this one (facts kept
   * apart from their turn): those turns are demoted and marked outdated
   * here as this vault's own retired facts' turns are. `fact` is the
   * fact's Memory.id in its vault; turns this vault does not hold are skipped.
   *
   * `changed` is the facts' vault's change order when the Worker read that
   * the facts were retired (its `get`, `removeMany`, `update` or wipe
   * answers it). Calls about one fact come from separate requests (a store
   * that retires it, a delete that re-opens it) in no set order, so each
   * (turn, fact) keeps the order of the call last applied and a call read
   * before it changes nothing: a late unmark cannot leave a turn unmarked
   * while its fact stands superseded, nor a late mark the reverse.
   */
  async markOutdatedElsewhere(
    address: VaultAddress,
    marks: { turn: string; fact: string; since: number }[],
    changed?: number,
  ): Promise<Result<{ marked: number }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    return { ok: true, marked: this.writes.markOutdatedElsewhere(marks, changed ?? null) };
  }

  /**
   * A keyed store with facts kept apart whose facts write was refused after
   * its turn was stored here: its recorded receipt becomes `to` (the
   * failure), while it is still `from`, so a replay answers as the first
   * call did. `amended` is false when the key went or holds another receipt.
   */
  async amendKeyedReceipt(
    address: VaultAddress,
    key: string,
    from: string,
    to: string,
  ): Promise<Result<{ amended: boolean }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    return { ok: true, amended: this.writes.amendKeyedReceipt(key, from, to) };
  }

  /**
   * Takes back marks of `markOutdatedElsewhere`: the fact is current again
   * in its vault (its successor deleted), was deleted, or no longer names
   * the turn, so the turn is no longer outdated by it. Ordered by `changed`
   * as `markOutdatedElsewhere` is.
   */
  async unmarkOutdatedElsewhere(
    address: VaultAddress,
    marks: { turn: string; fact: string }[],
    changed?: number,
  ): Promise<Result<{ unmarked: number }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    return { ok: true, unmarked: this.writes.unmarkOutdatedElsewhere(marks, changed ?? null) };
  }

  /**
   * Deletes one memory; `deleted` is false when it was not there. `released`
   * as for removeMany.
   */
  async remove(
    address: VaultAddress,
    id: string,
  ): Promise<Result<{ deleted: boolean; released: Rpc.ApartFact[]; changed: number }>> {
    const removed = await this.removeMany(address, [id]);
    return removed.ok
      ? {
          ok: true,
          deleted: removed.deleted.length > 0,
          released: removed.released,
          changed: removed.changed,
        }
      : removed;
  }

  /**
   * Deletes the memories of `ids` it holds, in one step; answers the ids it
   * deleted, and the facts kept apart from their turn (metadata
   * `sourceTurns`) the delete made current again, whose turns' vaults the
   * Worker tells (outdated-elsewhere.ts), with `changed`, the vault's
   * change order once the delete was made (markOutdatedElsewhere).
   */
  async removeMany(
    address: VaultAddress,
    ids: string[],
  ): Promise<Result<{ deleted: string[]; released: Rpc.ApartFact[]; changed: number }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    const { deleted, released } = this.writes.removeMany(ids);
    // Read in the same step as the delete: no other call ran in between.
    const changed = this.writes.changeOrder();
    if (deleted.length > 0) await this.life.afterChange();
    return { ok: true, deleted, released, changed };
  }

  /**
   * Edits one memory (content, role, metadata), keeping its id and createdAt;
   * new content is re-indexed everywhere a store indexes it, and its tokens
   * recorded as a store's, in the same step.
   */
  async update(address: VaultAddress, request: Rpc.UpdateRequest): Promise<Rpc.UpdateResult> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    const { result, meta } = this.writes.update(address, request, ready.meta);
    if (!result.ok) return result;
    // Marks of its turns elsewhere follow the edit: ordered by this step.
    if (result.sourceTurnsBefore !== undefined) result.changed = this.writes.changeOrder();
    const billed = request.content !== undefined && result.contentUnchanged !== true;
    const handOver = billed ? this.usage.record(request.usage) : false;
    await this.life.afterChange(handOver ? undefined : meta, handOver);
    return result;
  }

  /**
   * Removes every memory and all state of the vault, and ends the imports
   * writing into it (vault-imports.ts); returns how many memories it held.
   * `wiped` is false when there was nothing to remove: a vault never written
   * (or cleared already) with no import open stays without storage.
   */
  async clear(address: VaultAddress): Promise<Result<{ removed: number; wiped: boolean }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    if (ready.meta.address === null && ready.meta.openImports.length === 0)
      return { ok: true, removed: 0, wiped: false };
    const removed = this.hot.memoryCount();
    await this.life.destroy('CLEARED');
    return { ok: true, removed, wiped: true };
  }

  /**
   * Opens an import into the vault: its stores carry the id answered
   * (`StoreRequest.importId`) and are refused once a clear or a restore
   * ended it. None opens while a restore runs: its rows would be replaced.
   */
  async openImport(address: VaultAddress): Promise<Result<{ importId: string }>> {
    const ready = await this.life.open(address);
    if (!ready.ok) return ready;
    if (ready.meta.restoreJob !== null) return inProgress(ready.meta.restoreJob);
    const importId = crypto.randomUUID();
    this.meta.set('openImports', withImport(ready.meta.openImports, importId));
    return { ok: true, importId };
  }

  /** Closes an import opened by `openImport` (it ended, however): nothing if a clear already did. */
  async closeImport(address: VaultAddress, importId: string): Promise<void> {
    const ready = await this.life.open(address);
    if (!ready.ok) return;
    const open = withoutImport(ready.meta.openImports, importId);
    if (open !== null) this.meta.set('openImports', open);
  }

  /**
   * Begins an export of the vault as it is now, read with `exportPage` until
   * done (export-views.ts); writes nothing to R2.
   */
  async openExport(address: VaultAddress): Promise<Result<{ opened: ExportOpening }>> {
    const ready = await this.life.open(address);
    return ready.ok ? this.admin.openExport(Date.now()) : ready;
  }

  /** The next page of an export begun by `openExport`. */
  async exportPage(address: VaultAddress, id: string): Promise<Result<{ page: ExportPage }>> {
    const ready = await this.life.open(address);
    return ready.ok ? this.admin.exportPage(id, Date.now()) : ready;
  }

  /** Ends an export before its last page (its reader went away). */
  async closeExport(address: VaultAddress, id: string): Promise<void> {
    const ready = await this.life.open(address);
    if (ready.ok) this.exports.close(id);
  }

  /** Writes a snapshot now (an admin's snapshotVault); returns its R2 key. */
  async snapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const ready = await this.life.open(address);
    return ready.ok ? this.admin.snapshot(address) : ready;
  }

  /** Re-embeds every memory with the deployment's embedder, in the background (an admin's request). */
  async reembed(address: VaultAddress): Promise<Result<{ progress: Rpc.ReembedProgress }>> {
    const ready = await this.life.open(address);
    return ready.ok ? this.admin.reembed() : ready;
  }

  async snapshots(address: VaultAddress): Promise<Result<{ snapshots: SnapshotInfo[] }>> {
    const ready = await this.life.open(address);
    return ready.ok ? { ok: true, snapshots: await this.cold.infos() } : ready;
  }

  /**
   * Rebuilds the vault from a snapshot (the newest, or `key`), then wakes up
   * on its rows: in steps (snapshot-restore.ts), so a big vault's restore
   * answers a `job` to call again with (`continuing`) until it is null
   * (rpc/restore-in-steps.ts drives it); a small vault's is done in one call.
   */
  async restore(
    address: VaultAddress,
    key: string | null,
    continuing: string | null = null,
  ): Promise<Result<{ restored: number; key: string; job: string | null }>> {
    const ready = await this.life.open(address, { restoring: true });
    return ready.ok ? this.admin.restore(address, key, continuing) : ready;
  }

  /** The one alarm: deletes an expired vault, or does whatever else is due, then re-arms. */
  override async alarm(): Promise<void> {
    await this.upkeep.run();
  }

  /** Writes the hot index checkpoint now (the alarm calls this when it is due). */
  checkpoint(): void {
    this.upkeep.checkpoint();
  }
}

export type { VaultKind, SnapshotInfo };
