import type { AppConfig } from '../../core/config';
import { vaultCapacity } from '../../core/limits';
import type { Result } from '../../core/errors';
import { vaultObjectName, type VaultAddress } from '../../vaults/address';
import type { HotIndex } from '../indexes/hot-index';
import { mergedHits } from './merge-windows';
import { cutPackedWindows, packWindows, unpackWindows } from '../rpc/packed-windows';
import { reachedAnswer, type FannedCalls } from './vault-fan-out';
import type { RetiredSet } from '../warm-tier/retired-set';
import type { Sql } from '../sqlite/sql';
import type { VaultMeta, VaultMetaRecord } from '../warm-tier/vault-meta';
import type { VaultQueries } from '../queries/vault-queries';
import { gaveUp, reembedTarget } from './vault-reembed';
import { answeredByText, checkSearch } from './vault-rules';
import type * as Rpc from '../rpc/vault-types';
import { billedSearchTokens, type VaultUsage } from '../metering/vault-usage';
import { DEFAULT_TEXT_RANKING } from '../full-text/text-ranking';
import { windowsAcrossVaults } from '../queries/spelling-across-vaults';
import { atLeastOwn, type CorpusStatistics } from '../full-text/corpus-statistics';

/**
 * A vault's reads, once the object is open: one batch of searches, lookups,
 * listings and histories (the Worker's per-request loader sends them
 * together), the vault's stats, and where the time went. Rows come from
 * SQLite (vault-queries.ts); vectors and the text timeline from the hot
 * index; memories being retired are left out of every search.
 */
/** A multi-vault search this vault bills once the caller merged it (`VaultReadOp.settleMerged`). */
export interface Settlement extends Rpc.MergedSettlement {
  /** The search's own result, told that it was billed once it is. */
  result: Extract<Rpc.VaultReadOpResult, { type: 'search' }>;
  /** Hand the windows over packed into columns (the op asked for `packed`). */
  packed: boolean;
}

/** A multi-vault search this vault leads (`VaultReadOp.fanOut`), to merge and bill once the others answered. */
export interface Lead {
  self: VaultAddress;
  fanOut: Rpc.FanOut;
  request: Rpc.SearchRequest;
  /** The search's own result: it carries the others' answers, and whether it billed, once it did. */
  result: Extract<Rpc.VaultReadOpResult, { type: 'search' }>;
  packed: boolean;
  /** The calls to the other vaults, and where this search's result is in each. */
  calls: FannedCalls['calls'];
  places: { call: number; result: number }[];
  /** A vault never written is in no listing a usage read flushes: it leaves the bill to the caller. */
  bills: boolean;
}

export class VaultReads {
  constructor(
    private readonly sql: Sql,
    private readonly meta: VaultMeta,
    private readonly queries: VaultQueries,
    private readonly hot: HotIndex,
    private readonly retired: RetiredSet,
    private readonly usage: VaultUsage,
    private readonly config: AppConfig,
  ) {}

  /**
   * Answers every op in order; `started` is when the call reached the object,
   * `meta` the vault's meta record as the call's `open` read it.
   * `charges`: the memory tokens of metered searches, to record (grouped:
   * `VaultUsage.recordReads`) before the answer leaves.
   * `settlements`: searches over several vaults this vault bills once the
   * caller has merged them (`settle`), to finish after the answers are in.
   * `leads`: searches over several vaults this vault leads, whose other
   * vaults' answers (`asked`, per op: vault-fan-out.ts) it merges and bills
   * (`lead`) after the answers are in.
   * `sized`: whether the stats measure the database (`VaultReadOptions.storageBytes`).
   */
  run(
    address: VaultAddress,
    ops: Rpc.VaultReadOp[],
    started: number,
    meta: VaultMetaRecord,
    asked: FannedCalls | null = null,
    sized = true,
  ): {
    response: Rpc.VaultReadResponse;
    charges: Rpc.UsageCharge[];
    settlements: Settlement[];
    leads: Lead[];
  } {
    this.queries.hydrateMs = 0;
    this.queries.text.forgetRanking();
    // One read of the meta table for the whole call (open's): nothing below writes it.
    let searchMs = 0;
    const charges: Rpc.UsageCharge[] = [];
    const settlements: Settlement[] = [];
    const leads: Lead[] = [];
    const results = ops.map((op, index): Rpc.VaultReadOpResult => {
      switch (op.type) {
        case 'search': {
          const result = this.search(op.request, meta, (ms) => (searchMs += ms));
          if (!result.ok || result.type !== 'search') return result;
          // Said by the vault that knows it, in the answer it gives anyway:
          // no round trip of its own (search-memories.ts VAULT_NOT_FOUND).
          if (meta.address === null) result.neverWritten = true;
          const places = asked?.places[index];
          if (op.fanOut !== undefined && asked && places !== undefined) {
            // Packed, if asked, once the others' answers are in (`lead`).
            leads.push({
              self: address,
              fanOut: op.fanOut,
              request: op.request,
              result,
              packed: op.packed === true,
              calls: asked.calls,
              places,
              bills: meta.address !== null,
            });
            return result;
          }
          const settlement = settlementOf(op);
          if (settlement !== undefined) {
            // A vault never written is in no listing a usage read flushes: it
            // leaves the bill to the caller (who sees `settled` unset).
            if (meta.address !== null) {
              // Its windows are packed, if asked, when they are handed over (`settle`).
              settlements.push({ ...settlement, result, packed: op.packed === true });
              return result;
            }
          } else if (op.meter !== undefined) {
            charges.push({ ...op.meter, memoryTokens: billedSearchTokens(result.windows) });
          }
          if (op.packed) packResult(result);
          return result;
        }
        case 'get':
          return { ok: true, type: 'get', memories: this.queries.hydrate(op.ids) };
        case 'list':
          return { ok: true, type: 'list', page: this.listPage(op.request) };
        case 'history':
          return { ok: true, type: 'history', memories: this.queries.history(op.id) };
        case 'successors': {
          const next = this.queries
            .hydrate(op.ids)
            .flatMap((memory) => (memory.supersededBy == null ? [] : [memory.supersededBy]));
          const memories = this.queries.currentSuccessors(next, op.asOf ?? undefined);
          return { ok: true, type: 'successors', memories };
        }
        case 'heldIn':
          return { ok: true, type: 'heldIn', held: this.queries.heldIn(op) };
        case 'stats':
          return { ok: true, type: 'stats' };
      }
    });
    const elapsedMs = performance.now() - started;
    const hydrateMs = this.queries.hydrateMs;
    return {
      response: {
        stats: this.stats(address, meta, sized),
        results,
        elapsedMs,
        searchMs: Math.max(0, searchMs - hydrateMs),
        hydrateMs,
      },
      charges,
      settlements,
      leads,
    };
  }

  /**
   * Finishes a multi-vault search this vault leads: waits for the other
   * vaults' results, merges every vault's windows in the caller's order as
   * the Worker will (merge-windows.ts), records the merged hits' memory
   * tokens under the search's identifier (with the group commit of reads),
   * cuts every vault's windows to the hits of the contents that made the
   * merged list, which merge to the same list for fewer hits to hand on,
   * and hands on the merged order (`merged`), so that the caller reads the
   * list from the cut windows instead of merging them again.
   * Returns true when the alarm must be re-armed. When another vault failed
   * or could not be called at all, the search fails (UPSTREAM_ERROR for the
   * latter) and nothing of it is billed; the call's other ops are answered.
   */
  async lead({
    self,
    fanOut,
    request,
    result,
    packed,
    calls,
    places,
    bills,
  }: Lead): Promise<boolean> {
    const answers = await Promise.all(places.map(({ call }) => reachedAnswer(calls[call]!.answer)));
    const theirs = places.map(({ result: at }, index) => searchResultOf(answers[index]!, at));
    let armAlarm = false;
    if (theirs.every((found) => found !== null)) {
      const own = fanOut.vaults.findIndex(
        (address) => vaultObjectName(address) === vaultObjectName(self),
      );
      const ownAt = own === -1 ? 0 : own;
      settleSpelling(result, theirs, ownAt);
      const theirWindows = theirs.map((found) =>
        found.packed === undefined ? found.windows : unpackWindows(found.packed),
      );
      const perVault = [...theirWindows];
      perVault.splice(ownAt, 0, result.windows);
      const { memoryTokens, handOn, merged } = mergedHits(request.windows, perVault);
      if (bills) {
        armAlarm = await this.usage.recordReads([{ ...fanOut.meter, memoryTokens }]);
        result.settled = true;
      }
      const cut = (windows: Rpc.WindowResult[], lengths: number[]) =>
        windows.map((window, at) =>
          window.hits.length > lengths[at]!
            ? { ...window, hits: window.hits.slice(0, lengths[at]) }
            : window,
        );
      // The merged order, for the caller to read the cut windows by (they keep every place in it).
      result.merged = merged;
      result.windows = cut(result.windows, handOn[ownAt]!);
      theirs.forEach((found, at) => {
        const lengths = handOn[at < ownAt ? at : at + 1]!;
        if (found.packed === undefined) found.windows = cut(found.windows, lengths);
        // Unpacked for the merge window by window, in order: a window's place is its place here.
        else
          found.packed = cutPackedWindows(found.packed, (_, hit, place) => hit < lengths[place]!);
      });
    }
    result.fannedFrom = places;
    if (packed) packResult(result);
    return armAlarm;
  }

  /**
   * Bills a multi-vault search: hands this vault's windows to the caller,
   * which answers the memory tokens of the merged hits, and records them
   * under the request's identifier. Returns true when the alarm must be
   * re-armed. When the caller cannot answer (another vault failed, so the
   * search fails and returns nothing), nothing is billed.
   */
  async settle({ meter, merged, result, packed }: Settlement): Promise<boolean> {
    let memoryTokens: number | null;
    try {
      memoryTokens = await (packed
        ? merged([], packWindows(result.windows))
        : merged(result.windows));
    } catch {
      memoryTokens = null; // the caller is gone: it answers no one, so it bills nothing
    }
    if (memoryTokens === null) {
      if (packed) packResult(result);
      return false;
    }
    const armAlarm = await this.usage.recordReads([{ ...meter, memoryTokens }]);
    // The caller has these windows already (it merged them): not sent twice.
    result.settled = true;
    result.windows = [];
    return armAlarm;
  }

  /**
   * This vault's part of a multi-vault search's word statistics
   * (`SearchRequest.corpus`): nothing while it holds no memories.
   */
  textStatistics(query: Rpc.TextStatisticsQuery): CorpusStatistics {
    this.queries.text.forgetRanking();
    return this.countWords(query);
  }

  /** The query's word statistics in this vault as it is now (`textStatistics`). */
  private countWords(
    query: Omit<Rpc.TextStatisticsQuery, 'now'> & { now?: number },
  ): CorpusStatistics {
    if (this.hot.vectors() === null) return { passages: 0, words: 0, holding: {} };
    return this.queries.text.statistics(
      this.hot.timeline(),
      query.text,
      query.textRanking ?? DEFAULT_TEXT_RANKING,
      query.now ?? Date.now(),
      query.nowOffsetMinutes,
    );
  }

  /**
   * The vault's stats, from the meta record its call opened with; the
   * database's size only when `sized` (it is measured, not kept).
   */
  stats(address: VaultAddress, meta: VaultMetaRecord, sized = true): Rpc.VaultStats {
    return {
      kind: address.kind,
      externalId: address.externalId,
      exists: meta.address !== null,
      memoryCount: this.hot.memoryCount(),
      ...(sized ? { storageBytes: this.sql.databaseSize } : {}),
      embeddingModel: meta.embeddingModel,
      dimensions: meta.dimensions,
      lastWriteAt: meta.lastWriteAt,
      expiresAt: meta.expiresAt,
      capacity: meta.dimensions === null ? null : vaultCapacity(this.config, meta.dimensions),
      reembed: meta.reembed,
    };
  }

  listPage(request: Rpc.ListRequest): Rpc.ListPage {
    return this.queries.listPage(request, this.hot.memoryCount());
  }

  /** One window of one search, over the hot vectors and the text timeline. */
  searchWindow(request: Rpc.SearchRequest, window: Rpc.WindowSearch): Rpc.WindowResult {
    return this.queries.searchWindow(
      this.hot.vectors(),
      () => this.hot.timeline(),
      request,
      window,
      this.retired.current(request.asOf),
      this.retired.staleTurns(request.asOf),
      this.retired.retiredFacts(request.asOf),
    );
  }

  /** A search's checks, then its windows; `spent` hears how long the windows took. */
  private search(
    searched: Rpc.SearchRequest,
    meta: VaultMetaRecord,
    spent: (ms: number) => void,
  ): Rpc.VaultReadOpResult {
    const vault = { ...meta, reembedTarget: reembedTarget(meta.reembed) };
    const refused = checkSearch(searched, vault);
    if (refused !== null) return refused;
    // A query of the model the vault is moving to: its vectors are not all
    // there yet, so text answers until the switch (and says so).
    const textOnly = answeredByText(searched, vault);
    const request: Rpc.SearchRequest = textOnly
      ? { ...searched, mode: 'TEXT', vector: null }
      : searched;
    const started = performance.now();
    // Its own part as the corpus (`ownCorpus`): counted before the windows,
    // which rank with it; else, when asked, after them, from the postings
    // they just read.
    const own = request.ownCorpus === true ? this.countWords(request) : undefined;
    const ranked =
      own === undefined ? this.withCorpusAtLeastOwn(request) : { ...request, corpus: own };
    const windows = this.searchRequest(ranked);
    const spelling = request.acrossVaults === true ? this.spelling(ranked) : undefined;
    const statistics =
      own ?? (request.reportStatistics === true ? this.countWords(request) : undefined);
    spent(performance.now() - started);
    return {
      ok: true,
      type: 'search',
      windows,
      // A run that gave up is not going on by itself: the reason says so.
      ...(textOnly
        ? { textOnly: gaveUp(meta.reembed) ? 'REEMBEDDING_FAILED' : 'REEMBEDDING' }
        : {}),
      ...(spelling === undefined ? {} : { spelling }),
      ...(statistics === undefined ? {} : { statistics }),
    };
  }

  /**
   * A search over several vaults ranks with summed statistics the Worker
   * may have kept for a few seconds (resolvers/word-statistics-cache.ts):
   * counted before memories written since. A sum smaller than this vault
   * alone (its vaults counted empty a moment before) would weigh every word
   * as nothing and score every hit 0, so the vault then counts its own words
   * and ranks with the larger of each figure (`atLeastOwn`). Otherwise the
   * kept sum stands: a count at most its bound old changes a word's weight
   * a little, never which memories are found.
   */
  private withCorpusAtLeastOwn(request: Rpc.SearchRequest): Rpc.SearchRequest {
    const { corpus } = request;
    if (corpus === undefined || request.mode === 'VECTOR' || this.hot.vectors() === null)
      return request;
    const timeline = this.hot.timeline();
    const passages = timeline.size;
    if (corpus.passages >= passages && corpus.words >= timeline.averageWords * passages)
      return request;
    return { ...request, corpus: atLeastOwn(corpus, this.countWords(request)) };
  }

  private searchRequest(request: Rpc.SearchRequest): Rpc.WindowResult[] {
    return this.queries.searchWindows(
      this.hot.vectors(),
      () => this.hot.timeline(),
      request,
      request.windows,
      this.retired.current(request.asOf),
      this.retired.staleTurns(request.asOf),
      this.retired.retiredFacts(request.asOf),
    );
  }

  /**
   * How this vault read a search's spelling, for a search over several
   * vaults (spelling-across-vaults.ts): the query terms it holds, those it
   * forgave as typos and, when it forgave any, its windows once more with
   * those read only as written. Nothing for a search without words to read.
   */
  private spelling(request: Rpc.SearchRequest): Rpc.VaultSpelling | undefined {
    if (request.mode === 'VECTOR' || this.hot.vectors() === null) return undefined;
    const text = this.queries.text;
    const { held, forgiven } = text.spelling(
      this.hot.timeline(),
      request.text,
      request.textRanking ?? DEFAULT_TEXT_RANKING,
      request.now ?? Date.now(),
      request.nowOffsetMinutes,
    );
    const terms = Object.keys(forgiven);
    if (terms.length === 0) return Object.keys(held).length === 0 ? undefined : { held, forgiven };
    return {
      held,
      forgiven,
      asWritten: text.readingAsWritten(terms, () => this.searchRequest(request)),
    };
  }
}

type SearchFound = Extract<Rpc.VaultReadOpResult, { type: 'search'; ok: true }>;

/**
 * A led search's windows as spelling across its vaults allows
 * (spelling-across-vaults.ts), in place, before they are merged and billed;
 * the vaults' spelling reports are then dropped, so the Worker, which merges
 * these same windows, has nothing to decide again. `own` is this vault's
 * place among them.
 */
function settleSpelling(result: SearchFound, theirs: SearchFound[], own: number): void {
  const all = [...theirs];
  all.splice(own, 0, result);
  if (all.every((found) => found.spelling?.asWritten === undefined)) {
    for (const found of all) delete found.spelling;
    return;
  }
  const chosen = windowsAcrossVaults(
    all.map((found) => ({
      windows: found.packed === undefined ? found.windows : unpackWindows(found.packed),
      spelling: found.spelling,
    })),
  );
  all.forEach((found, at) => {
    if (chosen[at] !== found.spelling?.asWritten) {
      delete found.spelling;
      return;
    }
    if (found.packed === undefined) found.windows = chosen[at]!;
    else found.packed = packWindows(chosen[at]!);
    delete found.spelling;
  });
}

/** Answers a search's windows packed into columns (packed-windows.ts), as its op asked. */
function packResult(result: Extract<Rpc.VaultReadOpResult, { type: 'search' }>): void {
  result.packed = packWindows(result.windows);
  result.windows = [];
}

/** A search's result in another vault's answer (`at`: its place there); null when it failed. */
function searchResultOf(
  answer: Result<Rpc.VaultReadResponse>,
  at: number,
): Extract<Rpc.VaultReadOpResult, { type: 'search'; ok: true }> | null {
  const result = answer.ok ? answer.results[at] : undefined;
  return result !== undefined && result.ok && result.type === 'search' ? result : null;
}

/** A search's merged bill, in this release's shape or the previous release's (`meter` + `settle`). */
function settlementOf(
  op: Extract<Rpc.VaultReadOp, { type: 'search' }>,
): Rpc.MergedSettlement | undefined {
  if (op.settleMerged !== undefined) return op.settleMerged;
  if (op.settle !== undefined && op.meter !== undefined) {
    return { meter: op.meter, merged: op.settle };
  }
  return undefined;
}
