import { z } from 'zod';
import type { MatchSpan, OutdatedRecord } from '../durable/rpc/vault-types';
import type { RankedHit } from '../resolvers/merge-hits';
import { successorsElsewhere } from '../resolvers/outdated-elsewhere';
import {
  searchMemories,
  type SearchNotice,
  type SearchOutcome,
} from '../resolvers/search-memories';
import {
  MAX_EMBEDDING_DIMENSIONS,
  MAX_HITS_PER_WINDOW,
  MAX_QUERY_LENGTH,
  MAX_SEARCH_VAULTS,
  MAX_SEARCH_WINDOWS,
} from '../core/limits';
import { meterMemoryTokens } from '../resolvers/meter';
import { builder } from './builder';
import { MemoryWindowEnum, SearchModeEnum } from './enums';
import { MemoryRef } from './memory';
import { VaultSelectorInput } from './vault-selector';

/**
 * What a search or chat that gives no `windows` gets: the deployment decides
 * (KRONOS_DEFAULT_HITS, read by core/config.ts), so the schema says so beside
 * the shipped default.
 */
export const DEFAULT_WINDOWS_DESCRIPTION =
  "default: the deployment's KRONOS_DEFAULT_HITS, as shipped, HOT 4, WORKING 4, LONG_TERM 4 (ARCHIVE only when listed)";

export const WindowQueryInput = builder.inputType('WindowQuery', {
  description: 'How many hits to take from one KRONOS window.',
  fields: (t) => ({
    window: t.field({ type: MemoryWindowEnum, required: true, description: 'The window.' }),
    limit: t.int({
      required: true,
      description: `Hits from this window, 0–${MAX_HITS_PER_WINDOW}.`,
      validate: z.number().int().min(0).max(MAX_HITS_PER_WINDOW),
    }),
  }),
});

export const SearchInput = builder.inputType('SearchInput', {
  description: 'A time-windowed search over one or more vaults.',
  fields: (t) => ({
    query: t.string({
      required: true,
      description: `What to look for (1–${MAX_QUERY_LENGTH} characters).`,
      validate: z.string().min(1).max(MAX_QUERY_LENGTH),
    }),
    vaults: t.field({
      type: [VaultSelectorInput],
      required: false,
      description: `Vaults to search, 1–${MAX_SEARCH_VAULTS}; default (left out): CORE only. An empty list is refused (INVALID_VAULTS).`,
      validate: z.array(z.unknown()).max(MAX_SEARCH_VAULTS),
    }),
    windows: t.field({
      type: [WindowQueryInput],
      required: false,
      description: `Windows to search and hits from each; ${DEFAULT_WINDOWS_DESCRIPTION}.`,
      validate: z.array(z.unknown()).max(MAX_SEARCH_WINDOWS),
    }),
    mode: t.field({ type: SearchModeEnum, required: false, description: 'Default: HYBRID.' }),
    metadata: t.field({
      type: 'JSON',
      required: false,
      description:
        'Only memories whose metadata holds all these top-level key/value pairs (scalar values).',
    }),
    now: t.field({
      type: 'DateTime',
      required: false,
      description:
        'Reference time for the windows, for dates the query says relative to today ("yesterday", "last March", "on Friday"), and for what is current: a memory superseded after it is found as it was then; default: server time. From 1970-01-01T00:00:00Z to a day past the server\'s clock (TIME_OUT_OF_RANGE otherwise).',
    }),
    embedding: t.floatList({
      required: false,
      description: 'Bring your own query embedding (for vaults built with your own vectors).',
      validate: z.array(z.number()).max(MAX_EMBEDDING_DIMENSIONS),
    }),
    includeSuperseded: t.boolean({
      required: false,
      description:
        'Also find memories a later fact superseded (Memory.validUntil set); default: only those current at now.',
    }),
    vectorWeight: t.float({
      required: false,
      description:
        "HYBRID only: weight of the vector side in the score fusion, 0–1 (text gets the rest); at 1 HYBRID ranks and scores as VECTOR (the nearest memories, cosine scores). Default: the deployment's HYBRID_VECTOR_WEIGHT.",
      validate: z.number().min(0).max(1),
    }),
  }),
});

export const MatchSpanRef = builder.objectRef<MatchSpan>('MatchSpan');

MatchSpanRef.implement({
  description:
    'Where in a memory the match is, as UTF-16 code unit offsets into its content (JavaScript string indices).',
  fields: (t) => ({
    start: t.exposeInt('start', { description: 'First character of the match.' }),
    end: t.exposeInt('end', { description: 'One past the last character of the match.' }),
  }),
});

export const SearchHitRef = builder.objectRef<RankedHit>('SearchHit');

SearchHitRef.implement({
  description: 'One memory found, its score and the window it came from.',
  fields: (t) => ({
    memory: t.field({
      type: MemoryRef,
      description: 'The memory.',
      resolve: (hit) => ({ address: hit.address, record: hit.memory }),
    }),
    score: t.exposeFloat('score', {
      description:
        'Higher is better, comparable within one search only; the same scale in every vault, so hits of several vaults are ranked together. VECTOR: cosine similarity. TEXT, between 0 and 1: BM25 s with neighbouring memories as context (raised for memories said by a person the query names, or stored on a day or month it names) against F, what a memory of average length holding each query word once scores in its vault: s / (s + F), so 0.5 for such a memory. HYBRID, between 0 and 1: that text score and the vector side by how far a memory stands out from its window, combined with weight vectorWeight on the vector side; below 0.5 the memories the words found keep the order TEXT gives them.',
    }),
    match: t.field({
      type: MatchSpanRef,
      description:
        'The passage that matched: all of the content, or the chunk of a long memory (indexed in chunks of about 300 words) that scored best.',
      resolve: (hit) => hit.match,
    }),
    window: t.field({
      type: MemoryWindowEnum,
      description: 'The window it fell in.',
      resolve: (hit) => hit.window,
    }),
    outdated: t.field({
      type: OutdatedMemoryRef,
      nullable: true,
      description:
        'Set when a later fact made this memory outdated (fact extraction): it is a turn a fact was drawn from, or one that restated a fact while it stood ("You live in Paris…"), and that fact has since been superseded or declared no longer true. Its score is demoted (a quarter). Null for every other memory, and with includeSuperseded.',
      resolve: (hit) =>
        hit.outdated == null ? null : { address: hit.address, outdated: hit.outdated },
    }),
  }),
});

export const OutdatedMemoryRef = builder.objectRef<{
  address: RankedHit['address'];
  outdated: OutdatedRecord;
}>('OutdatedMemory');

OutdatedMemoryRef.implement({
  description: "What made a memory outdated, as of the search's now.",
  fields: (t) => ({
    since: t.field({
      type: 'DateTime',
      description: 'When the first fact it stated stopped being valid.',
      resolve: ({ outdated }) => outdated.since,
    }),
    replacedBy: t.field({
      type: [MemoryRef],
      description:
        "The memories current now that replaced its facts (the latest version of each), in the facts' own vault (a fact kept apart from its turn: factsVault); empty when they were declared no longer true.",
      resolve: async ({ address, outdated }, _args, context) => [
        ...outdated.current.map((record) => ({ address, record })),
        ...(outdated.elsewhere === undefined
          ? []
          : await successorsElsewhere(context, outdated.elsewhere)),
      ],
    }),
  }),
});

export const SearchNoticeRef = builder.objectRef<SearchNotice>('SearchNotice');

SearchNoticeRef.implement({
  description:
    'Why a valid search had nothing to look up, or found nothing for a reason it can name, so that an empty result is not read as "no memory about that".',
  fields: (t) => ({
    reason: t.exposeString('reason', {
      description:
        'Stable: NO_CONTENT_WORDS, the query keeps no word a text search reads (function words such as "the" or "what", verbs that only shape a question such as "say" or "tell", no date) or, for VECTOR, no letter or digit to embed; the same reason chat gives for small talk or a message with nothing to look up (MemoryReceipt.readSkipped). NO_HITS_ASKED, every window of `windows` has limit 0, so nothing was searched. PERIOD_TO_COME, no hit, and every date the query names is still to come ("next week", "tomorrow"): no memory is stored on a day to come, and no memory searched writes one of its days ("December 3rd"). OLDER_MEMORIES_NOT_SEARCHED, nothing matched in the windows searched but ARCHIVE (memories older than the LONG_TERM window, searched only when `windows` lists it) holds memories that match: list ARCHIVE to see them (checked only when the answer is empty; the chat receipt says the same, MemoryReceipt.notice); also, hits or not, when every date the query names lies before the oldest window searched ("dinner in May 2023" with the default windows) and a vault searched holds memories stored on those dates: none of them was searched. VAULT_NOT_FOUND, no vault searched holds anything: never written (nothing stored or imported into it yet: a mistyped session id, say) or cleared since; the message names them: `vault` is null for it and its export is refused with the same reason. Chat never gives it: a new session is a normal one.',
    }),
    message: t.exposeString('message', {
      description:
        'The same for a person: the words that were not searched and what to send instead.',
    }),
  }),
});

export const SearchResultRef = builder.objectRef<SearchOutcome>('SearchResult');

SearchResultRef.implement({
  description:
    'Hits of a search, best first across windows and vaults; each hit says the window it came from.',
  fields: (t) => ({
    hits: t.field({
      type: [SearchHitRef],
      description:
        "The hits, best first by score across windows and vaults. Each window chose its own top hits (its limit), so recent memories cannot crowd out older ones, nor the reverse. Equal scores: the more recent window first, then the window's own order. Grouped by `window` keeping this order, the list gives each window's hits in its own ranking.",
      resolve: (result) => result.hits,
    }),
    memoryTokens: t.exposeInt('memoryTokens', {
      description: 'Tokens of the memory returned, as billed.',
    }),
    notice: t.field({
      type: SearchNoticeRef,
      nullable: true,
      description:
        "Set when no word of the query was searched (TEXT, and the text side of HYBRID; VECTOR when there was nothing to embed): hits can then only come by meaning, or there are none; and when every window's limit is 0 (NO_HITS_ASKED); and when nothing was found but ARCHIVE, not searched, holds memories that match, or every date the query names lies before the oldest window searched while a vault searched holds memories of those dates, hits or not (OLDER_MEMORIES_NOT_SEARCHED). Null when the query had words to look up and a window asked for hits, and hits were found (of the dates it names, if any) or ARCHIVE holds none that match either.",
      resolve: (result) => result.notice,
    }),
  }),
});

builder.queryFields((t) => ({
  search: t.withAuth({ activeMemoryKey: true }).field({
    type: SearchResultRef,
    description:
      'KRONOS search: each window returns its own top hits, across all the vaults asked for, listed together best first.',
    args: {
      input: t.arg({
        type: SearchInput,
        required: true,
        description: 'What to look for, in which vaults and windows, and how.',
      }),
    },
    resolve: async (_root, { input }, context) => {
      const result = await searchMemories(context, input, { billInVault: true });
      if (!result.billedInVault) await meterMemoryTokens(context, result.memoryTokens);
      return result;
    },
  }),
}));
