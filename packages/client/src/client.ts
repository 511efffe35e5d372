import {
  ChatStreamDocument,
  ClearVaultDocument,
  DeleteMemoriesDocument,
  DeleteMemoryDocument,
  MeDocument,
  MemoryDocument,
  MemoryEventsDocument,
  SearchDocument,
  StoreMemoriesDocument,
  UpdateMemoryDocument,
  UsageDocument,
  VaultMemoriesDocument,
  VaultsDocument,
  VaultsPageDocument,
} from './generated/graphql.js';
import type {
  ChatInput,
  DeleteMemoriesMutation,
  MemoryFilter,
  ChatStreamSubscription,
  ExtractInput,
  MeQuery,
  ToolCallFieldsFragment,
  MemoryEventsSubscription,
  MemoryFieldsFragment,
  MemoryOrder,
  SearchInput,
  SearchQuery,
  StoreMemoryInput,
  UpdateMemoryInput,
  UsageQuery,
  VaultFieldsFragment,
  VaultMemoriesQuery,
  VaultSelector,
  VaultsPageQuery,
} from './generated/graphql.js';
import { fromFailedResponse } from './errors.js';
import { importJsonl } from './import-jsonl.js';
import type { ImportOptions } from './import-jsonl.js';
import type { ImportReport } from './import-progress.js';
import { subscribe } from './subscribe.js';
import { Transport } from './transport.js';
import type { FetchLike, Operation } from './transport.js';
import { vaultRoute } from './vault-paths.js';

export interface ClientOptions {
  /** The server, e.g. "http://localhost:8787" (a trailing /graphql is accepted too). */
  url: string;
  /** The memory key, mk_… */
  key: string;
  /** Another fetch (tests, proxies); default: the runtime's own. */
  fetch?: FetchLike;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export type Memory = MemoryFieldsFragment;
export type Vault = VaultFieldsFragment;
export type SearchResult = SearchQuery['search'];
export type SearchHit = SearchResult['hits'][number];
export type Usage = UsageQuery['usage'];
export type MemoryKey = MeQuery['me'];
/** One event of a chat stream: a `delta` of text, a `toolCall`, or (with `done`) the `result`. */
export type ChatEvent = ChatStreamSubscription['chat'];
/** A chat's final result: the answer, `finishReason`, `toolCalls`, `usage` and the memory receipt. */
export type ChatResult = NonNullable<ChatEvent['result']>;
/** A tool call the model made; send it back unchanged in the ASSISTANT message's `toolCalls`. */
export type ToolCall = ToolCallFieldsFragment;
export type MemoryEvent = MemoryEventsSubscription['memoryEvents'];
export type MemoryPage = NonNullable<VaultMemoriesQuery['vault']>['memories'];
/** One page of the key's vaults: `edges` (`cursor`, `node`) and `pageInfo`. */
export type VaultPage = VaultsPageQuery['vaultsConnection'];
export type DeletedMemories = DeleteMemoriesMutation['deleteMemories'];

/** Options of a store: `idempotencyKey` makes a retry safe for 24 hours (docs/api.md, "Storing memories"). */
export interface StoreOptions {
  idempotencyKey?: string;
  /**
   * Also extract facts with your model (e.g. `{ model: "openai/gpt-4o-mini" }`)
   * and reconcile them with the vault; the result's `facts` says what changed.
   * `factsVault: { kind: 'CORE' }` keeps the facts where every chat reads
   * them, whichever vault the inputs go to (docs/facts-and-events.md, "Where facts go").
   */
  extract?: ExtractInput;
  /** Your provider's key for `extract`, sent as X-Provider-Key (else one stored with the server). */
  providerKey?: string;
}

/** What fact extraction changed (ids are Memory.id); `usage`: your provider's tokens for this call. */
export interface FactsReceipt {
  extracted: number;
  added: { id: string; content: string }[];
  updated: { id: string; content: string; supersedes: string }[];
  superseded: string[];
  deleted: string[];
  unchanged: number;
  /** Facts the vault refuses as memories (invisible-only text, a lone surrogate), left out. */
  refused: number;
  rejected: number;
  failure: { reason: string; message: string } | null;
  usage: { inputTokens: number; outputTokens: number };
}

/**
 * Whether a keyed store was answered from its idempotency key (nothing stored
 * or billed again), and which of its memories were deleted since (Memory.id:
 * they stay deleted, `memory(id)` is null). Unkeyed stores are never replays.
 */
export interface StoreReplay {
  replayed: boolean;
  deletedSince: string[];
}

/**
 * What a store answered besides its memories: `replay`, and `facts` (null
 * unless the store asked to `extract`). Not enumerable: JSON and spreading
 * see the memories alone.
 */
export interface StoreAnswer {
  readonly replay: StoreReplay;
  readonly facts: FactsReceipt | null;
}

/** A stored memory, with `replay` and `facts` (not enumerable). */
export type StoredMemory = Memory & StoreAnswer;

/** The stored memories, in input order, with `replay` and `facts` (not enumerable: the array is as before). */
export type StoredMemories = Memory[] & StoreAnswer;

/** `extensions.memory` of a response that read memory: what was read, and the cost. */
export interface MemoryReceipt {
  vaults: { vault: string; calls: number; elapsedMs: number }[];
  windows: { window: string; hits: number }[];
  memoryTokens: number;
  /** A store answered from its idempotency key: its memories deleted since. */
  replay?: { deletedSince: string[] };
  /** What fact extraction changed, when the request asked for it (ids are Memory.id). */
  facts?: FactsReceipt;
}

/** A vault export: the JSONL body and what the server said of it. */
export interface VaultExport {
  /** The file name the server suggests, e.g. "session-user-42.jsonl". */
  filename: string;
  /**
   * The memories the file holds (`x-memory-count`). The file's checksum is not
   * a header: an export streams, so it comes in the file's last line (the
   * trailer, see the server's docs/data.md), which importVault checks.
   */
  memoryCount: number;
  /** The JSONL itself: read it with .text(), .blob() or .body. */
  response: Response;
}

/** Creates a client for one server and one memory key. */
export function createClient(options: ClientOptions) {
  const transport = new Transport(options);
  const request = async <TResult, TVariables>(
    operation: Operation<TResult, TVariables>,
    variables: TVariables,
    init?: { signal?: AbortSignal },
  ): Promise<TResult> => (await transport.execute(operation, variables, init)).data;
  const storeMemories = async (
    inputs: StoreMemoryInput[],
    options: StoreOptions,
  ): Promise<StoredMemories> => {
    const { providerKey, ...variables } = options;
    const { data, extensions } = await transport.execute(
      StoreMemoriesDocument,
      { inputs, ...variables },
      providerKey ? { headers: { 'x-provider-key': providerKey } } : {},
    );
    const receipt = extensions.memory as MemoryReceipt | undefined;
    return withAnswer(data.storeMemories, {
      replay: {
        replayed: receipt?.replay !== undefined,
        deletedSince: receipt?.replay?.deletedSince ?? [],
      },
      facts: receipt?.facts ?? null,
    });
  };
  const vaultsPage = async (
    page: { first?: number; after?: string | null } = {},
  ): Promise<VaultPage> => (await request(VaultsPageDocument, page)).vaultsConnection;

  return {
    /** The server's base URL, as given. */
    url: transport.baseUrl,

    /** Any typed operation: data, or a MemoryRouterError. */
    request,

    /** Any typed operation, with the response's `extensions` (e.g. the memory receipt). */
    execute: transport.execute.bind(transport),

    /**
     * Any typed subscription over SSE. New streams (e.g. `memoryEvents`)
     * need only a document in src/operations and a one-line method below.
     */
    subscribe: <TResult, TVariables>(
      operation: Operation<TResult, TVariables>,
      variables: TVariables,
      init?: { headers?: Record<string, string>; signal?: AbortSignal },
    ) => subscribe(transport, operation, variables, init),

    /** The memory key making the requests. */
    async me(): Promise<MemoryKey> {
      return (await request(MeDocument, {})).me;
    },

    /**
     * Stores one memory (CORE vault unless `vault` says otherwise); searchable
     * on return. With `idempotencyKey`, a retry answers the first call's
     * memory, and `replay` says so (and whether it was deleted since).
     */
    async store(input: StoreMemoryInput, options: StoreOptions = {}): Promise<StoredMemory> {
      const stored = await storeMemories([input], options);
      return withAnswer(stored[0]!, stored);
    },

    /**
     * Stores up to 100 memories, all or nothing. With `idempotencyKey` (the
     * same for every retry of this call), a retry answers the first call's
     * memories and stores nothing again; `replay` says so, and which of
     * them were deleted since. With `extract` (and `providerKey`, or a key
     * stored with the server), your model also extracts facts; `facts`
     * lists what they changed (all inputs in one vault).
     */
    storeMany(inputs: StoreMemoryInput[], options: StoreOptions = {}): Promise<StoredMemories> {
      return storeMemories(inputs, options);
    },

    /**
     * KRONOS search, with the receipt of what it read (`extensions.memory`):
     * each window's top hits, listed best first across windows and vaults,
     * each with its `window`.
     */
    async search(
      input: SearchInput,
      init?: { signal?: AbortSignal },
    ): Promise<SearchResult & { receipt: MemoryReceipt | null }> {
      const { data, extensions } = await transport.execute(SearchDocument, { input }, init);
      return { ...data.search, receipt: (extensions.memory as MemoryReceipt | undefined) ?? null };
    },

    /**
     * The key's vaults that hold memories, CORE first, then the others oldest
     * first: at most `first` of them (default 100, at most 1,000). A key may
     * have more: `vaultsPage` and `allVaults` reach every one.
     */
    async vaults(options: { first?: number } = {}): Promise<Vault[]> {
      return (await request(VaultsDocument, options)).vaults;
    },

    /**
     * One page of the key's vaults, in the order of `vaults` (`first`: 1–100,
     * default 20). Pass `page.pageInfo.endCursor` as `after` for the next
     * page; `hasNextPage` says whether one follows. A page may hold fewer
     * than `first` (an expired conversation is left out).
     */
    vaultsPage,

    /**
     * Every vault of the key, however many, read a page at a time
     * (`pageSize`: 1–100, default 100); leaving the loop reads no more pages.
     */
    async *allVaults(options: { pageSize?: number } = {}): AsyncGenerator<Vault, void, undefined> {
      let after: string | null = null;
      for (;;) {
        const page = await vaultsPage({ first: options.pageSize ?? 100, after });
        for (const edge of page.edges) yield edge.node;
        if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) return;
        after = page.pageInfo.endCursor;
      }
    },

    /**
     * One page of a vault's memories, with the vault's own fields; null for a
     * SESSION or EPHEMERAL vault never written. Pass `page.pageInfo.endCursor`
     * as `after` for the next page.
     */
    async memories(
      selector: VaultSelector,
      page: {
        first?: number;
        after?: string | null;
        order?: MemoryOrder;
        /** Only memories of this role, time range or metadata (pass it with every page). */
        filter?: MemoryFilter;
      } = {},
    ): Promise<(Vault & { memories: MemoryPage }) | null> {
      return (await request(VaultMemoriesDocument, { selector, ...page })).vault;
    },

    /** One memory by id; null when there is none. */
    async memory(id: string): Promise<Memory | null> {
      return (await request(MemoryDocument, { id })).memory;
    },

    /** Deletes one memory for good; NOT_FOUND when there is no such memory. */
    async deleteMemory(id: string): Promise<boolean> {
      return (await request(DeleteMemoryDocument, { id })).deleteMemory;
    },

    /**
     * Edits one memory (content, role, metadata; absent fields are kept,
     * `metadata: null` removes it); the id and createdAt stay. New content is
     * searchable on return; NOT_FOUND when there is no such memory.
     */
    async updateMemory(input: UpdateMemoryInput): Promise<Memory> {
      return (await request(UpdateMemoryDocument, { input })).updateMemory;
    },

    /**
     * Deletes up to 100 memories of any of the key's vaults; ids with no such
     * memory are skipped and listed in `notFoundIds`.
     */
    async deleteMemories(ids: string[]): Promise<DeletedMemories> {
      return (await request(DeleteMemoriesDocument, { ids })).deleteMemories;
    },

    /** Deletes every memory of a vault; returns how many were removed. */
    async clearVault(selector: VaultSelector): Promise<number> {
      return (await request(ClearVaultDocument, { selector })).clearVault;
    },

    /** Memory tokens per day and per key (default: the last 30 days). */
    async usage(range: { from?: string | Date; to?: string | Date } = {}): Promise<Usage> {
      const iso = (value?: string | Date) =>
        value instanceof Date ? value.toISOString() : (value ?? null);
      return (await request(UsageDocument, { from: iso(range.from), to: iso(range.to) })).usage;
    },

    /**
     * Chat with memory through your own provider key, streamed: `delta` events
     * of text and a `toolCall` event for each tool call the model makes, then
     * one event with `done: true` and the result (`content`, `finishReason`,
     * `toolCalls`, `usage`, and `memory`: what was injected and whether the
     * turn was stored, `memory.turn`). To answer tool calls, send the result's
     * `toolCalls` back on an ASSISTANT message and each tool's output as a USER
     * message with `toolCallId`. Breaking out of the loop or aborting `signal`
     * stops the model call; with a `signal` aborted already nothing is sent.
     */
    chat(
      input: ChatInput,
      init: { providerKey?: string; signal?: AbortSignal } = {},
    ): AsyncGenerator<ChatEvent, void, undefined> {
      const headers: Record<string, string> = init.providerKey
        ? { 'x-provider-key': init.providerKey }
        : {};
      return mapEvents(
        subscribe(transport, ChatStreamDocument, { input }, { headers, signal: init.signal }),
      );
    },

    /**
     * A vault's live changes (ADDED, EDITED, UPDATED, DELETED, REOPENED, CLEARED,
     * EXPIRED), from every write path. Pass the last `id` seen as `lastEventId`
     * to get what was missed since (a replayed ADDED or EDITED carries the
     * memory's text as it is now, null once deleted); a RESYNC event says the
     * gap was too long to replay.
     * Breaking out of the loop or aborting `signal` stops it.
     */
    memoryEvents(
      vault: VaultSelector,
      init: { lastEventId?: string; signal?: AbortSignal } = {},
    ): AsyncGenerator<MemoryEvent, void, undefined> {
      return unwrap(
        subscribe(
          transport,
          MemoryEventsDocument,
          { vault, lastEventId: init.lastEventId ?? null },
          { signal: init.signal },
        ),
        (event) => event.memoryEvents,
      );
    },

    /** Downloads a vault as JSONL, streamed: the vault as it was when the export began. */
    async exportVault(
      selector: VaultSelector,
      init?: { signal?: AbortSignal },
    ): Promise<VaultExport> {
      const response = await transport.send(transport.baseUrl + vaultRoute(selector, 'export'), {
        headers: transport.headers(),
        ...(init?.signal ? { signal: init.signal } : {}),
      });
      if (!response.ok) throw await fromFailedResponse(response);
      const disposition = response.headers.get('content-disposition') ?? '';
      return {
        filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'vault.jsonl',
        memoryCount: Number(response.headers.get('x-memory-count') ?? 0),
        response,
      };
    },

    /** Imports JSONL into a vault, with progress; see ImportOptions. */
    importVault(
      selector: VaultSelector,
      file: string | Blob,
      options?: ImportOptions,
    ): Promise<ImportReport> {
      return importJsonl(transport, selector, file, options);
    },
  };
}

export type MemoryRouterClient = ReturnType<typeof createClient>;

/** Attaches `replay` without changing what the value looks like to JSON, spreading or equality. */
function withAnswer<T extends object>(value: T, answer: StoreAnswer): T & StoreAnswer {
  return Object.defineProperties(value, {
    replay: { value: answer.replay, enumerable: false },
    facts: { value: answer.facts, enumerable: false },
  }) as T & StoreAnswer;
}

async function* unwrap<T, U>(
  events: AsyncGenerator<T, void, undefined>,
  field: (event: T) => U,
): AsyncGenerator<U, void, undefined> {
  for await (const event of events) yield field(event);
}

async function* mapEvents(
  events: AsyncGenerator<ChatStreamSubscription, void, undefined>,
): AsyncGenerator<ChatEvent, void, undefined> {
  for await (const event of events) yield event.chat;
}
