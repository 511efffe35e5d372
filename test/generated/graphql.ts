/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
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

/** The AI providers MemoryRouter forwards chat to. */
export type Provider =
  /** Anthropic (api.anthropic.com). */
  | 'ANTHROPIC'
  /** The deployment's OpenAI-compatible server (COMPATIBLE_BASE_URL). */
  | 'COMPATIBLE'
  /** Google Gemini (generativelanguage.googleapis.com). */
  | 'GOOGLE'
  /** OpenAI (api.openai.com). */
  | 'OPENAI'
  /** OpenRouter (openrouter.ai). */
  | 'OPENROUTER';

/** Where a vault's move to another embedding model stands. */
export type ReembedState =
  /** Every memory has vectors of the new model, and searches use them. */
  | 'DONE'
  /** Given up (see lastError): the vault would not fit at the new dimensions (failures 0; it keeps its old model and refuses the new one), or its batches failed 30 times in a row, about 20 hours (failures > 0; searches of the new model are answered by TEXT and writes are kept for the switch, as while RUNNING, but no batch runs). reembedVault starts it again, or resumes where it stopped a run that gave up towards the deployment’s model. */
  | 'FAILED'
  /** New vectors are being computed in the background; searches use the old ones (or text alone, for queries of the new model). */
  | 'RUNNING';

/** Why a vault re-embeds. */
export type ReembedTrigger =
  /** An admin asked (reembedVault). */
  | 'ADMIN'
  /** The deployment's embedder changed; the vault started on its first call after. */
  | 'DEPLOYMENT';

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

/** A provider key to store, sealed (AES-GCM) under the deployment secret PROVIDER_KEY_SECRET. */
export type SetProviderKeyInput = {
  /** The provider's API key; never shown again. */
  key: string;
  /** Only for this memory key of the account (default: the whole account). */
  memoryKeyId?: string | number | null | undefined;
  /** The provider it is for. */
  provider: Provider;
};

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

export type ChatMutationVariables = Exact<{
  input: ChatInput;
}>;


export type ChatMutation = { chat: { content: string, model: string, provider: string, memory: { memoryTokens: number, storedMemoryTokens: number | null, billedMemoryTokens: number | null, turn: { stored: boolean, memories: number, memoryTokens: number } | null, hits: Array<{ window: MemoryWindow, score: number, memory: { content: string, vault: { kind: VaultKind, externalId: string | null } } }> } } };

export type ChatStreamSubscriptionVariables = Exact<{
  input: ChatInput;
}>;


export type ChatStreamSubscription = { chat: { delta: string | null, done: boolean, result: { content: string, provider: string, memory: { memoryTokens: number, storedMemoryTokens: number | null, billedMemoryTokens: number | null, hits: Array<{ window: MemoryWindow, memory: { content: string } }> } } | null } };

export type ChatWithToolsMutationVariables = Exact<{
  input: ChatInput;
}>;


export type ChatWithToolsMutation = { chat: { content: string, finishReason: string | null, toolCalls: Array<{ id: string, name: string, arguments: unknown, signature: string | null }>, usage: { inputTokens: number | null, outputTokens: number | null } | null, memory: { memoryTokens: number } } };

export type ChatStreamWithToolsSubscriptionVariables = Exact<{
  input: ChatInput;
}>;


export type ChatStreamWithToolsSubscription = { chat: { delta: string | null, done: boolean, toolCall: { id: string, name: string, arguments: unknown, signature: string | null } | null, result: { content: string, finishReason: string | null, toolCalls: Array<{ id: string, name: string }> } | null } };

export type FactsFieldsFragment = { extracted: number, superseded: Array<string>, deleted: Array<string>, unchanged: number, rejected: number, inputTokens: number, outputTokens: number, added: Array<{ id: string, content: string, supersedes: string | null }>, updated: Array<{ id: string, content: string, supersedes: string | null }>, failure: { reason: string, message: string } | null };

export type VersionFieldsFragment = { id: string, content: string, createdAt: string, metadata: unknown, validUntil: string | null, supersededBy: { id: string } | null };

export type StoreWithFactsMutationVariables = Exact<{
  inputs: Array<StoreMemoryInput> | StoreMemoryInput;
  extract?: ExtractInput | null | undefined;
}>;


export type StoreWithFactsMutation = { storeMemories: Array<{ id: string, content: string }> };

export type MemoryHistoryQueryVariables = Exact<{
  id: string | number;
}>;


export type MemoryHistoryQuery = { memory: { id: string, content: string, createdAt: string, metadata: unknown, validUntil: string | null, history: Array<{ id: string, content: string, createdAt: string, metadata: unknown, validUntil: string | null, supersededBy: { id: string } | null }>, supersededBy: { id: string } | null } | null };

export type SearchVersionsQueryVariables = Exact<{
  input: SearchInput;
}>;


export type SearchVersionsQuery = { search: { hits: Array<{ memory: { id: string, content: string, createdAt: string, metadata: unknown, validUntil: string | null, supersededBy: { id: string } | null } }> } };

export type ChatWithFactsMutationVariables = Exact<{
  input: ChatInput;
}>;


export type ChatWithFactsMutation = { chat: { content: string, memory: { facts: { extracted: number, superseded: Array<string>, deleted: Array<string>, unchanged: number, rejected: number, inputTokens: number, outputTokens: number, added: Array<{ id: string, content: string, supersedes: string | null }>, updated: Array<{ id: string, content: string, supersedes: string | null }>, failure: { reason: string, message: string } | null } | null } } };

export type MemoryEventsSubscriptionVariables = Exact<{
  vault: VaultSelector;
  lastEventId?: string | number | null | undefined;
}>;


export type MemoryEventsSubscription = { memoryEvents: { id: string, type: MemoryEventType, memoryId: string | null, content: string | null, supersededBy: string | null, at: string } };

export type CreateMemoryKeyMutationVariables = Exact<{
  name?: string | null | undefined;
}>;


export type CreateMemoryKeyMutation = { createMemoryKey: { secret: string, key: { id: string, name: string | null, createdAt: string, revokedAt: string | null } } };

export type RevokeMemoryKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeMemoryKeyMutation = { revokeMemoryKey: boolean };

export type MemoryKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type MemoryKeysQuery = { memoryKeys: Array<{ id: string, name: string | null, revokedAt: string | null }> };

export type MemoryKeysPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | number | null | undefined;
  includeRevoked?: boolean | null | undefined;
}>;


export type MemoryKeysPageQuery = { memoryKeys: Array<{ id: string, name: string | null, revokedAt: string | null }> };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, name: string | null, createdAt: string, revokedAt: string | null } };

export type SetProviderKeyMutationVariables = Exact<{
  input: SetProviderKeyInput;
}>;


export type SetProviderKeyMutation = { setProviderKey: { provider: Provider, memoryKeyId: string | null, fingerprint: string, last4: string, sealedWithPreviousSecret: boolean | null } };

export type DeleteProviderKeyMutationVariables = Exact<{
  provider: Provider;
  memoryKeyId?: string | number | null | undefined;
}>;


export type DeleteProviderKeyMutation = { deleteProviderKey: boolean };

export type RotateProviderKeysMutationVariables = Exact<{ [key: string]: never; }>;


export type RotateProviderKeysMutation = { rotateProviderKeys: number };

export type ProviderKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ProviderKeysQuery = { providerKeys: Array<{ provider: Provider, memoryKeyId: string | null, fingerprint: string, last4: string, sealedWithPreviousSecret: boolean | null }> };

export type MemoryFieldsFragment = { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } };

export type StoreMemoryMutationVariables = Exact<{
  input: StoreMemoryInput;
}>;


export type StoreMemoryMutation = { storeMemory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } };

export type StoreMemoriesMutationVariables = Exact<{
  inputs: Array<StoreMemoryInput> | StoreMemoryInput;
}>;


export type StoreMemoriesMutation = { storeMemories: Array<{ id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } }> };

export type DeleteMemoryMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteMemoryMutation = { deleteMemory: boolean };

export type GetMemoryQueryVariables = Exact<{
  id: string | number;
}>;


export type GetMemoryQuery = { memory: { id: string, content: string, role: Role, metadata: unknown, createdAt: string, tokens: number, vault: { id: string, kind: VaultKind, externalId: string | null } } | null };

export type MigrateKvVaultsMutationVariables = Exact<{
  keyId: string | number;
  prefix: string;
  limit?: number | null | undefined;
}>;


export type MigrateKvVaultsMutation = { migrateKvVaults: { done: boolean, vaults: Array<{ kvKey: string, vault: string, report: { imported: number, skipped: number, failed: number, memoryTokens: number } }> } };

export type VaultEmbeddingQueryVariables = Exact<{
  selector: VaultSelector;
}>;


export type VaultEmbeddingQuery = { vault: { memoryCount: number, embeddingModel: string, dimensions: number, embedding: { model: string, dimensions: number, reembedProgress: { state: ReembedState, targetModel: string, targetDimensions: number, fromModel: string, trigger: ReembedTrigger, done: number, remaining: number, startedAt: string, finishedAt: string | null, failures: number, lastError: string | null, nextBatchAt: string | null, skipped: number, skippedMemoryIds: Array<string> } | null } } | null };

export type ReembedVaultMutationVariables = Exact<{
  keyId: string | number;
  vault: VaultSelector;
}>;


export type ReembedVaultMutation = { reembedVault: { state: ReembedState, targetModel: string, targetDimensions: number, trigger: ReembedTrigger, done: number, remaining: number } };

export type AdminVaultEmbeddingQueryVariables = Exact<{
  keyId: string | number;
  vault: VaultSelector;
}>;


export type AdminVaultEmbeddingQuery = { vaultEmbedding: { model: string, dimensions: number, reembedProgress: { state: ReembedState, done: number, remaining: number, lastError: string | null } | null } };

export type SearchQueryVariables = Exact<{
  input: SearchInput;
}>;


export type SearchQuery = { search: { memoryTokens: number, notice: { reason: string, message: string } | null, hits: Array<{ score: number, window: MemoryWindow, match: { start: number, end: number }, memory: { id: string, content: string, createdAt: string, tokens: number, metadata: unknown, vault: { kind: VaultKind, externalId: string | null, memoryCount: number } } }> } };

export type VaultSnapshotsQueryVariables = Exact<{
  keyId: string | number;
  vault: VaultSelector;
}>;


export type VaultSnapshotsQuery = { vaultSnapshots: Array<{ key: string, count: number, checksum: string, bytes: number, createdAt: string }> };

export type RestoreVaultMutationVariables = Exact<{
  keyId: string | number;
  vault: VaultSelector;
  snapshot?: string | null | undefined;
}>;


export type RestoreVaultMutation = { restoreVault: { restored: number, snapshot: string } };

export type UsageQueryVariables = Exact<{
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type UsageQuery = { usage: { memoryTokens: number, costUsd: number, days: Array<{ date: string, memoryTokens: number }>, keys: Array<{ keyId: string, memoryTokens: number }> } };

export type BillingQueryVariables = Exact<{ [key: string]: never; }>;


export type BillingQuery = { billing: { status: string, stripeCustomerId: string | null, unbilledMemoryTokens: unknown, pendingMeterEvents: number, failedMeterEvents: number, failedMemoryTokens: unknown, failedMeterEventRecords: Array<{ identifier: string, memoryTokens: unknown, usageAt: string, failedAt: string, attempts: number, reason: string }> } };

export type CreateBillingCustomerMutationVariables = Exact<{
  email?: string | null | undefined;
}>;


export type CreateBillingCustomerMutation = { createBillingCustomer: { status: string, stripeCustomerId: string | null } };

export type GetVaultQueryVariables = Exact<{
  selector: VaultSelector;
  first?: number | null | undefined;
  after?: string | null | undefined;
  order?: MemoryOrder | null | undefined;
}>;


export type GetVaultQuery = { vault: { id: string, kind: VaultKind, externalId: string | null, memoryCount: number, embeddingModel: string, dimensions: number, capacity: number, lastWriteAt: string | null, expiresAt: string | null, exportUrl: string, memories: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, content: string, createdAt: string } }> } } | null };

export type ListVaultsQueryVariables = Exact<{ [key: string]: never; }>;


export type ListVaultsQuery = { vaults: Array<{ id: string, kind: VaultKind, externalId: string | null, memoryCount: number }> };

export type ClearVaultMutationVariables = Exact<{
  selector: VaultSelector;
}>;


export type ClearVaultMutation = { clearVault: number };

export const FactsFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FactsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FactsReceipt"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"extracted"}},{"kind":"Field","name":{"kind":"Name","value":"added"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"supersedes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"supersedes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"superseded"}},{"kind":"Field","name":{"kind":"Name","value":"deleted"}},{"kind":"Field","name":{"kind":"Name","value":"unchanged"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}}]}}]} as unknown as DocumentNode<FactsFieldsFragment, unknown>;
export const VersionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"VersionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"supersededBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<VersionFieldsFragment, unknown>;
export const MemoryFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MemoryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]} as unknown as DocumentNode<MemoryFieldsFragment, unknown>;
export const ChatDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Chat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"storedMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"billedMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"turn"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stored"}},{"kind":"Field","name":{"kind":"Name","value":"memories"}},{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"window"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ChatMutation, ChatMutationVariables>;
export const ChatStreamDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ChatStream"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"delta"}},{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"storedMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"billedMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"hits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"window"}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ChatStreamSubscription, ChatStreamSubscriptionVariables>;
export const ChatWithToolsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ChatWithTools"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}}]}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}}]}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}}]}}]}}]}}]} as unknown as DocumentNode<ChatWithToolsMutation, ChatWithToolsMutationVariables>;
export const ChatStreamWithToolsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ChatStreamWithTools"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"delta"}},{"kind":"Field","name":{"kind":"Name","value":"toolCall"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}}]}},{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ChatStreamWithToolsSubscription, ChatStreamWithToolsSubscriptionVariables>;
export const StoreWithFactsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StoreWithFacts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StoreMemoryInput"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"extract"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ExtractInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storeMemories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"inputs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}}},{"kind":"Argument","name":{"kind":"Name","value":"extract"},"value":{"kind":"Variable","name":{"kind":"Name","value":"extract"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}}]}}]}}]} as unknown as DocumentNode<StoreWithFactsMutation, StoreWithFactsMutationVariables>;
export const MemoryHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MemoryHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"VersionFields"}},{"kind":"Field","name":{"kind":"Name","value":"history"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"VersionFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"VersionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"supersededBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<MemoryHistoryQuery, MemoryHistoryQueryVariables>;
export const SearchVersionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SearchVersions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SearchInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"search"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"VersionFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"VersionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"supersededBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<SearchVersionsQuery, SearchVersionsQueryVariables>;
export const ChatWithFactsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ChatWithFacts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChatInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"facts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FactsFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FactsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FactsReceipt"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"extracted"}},{"kind":"Field","name":{"kind":"Name","value":"added"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"supersedes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"supersedes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"superseded"}},{"kind":"Field","name":{"kind":"Name","value":"deleted"}},{"kind":"Field","name":{"kind":"Name","value":"unchanged"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}}]}}]} as unknown as DocumentNode<ChatWithFactsMutation, ChatWithFactsMutationVariables>;
export const MemoryEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"MemoryEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"vault"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"lastEventId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"vault"},"value":{"kind":"Variable","name":{"kind":"Name","value":"vault"}}},{"kind":"Argument","name":{"kind":"Name","value":"lastEventId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"lastEventId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"memoryId"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"supersededBy"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<MemoryEventsSubscription, MemoryEventsSubscriptionVariables>;
export const CreateMemoryKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateMemoryKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createMemoryKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"key"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<CreateMemoryKeyMutation, CreateMemoryKeyMutationVariables>;
export const RevokeMemoryKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeMemoryKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeMemoryKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<RevokeMemoryKeyMutation, RevokeMemoryKeyMutationVariables>;
export const MemoryKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MemoryKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<MemoryKeysQuery, MemoryKeysQueryVariables>;
export const MemoryKeysPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MemoryKeysPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeRevoked"},"value":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<MemoryKeysPageQuery, MemoryKeysPageQueryVariables>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const SetProviderKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetProviderKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetProviderKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setProviderKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"memoryKeyId"}},{"kind":"Field","name":{"kind":"Name","value":"fingerprint"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"sealedWithPreviousSecret"}}]}}]}}]} as unknown as DocumentNode<SetProviderKeyMutation, SetProviderKeyMutationVariables>;
export const DeleteProviderKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteProviderKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"provider"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"memoryKeyId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteProviderKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"Variable","name":{"kind":"Name","value":"provider"}}},{"kind":"Argument","name":{"kind":"Name","value":"memoryKeyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"memoryKeyId"}}}]}]}}]} as unknown as DocumentNode<DeleteProviderKeyMutation, DeleteProviderKeyMutationVariables>;
export const RotateProviderKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RotateProviderKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rotateProviderKeys"}}]}}]} as unknown as DocumentNode<RotateProviderKeysMutation, RotateProviderKeysMutationVariables>;
export const ProviderKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"providerKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"memoryKeyId"}},{"kind":"Field","name":{"kind":"Name","value":"fingerprint"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"sealedWithPreviousSecret"}}]}}]}}]} as unknown as DocumentNode<ProviderKeysQuery, ProviderKeysQueryVariables>;
export const StoreMemoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StoreMemory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StoreMemoryInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storeMemory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MemoryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MemoryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]} as unknown as DocumentNode<StoreMemoryMutation, StoreMemoryMutationVariables>;
export const StoreMemoriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StoreMemories"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StoreMemoryInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storeMemories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"inputs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MemoryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MemoryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]} as unknown as DocumentNode<StoreMemoriesMutation, StoreMemoriesMutationVariables>;
export const DeleteMemoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteMemory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteMemory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DeleteMemoryMutation, DeleteMemoryMutationVariables>;
export const GetMemoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetMemory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MemoryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MemoryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Memory"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}}]}}]} as unknown as DocumentNode<GetMemoryQuery, GetMemoryQueryVariables>;
export const MigrateKvVaultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MigrateKvVaults"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prefix"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"limit"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"migrateKvVaults"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"keyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"prefix"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prefix"}}},{"kind":"Argument","name":{"kind":"Name","value":"limit"},"value":{"kind":"Variable","name":{"kind":"Name","value":"limit"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"vaults"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kvKey"}},{"kind":"Field","name":{"kind":"Name","value":"vault"}},{"kind":"Field","name":{"kind":"Name","value":"report"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"imported"}},{"kind":"Field","name":{"kind":"Name","value":"skipped"}},{"kind":"Field","name":{"kind":"Name","value":"failed"}},{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MigrateKvVaultsMutation, MigrateKvVaultsMutationVariables>;
export const VaultEmbeddingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VaultEmbedding"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"selector"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"vault"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"selector"},"value":{"kind":"Variable","name":{"kind":"Name","value":"selector"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryCount"}},{"kind":"Field","name":{"kind":"Name","value":"embeddingModel"}},{"kind":"Field","name":{"kind":"Name","value":"dimensions"}},{"kind":"Field","name":{"kind":"Name","value":"embedding"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"dimensions"}},{"kind":"Field","name":{"kind":"Name","value":"reembedProgress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"targetModel"}},{"kind":"Field","name":{"kind":"Name","value":"targetDimensions"}},{"kind":"Field","name":{"kind":"Name","value":"fromModel"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"remaining"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"failures"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"nextBatchAt"}},{"kind":"Field","name":{"kind":"Name","value":"skipped"}},{"kind":"Field","name":{"kind":"Name","value":"skippedMemoryIds"}}]}}]}}]}}]}}]} as unknown as DocumentNode<VaultEmbeddingQuery, VaultEmbeddingQueryVariables>;
export const ReembedVaultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReembedVault"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"vault"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reembedVault"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"keyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"vault"},"value":{"kind":"Variable","name":{"kind":"Name","value":"vault"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"targetModel"}},{"kind":"Field","name":{"kind":"Name","value":"targetDimensions"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"remaining"}}]}}]}}]} as unknown as DocumentNode<ReembedVaultMutation, ReembedVaultMutationVariables>;
export const AdminVaultEmbeddingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminVaultEmbedding"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"vault"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"vaultEmbedding"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"keyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"vault"},"value":{"kind":"Variable","name":{"kind":"Name","value":"vault"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"dimensions"}},{"kind":"Field","name":{"kind":"Name","value":"reembedProgress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"remaining"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}}]}}]}}]}}]} as unknown as DocumentNode<AdminVaultEmbeddingQuery, AdminVaultEmbeddingQueryVariables>;
export const SearchDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Search"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SearchInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"search"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"notice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"window"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}}]}},{"kind":"Field","name":{"kind":"Name","value":"memory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"vault"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"memoryCount"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<SearchQuery, SearchQueryVariables>;
export const VaultSnapshotsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VaultSnapshots"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"vault"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"vaultSnapshots"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"keyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"vault"},"value":{"kind":"Variable","name":{"kind":"Name","value":"vault"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"checksum"}},{"kind":"Field","name":{"kind":"Name","value":"bytes"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<VaultSnapshotsQuery, VaultSnapshotsQueryVariables>;
export const RestoreVaultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RestoreVault"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"vault"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"snapshot"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restoreVault"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"keyId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"keyId"}}},{"kind":"Argument","name":{"kind":"Name","value":"vault"},"value":{"kind":"Variable","name":{"kind":"Name","value":"vault"}}},{"kind":"Argument","name":{"kind":"Name","value":"snapshot"},"value":{"kind":"Variable","name":{"kind":"Name","value":"snapshot"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restored"}},{"kind":"Field","name":{"kind":"Name","value":"snapshot"}}]}}]}}]} as unknown as DocumentNode<RestoreVaultMutation, RestoreVaultMutationVariables>;
export const UsageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Usage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"days"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}}]}},{"kind":"Field","name":{"kind":"Name","value":"keys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}}]}}]}}]}}]} as unknown as DocumentNode<UsageQuery, UsageQueryVariables>;
export const BillingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stripeCustomerId"}},{"kind":"Field","name":{"kind":"Name","value":"unbilledMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"pendingMeterEvents"}},{"kind":"Field","name":{"kind":"Name","value":"failedMeterEvents"}},{"kind":"Field","name":{"kind":"Name","value":"failedMemoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"failedMeterEventRecords"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"identifier"}},{"kind":"Field","name":{"kind":"Name","value":"memoryTokens"}},{"kind":"Field","name":{"kind":"Name","value":"usageAt"}},{"kind":"Field","name":{"kind":"Name","value":"failedAt"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}}]}}]} as unknown as DocumentNode<BillingQuery, BillingQueryVariables>;
export const CreateBillingCustomerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateBillingCustomer"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"email"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createBillingCustomer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"email"},"value":{"kind":"Variable","name":{"kind":"Name","value":"email"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stripeCustomerId"}}]}}]}}]} as unknown as DocumentNode<CreateBillingCustomerMutation, CreateBillingCustomerMutationVariables>;
export const GetVaultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetVault"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"selector"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"order"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"MemoryOrder"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"vault"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"selector"},"value":{"kind":"Variable","name":{"kind":"Name","value":"selector"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"memoryCount"}},{"kind":"Field","name":{"kind":"Name","value":"embeddingModel"}},{"kind":"Field","name":{"kind":"Name","value":"dimensions"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"lastWriteAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"exportUrl"}},{"kind":"Field","name":{"kind":"Name","value":"memories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"order"},"value":{"kind":"Variable","name":{"kind":"Name","value":"order"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<GetVaultQuery, GetVaultQueryVariables>;
export const ListVaultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListVaults"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"vaults"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"memoryCount"}}]}}]}}]} as unknown as DocumentNode<ListVaultsQuery, ListVaultsQueryVariables>;
export const ClearVaultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClearVault"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"selector"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VaultSelector"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clearVault"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"selector"},"value":{"kind":"Variable","name":{"kind":"Name","value":"selector"}}}]}]}}]} as unknown as DocumentNode<ClearVaultMutation, ClearVaultMutationVariables>;