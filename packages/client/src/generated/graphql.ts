/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** A chat call through MemoryRouter with your own provider key (X-Provider-Key). */
export type ChatInput = {
  /** Most memory tokens to inject, 0–100000: the memories' own tokens (Memory.tokens), as billed; default MEMORY_TOKEN_BUDGET, never more than a quarter of the model's context. The drop-in routes' X-Memory-Context-Limit. */
  contextLimit?: number | null | undefined;
  /** Also read this conversation's EPHEMERAL vault; the turn is stored there. Sent empty it is refused (INVALID_VAULT_ID). */
  conversationId?: string | null | undefined;
  /** With a mode that stores (READ_WRITE, WRITE): the same model also extracts short facts from the turn and reconciles them with the vault (ADD, UPDATE supersedes, DELETE, NONE) before the answer completes; the receipt (memory.facts) lists them. Extraction calls are billed by your provider. Default: false. */
  extract?: boolean | null | undefined;
  /** With extract: where the facts go and are reconciled. { kind: CORE } keeps facts about the user where every chat reads them, whatever its sessionId (a fact said in one session supersedes one said in another). Left out: the turn's vault (the sessionId's, conversationId's, or CORE), where only chats with that id read them. The drop-in routes' X-Memory-Facts-Vault: core. */
  factsVault?: VaultSelector | null | undefined;
  /** Most tokens of answer. */
  maxTokens?: number | null | undefined;
  /** Default: READ_WRITE. */
  memoryMode?: MemoryMode | null | undefined;
  /** Where the memory block goes: SYSTEM or USER, the first user message, for models whose template refuses a system role (OpenAI, OpenRouter, compatible and Gemini models; refused for Anthropic: MEMORY_PLACEMENT, before any call). Left out: SYSTEM, except for Gemma models on the Gemini API (google/gemma-…), which refuse any system instruction: USER, the messages' SYSTEM text leading the first user message too. The drop-in routes' X-Memory-Placement. */
  memoryPlacement?: MemoryPlacement | null | undefined;
  /** The conversation, oldest first (at most 200); the last USER message is the memory query. */
  messages: Array<ChatMessageInput>;
  /** provider/model, e.g. openai/gpt-4o, anthropic/claude-sonnet-4, google/gemini-2.5-flash, openrouter/meta-llama/llama-3.3-70b, compatible/llama3.2; bare gpt-…, claude-… and gemini-… names are inferred */
  model: string;
  /** Reference time of the memory search, as SearchInput.now: its windows, and dates the user's words say relative to today ("yesterday", "last Friday", "in May") read in the calendar of the offset it is written in (2026-11-26T20:00:00-08:00: the user's day in UTC−8); default: server time, in UTC's calendar. The same range as SearchInput.now (TIME_OUT_OF_RANGE outside it), refused whether or not the call reads memory. The turn is stored at server time. The drop-in routes' X-Memory-Now. */
  now?: string | null | undefined;
  /** Structured output: { type: "json_object" } or { type: "json_schema", schema, name?, strict? } (OpenAI and Gemini models; Anthropic models refuse it). */
  responseFormat?: unknown;
  /** Also read (and write) this session's vault. Sent empty it is refused (INVALID_VAULT_ID): leave it out for the CORE vault alone. */
  sessionId?: string | null | undefined;
  /** Stop sequences (at most 4). */
  stop?: Array<string> | null | undefined;
  /** Store the turn even when the vault holds the same words from the last 24 hours (and, with extract, extract from it): for an app whose user says the same thing on purpose (a diary, "took my evening pill"). Identical turns racing then may all be stored. The drop-in routes' X-Memory-Store-Repeats. Default: false, a repeat is DUPLICATE. */
  storeRepeats?: boolean | null | undefined;
  /** Sampling temperature, 0–2. */
  temperature?: number | null | undefined;
  /** "auto" (default), "none", "required", or { name } to force one tool. */
  toolChoice?: unknown;
  /** Tools the model may call: a list of { name, description?, parameters? (JSON Schema) }, or OpenAI's { type: "function", function: { … } } form. Calls come back in ChatResult.toolCalls and ChatEvent.toolCall; send their results as USER messages with toolCallId. */
  tools?: unknown;
  /** Nucleus sampling, 0–1. */
  topP?: number | null | undefined;
  /** KRONOS windows and hits to inject; default: the deployment's KRONOS_DEFAULT_HITS, as shipped, HOT 4, WORKING 4, LONG_TERM 4 (ARCHIVE only when listed); left out, CORE (the vault of lasting facts) is also read in ARCHIVE, with as many hits as the default gives LONG_TERM. Listed, exactly the windows listed are read in every vault. */
  windows?: Array<WindowQuery> | null | undefined;
};

/** One message of the conversation so far. */
export type ChatMessageInput = {
  /** What was said; a tool result message holds the result; may be empty beside toolCalls. */
  content: string;
  /** Who said it. */
  role: Role;
  /** On a USER message: this message is the result of that tool call (ToolCall.id). */
  toolCallId?: string | null | undefined;
  /** On an ASSISTANT message: the tool calls the model made in that turn. */
  toolCalls?: Array<ToolCallInput> | null | undefined;
};

/** Fact extraction with your own model: short facts are extracted from what is stored and reconciled with the nearest memories of the vault they go to (factsVault; by default the same vault). The provider key travels in X-Provider-Key (or is stored with setProviderKey); extraction calls are billed by your provider. */
export type ExtractInput = {
  /** Where the facts go and are reconciled: { kind: CORE } keeps them where every chat reads them, whichever session said them. Left out: the inputs' own vault, with the turn. Each fact names the turn it was drawn from in metadata sourceTurns when they are apart. */
  factsVault?: VaultSelector | null | undefined;
  /** provider/model that extracts, e.g. openai/gpt-4o-mini (any chat model). */
  model: string;
};

/** What happened in a vault. */
export type MemoryEventType =
  /** A memory was stored (content included). */
  | 'ADDED'
  /** The vault was cleared: every memory is gone. */
  | 'CLEARED'
  /** A memory was deleted, or a later fact declared it no longer true (its row is then kept). */
  | 'DELETED'
  /** A memory was edited by updateMemory: same id and createdAt, new content, role or metadata (its content included). */
  | 'EDITED'
  /** The EPHEMERAL vault expired and was deleted. */
  | 'EXPIRED'
  /** A superseded memory is current again: the memory that replaced it was deleted (validUntil and supersededBy cleared). */
  | 'REOPENED'
  /** Events were missed beyond the replay window (last 1,000 events or 24 hours), or the vault was restored from a snapshot: read the vault again, then keep the id of this event. */
  | 'RESYNC'
  /** A memory was superseded by a later fact, or linked to the next version when the version that replaced it was deleted (supersededBy names the new memory). */
  | 'UPDATED';

/** Which memories a listing keeps: every condition given must hold (AND); none given lists all. */
export type MemoryFilter = {
  /** Only memories with createdAt strictly after this time. */
  createdAfter?: string | null | undefined;
  /** Only memories with createdAt strictly before this time. */
  createdBefore?: string | null | undefined;
  /** Only memories whose metadata holds all these top-level key/value pairs (scalar values): the same rule as SearchInput.metadata (a JSON true matches true, not 1; "1" does not match 1). */
  metadata?: unknown;
  /** Only memories of this role. */
  role?: Role | null | undefined;
};

/** What a chat call does with memory. */
export type MemoryMode =
  /** Neither: a plain call to the model. */
  | 'OFF'
  /** Inject memory; store nothing. */
  | 'READ'
  /** Inject memory and store the new turn (the default). */
  | 'READ_WRITE'
  /** Inject nothing; store the new turn. */
  | 'WRITE';

/** Order of a vault listing. */
export type MemoryOrder =
  /** Most recent createdAt first (the default). */
  | 'NEWEST_FIRST'
  /** Oldest createdAt first. */
  | 'OLDEST_FIRST';

/** Where a chat call's memory block goes; the drop-in routes' X-Memory-Placement (system, user). */
export type MemoryPlacement =
  /** The provider's system slot (the default, but for Gemma models on the Gemini API). */
  | 'SYSTEM'
  /** Before the words of the first user message, no system message added: for chat templates that refuse a system role (Gemma on vLLM or OpenRouter; the default for Gemma on the Gemini API, which refuses any system instruction). OpenAI, OpenRouter, compatible and Gemini models; Anthropic models refuse it (BAD_USER_INPUT, MEMORY_PLACEMENT). */
  | 'USER';

/** KRONOS time windows: disjoint bands measured back from the reference time `now`. */
export type MemoryWindow =
  /** Older than LONG_TERM; searched only when asked for. */
  | 'ARCHIVE'
  /** (now − 4 h, now] by default. */
  | 'HOT'
  /** (now − 90 d, now − 3 d] by default. */
  | 'LONG_TERM'
  /** (now − 3 d, now − 4 h] by default. */
  | 'WORKING';

/** Who said it. */
export type Role =
  /** The model. */
  | 'ASSISTANT'
  /** The application or operator. */
  | 'SYSTEM'
  /** The end user (the default for stored memories). */
  | 'USER';

/** A time-windowed search over one or more vaults. */
export type SearchInput = {
  /** Bring your own query embedding (for vaults built with your own vectors). */
  embedding?: Array<number> | null | undefined;
  /** Also find memories a later fact superseded (Memory.validUntil set); default: only those current at now. */
  includeSuperseded?: boolean | null | undefined;
  /** Only memories whose metadata holds all these top-level key/value pairs (scalar values). */
  metadata?: unknown;
  /** Default: HYBRID. */
  mode?: SearchMode | null | undefined;
  /** Reference time for the windows, for dates the query says relative to today ("yesterday", "last March", "on Friday"), and for what is current: a memory superseded after it is found as it was then; default: server time. From 1970-01-01T00:00:00Z to a day past the server's clock (TIME_OUT_OF_RANGE otherwise). */
  now?: string | null | undefined;
  /** What to look for (1–4000 characters). */
  query: string;
  /** Vaults to search, 1–10; default (left out): CORE only. An empty list is refused (INVALID_VAULTS). */
  vaults?: Array<VaultSelector> | null | undefined;
  /** HYBRID only: weight of the vector side in the score fusion, 0–1 (text gets the rest); at 1 HYBRID ranks and scores as VECTOR (the nearest memories, cosine scores). Default: the deployment's HYBRID_VECTOR_WEIGHT. */
  vectorWeight?: number | null | undefined;
  /** Windows to search and hits from each; default: the deployment's KRONOS_DEFAULT_HITS, as shipped, HOT 4, WORKING 4, LONG_TERM 4 (ARCHIVE only when listed). */
  windows?: Array<WindowQuery> | null | undefined;
};

/** How memories are matched against the query. */
export type SearchMode =
  /** TEXT and VECTOR scores added, the vector side weighted by vectorWeight (HYBRID_VECTOR_WEIGHT) and counted only where a memory stands out from its window; memories with the words keep TEXT's order below weight 0.5 (the default). */
  | 'HYBRID'
  /** Full-text match ranked by BM25. */
  | 'TEXT'
  /** Cosine similarity of embeddings. */
  | 'VECTOR';

/** One memory to store. */
export type StoreMemoryInput = {
  /** The text to remember (at most MAX_CONTENT_BYTES, 32 KiB by default). */
  content: string;
  /** Backfill history; default: now. */
  createdAt?: string | null | undefined;
  /** Bring your own embedding; must match the vault's dimensions. */
  embedding?: Array<number> | null | undefined;
  /** A JSON object kept with the memory (at most 16 KiB). */
  metadata?: unknown;
  /** Default: USER. */
  role?: Role | null | undefined;
  /** Default: the CORE vault. */
  vault?: VaultSelector | null | undefined;
};

/** A tool call the model made, sent back in the conversation on its ASSISTANT message. */
export type ToolCallInput = {
  /** Its arguments, as ToolCall.arguments gave them (an object, or JSON text). */
  arguments: unknown;
  /** The id the model gave the call (ToolCall.id). */
  id: string;
  /** The tool it called. */
  name: string;
  /** The signature the call came with (ToolCall.signature), sent back unchanged; Gemini 3 models refuse a tool call without it. */
  signature?: string | null | undefined;
};

/** An edit of one memory: the fields given replace the stored ones, the others are kept. The id and createdAt never change. */
export type UpdateMemoryInput = {
  /** The new text (the same limits as StoreMemoryInput.content). It is embedded and indexed again, so searches find the new text at once and no longer the old. */
  content?: string | null | undefined;
  /** With content, in a vault of your own vectors: the new content's embedding (that vault refuses new content without one, EMBEDDING_MISMATCH). */
  embedding?: Array<number> | null | undefined;
  /** The Memory.id to edit. */
  id: string | number;
  /** The new metadata, a JSON object (at most 16 KiB) that replaces the old one whole; null removes it. */
  metadata?: unknown;
  /** The new role. */
  role?: Role | null | undefined;
};

/** The three kinds of vault a memory key owns. */
export type VaultKind =
  /** Base knowledge of the key; always searched by chat. */
  | 'CORE'
  /** One conversation, named by a conversation id; deleted for good a while after its last write. */
  | 'EPHEMERAL'
  /** One user's or conversation thread's context, named by a session id. */
  | 'SESSION';

/** Which vault: CORE needs no id; SESSION takes a session id, EPHEMERAL a conversation id. */
export type VaultSelector = {
  /** Session id (SESSION) or conversation id (EPHEMERAL): 1–128 of A–Z a–z 0–9 . _ : @ ~ - */
  id?: string | null | undefined;
  /** The kind of vault. */
  kind: VaultKind;
};

/** How many hits to take from one KRONOS window. */
export type WindowQuery = {
  /** Hits from this window, 0–50. */
  limit: number;
  /** The window. */
  window: MemoryWindow;
};

export type ChatStreamSubscriptionVariables = Exact<{
  input: ChatInput;
}>;


export type ChatStreamSubscription = { chat: { delta: string | null, done: boolean, toolCall: { id: string, name: string, arguments: unknown, signature: string | null } | null, result: { content: string, model: string, provider: string, finishReason: string | null, toolCalls: Array<{ id: string, name: string, arguments: unknown, signature: string | null }>, usage: { inputTokens: number | null, outputTokens: number | null } | null, memory: { memoryTokens: number, hits: Array<{ score: number, window: MemoryWindow, outdated: { since: string, replacedBy: Array<{ id: string, content: string }> } | null, memory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } }>, turn: { stored: boolean, memories: number, reason: string | null, message: string | null } | null, facts: { extracted: number, superseded: Array<string>, deleted: Array<string>, unchanged: number, refused: number, rejected: number, inputTokens: number, outputTokens: number, added: Array<{ id: string, content: string, supersedes: string | null }>, updated: Array<{ id: string, content: string, supersedes: string | null }>, failure: { reason: string, message: string } | null } | null } } | null } };

export type ToolCallFieldsFragment = { id: string, name: string, arguments: unknown, signature: string | null };

export type MemoryFieldsFragment = { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } };

export type StoreMemoriesMutationVariables = Exact<{
  inputs: Array<StoreMemoryInput> | StoreMemoryInput;
  idempotencyKey?: string | null | undefined;
  extract?: ExtractInput | null | undefined;
}>;


export type StoreMemoriesMutation = { storeMemories: Array<{ id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } }> };

export type UpdateMemoryMutationVariables = Exact<{
  input: UpdateMemoryInput;
}>;


export type UpdateMemoryMutation = { updateMemory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } };

export type DeleteMemoryMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteMemoryMutation = { deleteMemory: boolean };

export type DeleteMemoriesMutationVariables = Exact<{
  ids: Array<string | number> | string | number;
}>;


export type DeleteMemoriesMutation = { deleteMemories: { count: number, deletedIds: Array<string>, notFoundIds: Array<string> } };

export type MemoryQueryVariables = Exact<{
  id: string | number;
}>;


export type MemoryQuery = { memory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } | null };

export type MemoryEventsSubscriptionVariables = Exact<{
  vault: VaultSelector;
  lastEventId?: string | number | null | undefined;
}>;


export type MemoryEventsSubscription = { memoryEvents: { id: string, type: MemoryEventType, memoryId: string | null, content: string | null, supersededBy: string | null, at: string } };

export type SearchQueryVariables = Exact<{
  input: SearchInput;
}>;


export type SearchQuery = { search: { memoryTokens: number, notice: { reason: string, message: string } | null, hits: Array<{ score: number, window: MemoryWindow, outdated: { since: string, replacedBy: Array<{ id: string, content: string }> } | null, memory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } }> } };

export type UsageQueryVariables = Exact<{
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type UsageQuery = { usage: { memoryTokens: number, costUsd: number, days: Array<{ date: string, memoryTokens: number }>, keys: Array<{ keyId: string, memoryTokens: number, days: Array<{ date: string, memoryTokens: number }> }> } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, name: string | null, createdAt: string, revokedAt: string | null } };

export type VaultFieldsFragment = { id: string, kind: VaultKind, externalId: string | null, memoryCount: number, storageBytes: number, embeddingModel: string, dimensions: number, capacity: number, lastWriteAt: string | null, expiresAt: string | null, exportUrl: string };

export type VaultsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type VaultsQuery = { vaults: Array<{ id: string, kind: VaultKind, externalId: string | null, memoryCount: number, storageBytes: number, embeddingModel: string, dimensions: number, capacity: number, lastWriteAt: string | null, expiresAt: string | null, exportUrl: string }> };

export type VaultsPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type VaultsPageQuery = { vaultsConnection: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, kind: VaultKind, externalId: string | null, memoryCount: number, storageBytes: number, embeddingModel: string, dimensions: number, capacity: number, lastWriteAt: string | null, expiresAt: string | null, exportUrl: string } }> } };

export type VaultMemoriesQueryVariables = Exact<{
  selector: VaultSelector;
  first?: number | null | undefined;
  after?: string | null | undefined;
  order?: MemoryOrder | null | undefined;
  filter?: MemoryFilter | null | undefined;
}>;


export type VaultMemoriesQuery = { vault: { id: string, kind: VaultKind, externalId: string | null, memoryCount: number, storageBytes: number, embeddingModel: string, dimensions: number, capacity: number, lastWriteAt: string | null, expiresAt: string | null, exportUrl: string, memories: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } }> } } | null };

export type ClearVaultMutationVariables = Exact<{
  selector: VaultSelector;
}>;


export type ClearVaultMutation = { clearVault: number };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ToolCallFieldsFragmentDoc = new TypedDocumentString(`
    fragment ToolCallFields on ToolCall {
  id
  name
  arguments
  signature
}
    `, {"fragmentName":"ToolCallFields"}) as unknown as TypedDocumentString<ToolCallFieldsFragment, unknown>;
export const MemoryFieldsFragmentDoc = new TypedDocumentString(`
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}
    `, {"fragmentName":"MemoryFields"}) as unknown as TypedDocumentString<MemoryFieldsFragment, unknown>;
export const VaultFieldsFragmentDoc = new TypedDocumentString(`
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}
    `, {"fragmentName":"VaultFields"}) as unknown as TypedDocumentString<VaultFieldsFragment, unknown>;
export const ChatStreamDocument = new TypedDocumentString(`
    subscription ChatStream($input: ChatInput!) {
  chat(input: $input) {
    delta
    toolCall {
      ...ToolCallFields
    }
    done
    result {
      content
      model
      provider
      finishReason
      toolCalls {
        ...ToolCallFields
      }
      usage {
        inputTokens
        outputTokens
      }
      memory {
        memoryTokens
        hits {
          score
          window
          outdated {
            since
            replacedBy {
              id
              content
            }
          }
          memory {
            ...MemoryFields
          }
        }
        turn {
          stored
          memories
          reason
          message
        }
        facts {
          extracted
          added {
            id
            content
            supersedes
          }
          updated {
            id
            content
            supersedes
          }
          superseded
          deleted
          unchanged
          refused
          rejected
          failure {
            reason
            message
          }
          inputTokens
          outputTokens
        }
      }
    }
  }
}
    fragment ToolCallFields on ToolCall {
  id
  name
  arguments
  signature
}
fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`) as unknown as TypedDocumentString<ChatStreamSubscription, ChatStreamSubscriptionVariables>;
export const StoreMemoriesDocument = new TypedDocumentString(`
    mutation StoreMemories($inputs: [StoreMemoryInput!]!, $idempotencyKey: String, $extract: ExtractInput) {
  storeMemories(
    inputs: $inputs
    idempotencyKey: $idempotencyKey
    extract: $extract
  ) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`) as unknown as TypedDocumentString<StoreMemoriesMutation, StoreMemoriesMutationVariables>;
export const UpdateMemoryDocument = new TypedDocumentString(`
    mutation UpdateMemory($input: UpdateMemoryInput!) {
  updateMemory(input: $input) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`) as unknown as TypedDocumentString<UpdateMemoryMutation, UpdateMemoryMutationVariables>;
export const DeleteMemoryDocument = new TypedDocumentString(`
    mutation DeleteMemory($id: ID!) {
  deleteMemory(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteMemoryMutation, DeleteMemoryMutationVariables>;
export const DeleteMemoriesDocument = new TypedDocumentString(`
    mutation DeleteMemories($ids: [ID!]!) {
  deleteMemories(ids: $ids) {
    count
    deletedIds
    notFoundIds
  }
}
    `) as unknown as TypedDocumentString<DeleteMemoriesMutation, DeleteMemoriesMutationVariables>;
export const MemoryDocument = new TypedDocumentString(`
    query Memory($id: ID!) {
  memory(id: $id) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`) as unknown as TypedDocumentString<MemoryQuery, MemoryQueryVariables>;
export const MemoryEventsDocument = new TypedDocumentString(`
    subscription MemoryEvents($vault: VaultSelector!, $lastEventId: ID) {
  memoryEvents(vault: $vault, lastEventId: $lastEventId) {
    id
    type
    memoryId
    content
    supersededBy
    at
  }
}
    `) as unknown as TypedDocumentString<MemoryEventsSubscription, MemoryEventsSubscriptionVariables>;
export const SearchDocument = new TypedDocumentString(`
    query Search($input: SearchInput!) {
  search(input: $input) {
    memoryTokens
    notice {
      reason
      message
    }
    hits {
      score
      window
      outdated {
        since
        replacedBy {
          id
          content
        }
      }
      memory {
        ...MemoryFields
      }
    }
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`) as unknown as TypedDocumentString<SearchQuery, SearchQueryVariables>;
export const UsageDocument = new TypedDocumentString(`
    query Usage($from: DateTime, $to: DateTime) {
  usage(from: $from, to: $to) {
    memoryTokens
    costUsd
    days {
      date
      memoryTokens
    }
    keys {
      keyId
      memoryTokens
      days {
        date
        memoryTokens
      }
    }
  }
}
    `) as unknown as TypedDocumentString<UsageQuery, UsageQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    name
    createdAt
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const VaultsDocument = new TypedDocumentString(`
    query Vaults($first: Int) {
  vaults(first: $first) {
    ...VaultFields
  }
}
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`) as unknown as TypedDocumentString<VaultsQuery, VaultsQueryVariables>;
export const VaultsPageDocument = new TypedDocumentString(`
    query VaultsPage($first: Int, $after: String) {
  vaultsConnection(first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...VaultFields
      }
    }
  }
}
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`) as unknown as TypedDocumentString<VaultsPageQuery, VaultsPageQueryVariables>;
export const VaultMemoriesDocument = new TypedDocumentString(`
    query VaultMemories($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder, $filter: MemoryFilter) {
  vault(selector: $selector) {
    ...VaultFields
    memories(first: $first, after: $after, order: $order, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...MemoryFields
        }
      }
    }
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}
fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`) as unknown as TypedDocumentString<VaultMemoriesQuery, VaultMemoriesQueryVariables>;
export const ClearVaultDocument = new TypedDocumentString(`
    mutation ClearVault($selector: VaultSelector!) {
  clearVault(selector: $selector)
}
    `) as unknown as TypedDocumentString<ClearVaultMutation, ClearVaultMutationVariables>;