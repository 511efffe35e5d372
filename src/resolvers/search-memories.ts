import { CALLER_SUPPLIED_MODEL } from '../embed/embedder';
import { normalizeVector } from '../core/vectors';
import { CodedError } from '../core/errors';
import { offsetOf } from '../core/time-offsets';
import { CREATED_AT_FUTURE_SLACK_MS, MAX_HITS_PER_WINDOW, MAX_SEARCH_VAULTS } from '../core/limits';
import type {
  MergedWindow,
  SearchMode,
  SearchRequest,
  VaultReadOp,
  VaultReadOpResult,
  VaultSpelling,
  WindowResult,
} from '../durable/rpc/vault-types';
import { windowsAcrossVaults } from '../durable/queries/spelling-across-vaults';
import type { CorpusStatistics } from '../durable/full-text/corpus-statistics';
import type { WindowQuery } from '../core/window-list';
import { planWindows, type WindowSearch } from '../kronos/plan';
import { conversationKey } from '../text/conversation-texts';
import { datesToCome, lacksSearchableWords, queryWordsAsRead } from '../text/searchable-words';
import { readQueryDates } from '../text/query-dates';
import {
  vaultLabel,
  vaultObjectName,
  type VaultAddress,
  type VaultSelector,
} from '../vaults/address';
import { isSmallTalk, mergeHits, type RankedHit } from './merge-hits';
import { metadataFilter } from './metadata-filter-input';
import { usageMeter } from './meter';
import { vaultRefusal } from './vault-loader';
import { searchStatistics } from './search-statistics';
import { vaultOf } from './principal';
import { checkReferenceTime } from './reference-time';
import type { MeteredContext } from './request-context';

/** A letter or a digit, in any script: something an embedder can work with. */
const HAS_WORD = /[\p{L}\p{N}]/u;

export interface SearchInput {
  query: string;
  vaults?: VaultSelector[] | null;
  windows?: WindowQuery[] | null;
  mode?: SearchMode | null;
  metadata?: unknown;
  now?: Date | null;
  embedding?: number[] | null;
  vectorWeight?: number | null;
  includeSuperseded?: boolean | null;
}

export interface SearchOutcome {
  hits: RankedHit[];
  /** Why the query's words found nothing by text (none of them is searched); null otherwise. */
  notice: SearchNotice | null;
  memoryTokens: number;
  /** Whether the vault already recorded memoryTokens for billing (a one-vault search asked to bill). */
  billedInVault: boolean;
}

/**
 * A search that had nothing to look up: its query keeps no word a text
 * search reads (text/searchable-words.ts) or, for VECTOR, nothing to embed
 * (NO_CONTENT_WORDS); or its windows ask for no hits at all (NO_HITS_ASKED).
 * Not an error (the input is valid and the answer is right), but an empty
 * list alone would read as "no memory about that".
 */
export interface SearchNotice {
  reason:
    | 'NO_CONTENT_WORDS'
    | 'NO_HITS_ASKED'
    | 'PERIOD_TO_COME'
    | 'OLDER_MEMORIES_NOT_SEARCHED'
    | 'VAULT_NOT_FOUND';
  message: string;
}

/**
 * A chat's read of vaults in ARCHIVE too, beside the windows it reads
 * every vault in: those of `kinds` (a chat that names no windows: every
 * vault it reads, chat/memory-turn.ts). The window keeps its own `limit`,
 * one for all those vaults; its unused places are not given to the other
 * windows.
 */
export interface ArchiveAlso {
  kinds: readonly VaultAddress['kind'][];
  limit: number;
}

/**
 * KRONOS search: plan the windows, embed the query once, read every vault in
 * parallel through the request's loader (one call per vault), then merge.
 */
export async function searchMemories(
  context: MeteredContext,
  input: SearchInput,
  options: {
    /** Bill in the vault when one vault is searched (the `search` field; chat bills once the provider accepted). */
    billInVault?: boolean;
    /**
     * Keys (text/conversation-texts.ts) of texts the caller already has:
     * memories with those contents are left out, and each window reads that
     * many more hits so that their places go to the next best (chat: the
     * request's own messages).
     */
    leaveOut?: ReadonlySet<string> | null;
    /**
     * How a chat picks its memories across windows (chat/memory-picks.ts):
     * `deeper` says how deep each window is read, `pick` gets every hit
     * read (best first across windows, those left out gone) and returns the
     * ones to keep. Unset: each window keeps its own limit (the `search` field).
     */
    picks?: WindowPicks | null;
    /** Vaults also read in ARCHIVE when the windows leave it out (a chat's, chat/memory-turn.ts); not with billInVault. */
    alsoArchive?: ArchiveAlso | null;
  } = {},
): Promise<SearchOutcome> {
  if (input.query.trim() === '')
    throw new CodedError('BAD_USER_INPUT', 'query must not be empty', 'EMPTY_QUERY');
  // Left out, CORE; an empty list would search nothing and answer as if
  // nothing matched, so it is refused as an empty `windows` is.
  if (input.vaults?.length === 0)
    throw new CodedError(
      'BAD_USER_INPUT',
      'vaults: names no vault (leave it out to search CORE only)',
      'INVALID_VAULTS',
    );
  const addresses = distinctVaults(
    (input.vaults ?? [null]).map((selector) => vaultOf(context.principal, selector)),
  );
  checkReferenceTime(input.now, 'now');
  const now = input.now?.getTime() ?? Date.now();
  // At server time HOT reaches the skew a stored `createdAt` may have
  // (windows.ts); a replay's own `now` is taken as it is.
  const windows = planWindows(
    input.windows ?? context.config.defaultWindows,
    now,
    context.config.bands,
    input.now == null ? CREATED_AT_FUTURE_SLACK_MS : 0,
  );
  // Every limit 0: nothing to read or embed. A 0 for one window of several
  // is a real choice (that window is left out); for all, the answer is
  // empty by request and says so, rather than reading as no memory found.
  if (windows.every((search) => search.limit === 0))
    return nothingSearched(context, windows, NO_HITS_ASKED);
  const leaveOut = options.leaveOut?.size ? options.leaveOut : null;
  const picks = options.picks ?? null;
  if ((leaveOut !== null || picks !== null) && options.billInVault) {
    // A vault bills the hits it merged itself, which would include those left out here.
    throw new Error('a search that leaves memories out or picks its own cannot bill in the vault');
  }
  const deeper = picks === null ? windows : picks.deeper(windows);
  const reads = leaveOut === null ? deeper : widenedWindows(deeper, leaveOut.size);
  // ARCHIVE for some vaults only: its window is planned and read deeper as
  // the others are, and only those vaults are asked for it.
  const archive = archiveAlso(options.alsoArchive, windows, addresses, now, context.config.bands);
  if (archive !== null && options.billInVault)
    throw new Error('a search that reads some vaults in ARCHIVE only cannot bill in the vault');
  const archiveRead =
    archive === null
      ? null
      : (() => {
          const deep =
            picks === null ? archive.search : picks.deeper([...windows, archive.search]).at(-1)!;
          return leaveOut === null ? deep : widenedWindows([deep], leaveOut.size)[0]!;
        })();
  const allWindows = archive === null ? windows : [...windows, archive.search];
  const allReads = archiveRead === null ? reads : [...reads, archiveRead];
  const readsOf = (address: VaultAddress) =>
    archive !== null && archive.vaults.includes(address) ? allReads : reads;
  const metadata = metadataFilter(input.metadata);
  // A query without a letter or a digit (punctuation, NUL) has nothing to
  // embed: its vector would rank every memory alike, at a score that means
  // nothing, and they would be billed. VECTOR finds nothing; HYBRID keeps only
  // its TEXT half.
  const embeddable = input.embedding != null || HAS_WORD.test(input.query);
  const mode = embeddable ? (input.mode ?? 'HYBRID') : input.mode === 'VECTOR' ? null : 'TEXT';
  if (mode === null) return nothingSearched(context, windows, NOTHING_TO_EMBED);
  // The calendar "yesterday" or "last March" is read in: that of the offset
  // `now` was written in (UTC, the default, is left unsaid).
  const offsetMinutes = input.now == null ? 0 : offsetOf(input.now);
  const calendar = offsetMinutes === 0 ? {} : { nowOffsetMinutes: offsetMinutes };
  const notice =
    mode !== 'VECTOR' && lacksSearchableWords(input.query, now, offsetMinutes)
      ? wordsNotSearched(input.query, mode)
      : null;

  // The reads join the request's batch now, with the request still to be
  // made: the batch waits for the embedding, not for a timer.
  let embedded: Promise<{ vector: Float32Array | null; model: string }>;
  if (mode === 'TEXT') {
    embedded = Promise.resolve({ vector: null, model: context.embedder.model });
  } else if (input.embedding) {
    const normalized = normalizeVector(input.embedding, input.embedding.length);
    if (!normalized.ok) throw CodedError.from(normalized);
    embedded = Promise.resolve({ vector: normalized.vector, model: CALLER_SUPPLIED_MODEL });
  } else {
    embedded = context.timings
      .time('embed', () => context.embedder.embedQueries([input.query]))
      .then(([vector]) => ({ vector: vector!, model: context.embedder.model }));
  }
  // Over several vaults, words are ranked with statistics of all of them
  // (durable/full-text/corpus-statistics.ts): those counted lately in this
  // isolate, the others asked while the query embeds (search-statistics.ts).
  // A search billed in its vaults must not read twice: only a chat's
  // (billed once the provider accepts) may go out on each vault's own counts.
  const statistics =
    addresses.length > 1 && mode !== 'VECTOR'
      ? searchStatistics(
          context.vaults,
          addresses,
          { text: input.query, now, ...calendar },
          undefined,
          { ownCounts: options.billInVault !== true },
        )
      : undefined;
  const request: Promise<SearchRequest> = embedded.then(async ({ vector, model }) => ({
    text: input.query,
    // What "yesterday" or "last March" in the query means (query-dates.ts),
    // in the calendar of the offset `now` was written in.
    now,
    ...calendar,
    vector,
    model,
    mode,
    windows: reads,
    metadata,
    vectorWeight: input.vectorWeight ?? context.config.hybridVectorWeight,
    ...(input.includeSuperseded === true ? { includeSuperseded: true } : {}),
    // Each vault says how it read the query's spelling, so that a word one
    // holds is not forgiven as a typo in another (spelling-across-vaults.ts).
    ...(addresses.length > 1 ? { acrossVaults: true as const } : {}),
    ...(statistics === undefined ? {} : await statistics.fields),
    // As of the caller's `now`, what was superseded after it was still current.
    ...(input.now == null ? {} : { asOf: now }),
  }));
  // The hits are billed in a vault, in the call that finds them: one vault
  // bills its own; over several, the one named first in object-name order
  // (so that two searches of a request never wait on each other) leads the
  // search: it asks the other vaults itself, and bills the merged hits
  // before it answers with every vault's windows (durable/vault/vault-fan-out.ts).
  const meter = options.billInVault ? usageMeter(context) : undefined;
  const leader = meter && addresses.length > 1 ? billingVault(addresses) : undefined;
  const readVault = async (
    address: VaultAddress,
    billing: Partial<SearchOp> = {},
    made: Promise<SearchRequest> = request,
  ) =>
    context.vaults.read<'search'>(
      address,
      made.then((search): SearchOp => ({ type: 'search', request: search, ...billing })),
      address === leader ? addresses : undefined,
    );
  const hitsOf = (address: VaultAddress, result: SearchResult): VaultHits => {
    if (result.textOnly) context.receipt.recordTextOnly(vaultLabel(address), result.textOnly);
    statistics?.keep(address, result.statistics);
    return {
      address,
      windows: result.windows,
      spelling: result.spelling,
      statistics: result.statistics,
      neverWritten: result.neverWritten === true,
    };
  };
  let perVault: VaultHits[];
  let billedInVault = meter !== undefined;
  /** A led search's merged order, as its leader handed it on (unset by a leader of the previous release). */
  let handedOn: MergedWindow[] | undefined;
  if (leader === undefined) {
    const readAll = (made: Promise<SearchRequest>) =>
      Promise.all(
        addresses.map(async (address) =>
          hitsOf(
            address,
            await readVault(
              address,
              meter ? { meter } : {},
              archive === null
                ? made
                : made.then((search) => ({ ...search, windows: readsOf(address) })),
            ),
          ),
        ),
      );
    perVault = await readAll(request);
    // Sent on each vault's own counts (search-statistics.ts): searched again
    // with their sum when more than one vault turned out to hold memories.
    const shared = statistics?.again?.(perVault.map((vault) => vault.statistics));
    if (shared) {
      perVault = await readAll(
        request.then(async (made) => ({
          ...made,
          ownCorpus: undefined,
          reportStatistics: undefined,
          ...(await shared),
        })),
      );
    }
  } else {
    const led = await readVault(leader, { fanOut: { vaults: addresses, meter: meter! } });
    const others = addresses.filter((address) => address !== leader);
    // A vault still on the previous release ignores `fanOut`: it answers its
    // own windows only and bills nothing, so this request reads the others
    // and bills through its shard.
    const fanned = led.fanned;
    const theirs =
      fanned === undefined
        ? await Promise.all(
            others.map(async (address) => hitsOf(address, await readVault(address))),
          )
        : others.map((address, at) => hitsOf(address, fannedResult(address, fanned[at])));
    perVault = addresses.map((address) =>
      address === leader ? hitsOf(leader, led) : theirs[others.indexOf(address)]!,
    );
    // The leader leaves the bill to the caller (`settled` unset) when it was
    // never written (no usage read would flush it).
    billedInVault = led.settled === true;
    if (fanned !== undefined) handedOn = led.merged;
  }
  // A led search comes settled: its vault chose before billing, and dropped
  // the reports; merged too, so its order is read as handed on (mergeHits).
  const spelt = windowsAcrossVaults(perVault);
  const merged = mergeHits(
    allReads,
    perVault.map((vault, at) => ({ address: vault.address, windows: spelt[at]! })),
    handedOn,
  );
  const found = leaveOut === null ? merged : withoutLeftOut(merged, leaveOut);
  const hits =
    picks !== null
      ? picks.pick(found, allWindows)
      : reads === windows
        ? found
        : withinLimits(found, windows);
  const memoryTokens = billedTokens(hits);
  // The receipt says what was billed: a search asked to bill is (here or by
  // its caller at once); chat bills only the memories it injects, and only
  // once the provider accepts the call, so it records them itself then.
  // A chat (picks) counts the memories it injects, after its token budget,
  // itself (chat/memory-turn.ts): its windows are listed here with none yet.
  context.receipt.recordSearch(
    allWindows.map(({ window }) => ({
      window,
      hits: picks !== null ? 0 : hits.filter((hit) => hit.window === window).length,
    })),
    options.billInVault ? memoryTokens : 0,
  );
  // Every vault searched was never written (a mistyped session id): said,
  // so that the empty list is not read as "no memory about that" (outside
  // review 273 F4). The vaults say it in their answers, so this costs no
  // call, and the probes below (ARCHIVE, dates) are skipped: nothing is
  // there. Not for a chat (picks): a new session is a normal one.
  const unwritten =
    notice === null && picks === null && perVault.every((vault) => vault.neverWritten)
      ? vaultsNotFound(addresses)
      : null;
  // No hit, and every date the query names is still to come: say so.
  const toCome =
    notice === null && unwritten === null && hits.length === 0 && mode !== 'VECTOR'
      ? periodToCome(datesToCome(input.query, now, offsetMinutes))
      : null;
  // Nothing found in the windows read: whether ARCHIVE, left out, holds
  // memories that match, so that "too old to be searched" is not read as
  // "no memory" (outside review 213 #1). Asked only of an empty answer, so
  // a search that finds something costs nothing more.
  const askedArchive = windows.some((search) => search.window === 'ARCHIVE' && search.limit > 0);
  const unread =
    askedArchive || unwritten !== null
      ? []
      : addresses.filter((address) => !(archive?.vaults.includes(address) ?? false));
  // Every date the query names lies before the windows read ("dinner in
  // May 2023" with the default windows): whatever was found, it is not of
  // those dates, so this is said with hits too (outside review 253 F3),
  // when a vault searched holds a memory of those dates (one index seek
  // per date and vault, in one call per vault): "list ARCHIVE" is advice
  // only where listing it would find something of them.
  const named =
    notice === null && toCome === null && unread.length > 0
      ? queryDatesBeforeWindows(input.query, windows, now, offsetMinutes)
      : null;
  const beforeWindows =
    named !== null && (await heldInPeriods(context, unread, named.dates, request))
      ? named.oldest
      : null;
  const older =
    hits.length === 0 &&
    notice === null &&
    toCome === null &&
    beforeWindows === null &&
    unread.length > 0
      ? await archiveHolds(context, unread, request, now, leaveOut)
      : false;
  return {
    hits,
    memoryTokens,
    billedInVault,
    notice:
      notice ??
      unwritten ??
      toCome ??
      (beforeWindows !== null ? datesNotSearched(beforeWindows) : older ? OLDER_MEMORIES : null),
  };
}

/**
 * The oldest window read when every date `query` names (query-dates.ts, in
 * the calendar of `offsetMinutes`) ends before it, so that no memory of
 * those dates was searched, with those dates ([start, end) ms each); null
 * when the query names no date, one of them reaches a window read, or
 * ARCHIVE (no lower bound) is read. Windows of limit 0 are not read.
 */
function queryDatesBeforeWindows(
  query: string,
  windows: readonly WindowSearch[],
  now: number,
  offsetMinutes: number,
): { oldest: WindowSearch; dates: { start: number; end: number }[] } | null {
  const read = windows.filter((search) => search.limit > 0);
  if (read.length === 0) return null;
  let oldest = read[0]!;
  for (const search of read) {
    if (search.after === null) return null;
    if (search.after < oldest.after!) oldest = search;
  }
  const after = oldest.after!;
  const { dates: named } = readQueryDates(query, now, offsetMinutes);
  // A year-less date is read as both the latest and the coming one ("in
  // May" asked in November: this May and next). The coming one holds no
  // memory a search can find: a stored createdAt is at most
  // CREATED_AT_FUTURE_SLACK_MS ahead of the server's clock
  // (vaults/memory-rules.ts checkCreatedAt), which HOT reaches at server
  // time, and a replay's windows end at its own now. So periods that begin
  // after the newest time searched are left out of the check (outside
  // review 273 F1); when none is left (every date is to come), all count.
  const newest = Math.max(now, ...windows.map((search) => search.until));
  const past = named.filter((date) => date.start <= newest);
  const dates = past.length > 0 ? past : named;
  // A window holds times after its bound; a period [start, end) ends at end − 1.
  return dates.length > 0 && dates.every((date) => date.end - 1 <= after)
    ? { oldest, dates: dates.map(({ start, end }) => ({ start, end })) }
    : null;
}

/**
 * Whether one of `vaults` holds a memory stored within one of `periods`
 * that the search could list (its metadata filter, current as of `asOf`
 * unless it includes superseded versions): read op `heldIn`, one call per
 * vault, in parallel. A vault that cannot answer (one of the previous
 * release knows no such op) counts as holding one: the notice is then
 * said as before.
 */
async function heldInPeriods(
  context: MeteredContext,
  vaults: readonly VaultAddress[],
  periods: { start: number; end: number }[],
  request: Promise<SearchRequest>,
): Promise<boolean> {
  const op = request.then((search): VaultReadOp & { type: 'heldIn' } => ({
    type: 'heldIn',
    periods,
    metadata: search.metadata,
    includeSuperseded: search.includeSuperseded === true,
    asOf: search.asOf ?? null,
  }));
  const held = await Promise.all(
    vaults.map((address) =>
      context.vaults.read<'heldIn'>(address, op).then(
        (result) => (result as { held?: unknown } | undefined)?.held !== false,
        () => true,
      ),
    ),
  );
  return held.some(Boolean);
}

/**
 * The notice for a search none of whose vaults was ever written: what the
 * `vault` field answers null for and an export refuses (VAULT_NOT_FOUND).
 */
function vaultsNotFound(addresses: readonly VaultAddress[]): SearchNotice {
  const names = addresses.map((address) => vaultLabel(address)).join(', ');
  return {
    reason: 'VAULT_NOT_FOUND',
    message: `${addresses.length === 1 ? 'the vault searched holds' : 'the vaults searched hold'} nothing (${names}): never written, or cleared since, so nothing was found. Check the vault's kind and id (vaults lists the vaults of this key)`,
  };
}

/** The notice for a query whose dates all lie before `oldest`, the oldest window read. */
function datesNotSearched(oldest: WindowSearch): SearchNotice {
  return {
    reason: 'OLDER_MEMORIES_NOT_SEARCHED',
    message: `every date the query names lies before the windows searched (the oldest, ${oldest.window}, reaches back to ${new Date(oldest.after!).toISOString()}), so no memory of those dates was searched; hits, if any, are of other times. List the window that holds them: memories older than the LONG_TERM window are in ARCHIVE, searched only when listed (windows: [{ window: ARCHIVE, limit: 4 }, …]; drop-in: X-Memory-Windows: HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4)`,
  };
}

/** The ARCHIVE window of the vaults a chat also reads in it, or null: none, or ARCHIVE is read anyway. */
function archiveAlso(
  also: ArchiveAlso | null | undefined,
  windows: readonly WindowSearch[],
  addresses: readonly VaultAddress[],
  now: number,
  bands: MeteredContext['config']['bands'],
): { search: WindowSearch; vaults: VaultAddress[] } | null {
  if (!also || also.limit <= 0 || windows.some((search) => search.window === 'ARCHIVE'))
    return null;
  const vaults = addresses.filter((address) => also.kinds.includes(address.kind));
  if (vaults.length === 0) return null;
  const [search] = planWindows([{ window: 'ARCHIVE', limit: also.limit }], now, bands);
  return { search: search!, vaults };
}

/**
 * Whether ARCHIVE holds a memory the search's request finds in `vaults`
 * (one hit each is enough; small talk and memories left out do not count).
 * Neither billed nor listed in the receipt: nothing of it is returned.
 */
async function archiveHolds(
  context: MeteredContext,
  vaults: readonly VaultAddress[],
  request: Promise<SearchRequest>,
  now: number,
  leaveOut: ReadonlySet<string> | null,
): Promise<boolean> {
  const [probe] = planWindows(
    [{ window: 'ARCHIVE', limit: Math.min(MAX_HITS_PER_WINDOW, 1 + (leaveOut?.size ?? 0)) }],
    now,
    context.config.bands,
  );
  const results = await Promise.all(
    vaults.map((address) =>
      context.vaults.read<'search'>(
        address,
        request.then((search): SearchOp => ({
          type: 'search',
          request: { ...search, windows: [probe!] },
        })),
      ),
    ),
  );
  const merged = mergeHits(
    [probe!],
    results.map((result, at) => ({ address: vaults[at]!, windows: result.windows })),
  );
  const found = leaveOut === null ? merged : withoutLeftOut(merged, leaveOut);
  return found.some((hit) => !isSmallTalk(hit));
}

const OLDER_MEMORIES: SearchNotice = {
  reason: 'OLDER_MEMORIES_NOT_SEARCHED',
  message:
    'no memory matched in the windows searched, but memories older than the LONG_TERM window (ARCHIVE) do: ARCHIVE is searched only when listed; list it to search them (windows: [{ window: ARCHIVE, limit: 4 }, …]; drop-in: X-Memory-Windows: HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4)',
};

/** The outcome of a search that reads nothing: its windows listed with no hits, and why. */
function nothingSearched(
  context: MeteredContext,
  windows: readonly WindowSearch[],
  notice: SearchNotice,
): SearchOutcome {
  context.receipt.recordSearch(
    windows.map(({ window }) => ({ window, hits: 0 })),
    0,
  );
  return { hits: [], memoryTokens: 0, billedInVault: false, notice };
}

const NO_HITS_ASKED: SearchNotice = {
  reason: 'NO_HITS_ASKED',
  message:
    "nothing was searched: every window's limit is 0, which asks for no hits (give at least one window a limit above 0, or leave `windows` out for the defaults)",
};

const NOTHING_TO_EMBED: SearchNotice = {
  reason: 'NO_CONTENT_WORDS',
  message:
    'nothing was searched: the query holds no letter or digit (name what to look for: a person, a thing, a place or a date)',
};

/**
 * The notice for a search that found nothing for dates still to come
 * ("next week"): nothing is stored on a day to come, so only a memory whose
 * text writes one of its days ("December 3rd", "Dec 12") is found; null
 * when the query names no such dates.
 */
function periodToCome(said: readonly string[]): SearchNotice | null {
  if (said.length === 0) return null;
  const dates = [...new Set(said.map((date) => JSON.stringify(date.toLowerCase())))].join(', ');
  return {
    reason: 'PERIOD_TO_COME',
    message: `nothing was found: ${dates} ${said.length === 1 ? 'is' : 'are'} still to come, so no memory is stored then, and none of the memories searched writes one of its days (as "December 3rd" or "Dec 12"); a plan is found when its text names the day`,
  };
}

/** The notice for a query whose words are all function words or question verbs. */
function wordsNotSearched(query: string, mode: SearchMode): SearchNotice {
  const why = whyWordsNotSearched(query);
  if (why === null) return NOTHING_TO_EMBED;
  return {
    reason: 'NO_CONTENT_WORDS',
    message: `no word of the query was searched by text: ${why}; name what to look for (a person, a thing, a place or a date)${mode === 'HYBRID' ? '. Hits, if any, are by meaning alone' : ''}`,
  };
}

/**
 * Why none of the query's words is searched by text, word by word ("\"when\",
 * \"was\" are function words …"); null when it holds no word at all. Chat
 * says the same when a message gives it nothing to read memory with
 * (chat/memory-turn.ts).
 */
export function whyWordsNotSearched(query: string): string | null {
  const said = queryWordsAsRead(query);
  if (said.length === 0) return null;
  // A letter alone ("x", "plan b") is no function word: said as what it is.
  const letters = said.filter((word) => /^\p{L}$/u.test(word) && word !== 'a' && word !== 'i');
  const others = said.filter((word) => !letters.includes(word));
  const listed = (words: string[]) =>
    `${words
      .slice(0, 8)
      .map((word) => JSON.stringify(word))
      .join(', ')}${words.length > 8 ? ', …' : ''}`;
  const why: string[] = [];
  if (others.length > 0)
    why.push(
      `${listed(others)} ${others.length === 1 ? 'is a function word or a verb that only shapes a question' : 'are function words or verbs that only shape a question'}, held by nearly every memory`,
    );
  if (letters.length > 0)
    why.push(
      `${listed(letters)} ${letters.length === 1 ? 'is a single letter, which' : 'are single letters, which'} text search leaves out`,
    );
  return why.join('; ');
}

/**
 * Each window reads as many more hits as there are texts to leave out (up to
 * the most a window returns): within a window one content is one hit
 * (merge-windows.ts), so at most that many of them are left-out ones, and
 * the window still fills its own limit when enough other memories exist.
 */
function widenedWindows(windows: readonly WindowSearch[], leftOut: number): WindowSearch[] {
  return windows.map((search) =>
    search.limit === 0
      ? search
      : { ...search, limit: Math.min(MAX_HITS_PER_WINDOW, search.limit + leftOut) },
  );
}

/** How a search picks its hits across windows (a chat's: chat/memory-picks.ts). */
export interface WindowPicks {
  deeper(windows: readonly WindowSearch[]): WindowSearch[];
  pick(hits: readonly RankedHit[], windows: readonly WindowSearch[]): RankedHit[];
}

/** The merged hits without those left out. */
function withoutLeftOut(merged: readonly RankedHit[], leaveOut: ReadonlySet<string>): RankedHit[] {
  return merged.filter((hit) => !leaveOut.has(conversationKey(hit.memory.content)));
}

/** Hits read deeper than asked, each window cut back to its own limit; the list's order is kept. */
function withinLimits(hits: readonly RankedHit[], windows: readonly WindowSearch[]): RankedHit[] {
  const kept: RankedHit[] = [];
  const limits = new Map(windows.map(({ window, limit }) => [window, limit]));
  const taken = new Map<RankedHit['window'], number>();
  for (const hit of hits) {
    const count = taken.get(hit.window) ?? 0;
    if (count >= (limits.get(hit.window) ?? 0)) continue;
    taken.set(hit.window, count + 1);
    kept.push(hit);
  }
  return kept;
}

type SearchOp = Extract<VaultReadOp, { type: 'search' }>;
type SearchResult = Extract<VaultReadOpResult, { type: 'search'; ok: true }>;

/** Another vault's search, from the answer of the vault that led it; throws its failure. */
function fannedResult(address: VaultAddress, result: VaultReadOpResult | undefined): SearchResult {
  if (result === undefined)
    throw new CodedError('UPSTREAM_ERROR', 'a vault did not answer', 'VAULT_UNAVAILABLE');
  if (!result.ok) throw vaultRefusal(address, result);
  if (result.type !== 'search')
    throw new CodedError('UPSTREAM_ERROR', 'a vault answered no search', 'VAULT_UNAVAILABLE');
  return result;
}

interface VaultHits {
  address: VaultAddress;
  windows: WindowResult[];
  spelling?: VaultSpelling;
  /** The vault's own counts of the query's words, when it answered them (`reportStatistics`). */
  statistics?: CorpusStatistics;
  /** The vault said it was never written (SearchResult.neverWritten). */
  neverWritten: boolean;
}

function billedTokens(hits: readonly RankedHit[]): number {
  return hits.reduce((sum, hit) => sum + hit.memory.tokens, 0);
}

/** The vault that bills a multi-vault search: the first by object name, the same for any order. */
function billingVault(addresses: readonly VaultAddress[]): VaultAddress {
  return addresses.reduce((first, address) =>
    vaultObjectName(address) < vaultObjectName(first) ? address : first,
  );
}

function distinctVaults(addresses: VaultAddress[]): VaultAddress[] {
  if (addresses.length > MAX_SEARCH_VAULTS) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `at most ${MAX_SEARCH_VAULTS} vaults per search`,
      'TOO_MANY_VAULTS',
    );
  }
  const byName = new Map(addresses.map((address) => [vaultObjectName(address), address]));
  return [...byName.values()];
}
