export { createClient } from './client.js';
export type {
  ChatEvent,
  ChatResult,
  ClientOptions,
  FactsReceipt,
  Memory,
  MemoryEvent,
  MemoryKey,
  MemoryPage,
  MemoryReceipt,
  MemoryRouterClient,
  SearchHit,
  SearchResult,
  StoredMemories,
  StoredMemory,
  StoreAnswer,
  StoreOptions,
  StoreReplay,
  ToolCall,
  Usage,
  Vault,
  VaultExport,
  VaultPage,
} from './client.js';
export {
  CLIENT_ERROR_CODES,
  isMemoryRouterError,
  MemoryRouterError,
  SERVER_ERROR_CODES,
} from './errors.js';
export type { ErrorCode, GraphQLErrorEntry } from './errors.js';
export type { ImportOptions, ImportProgress } from './import-jsonl.js';
export type { ImportReport, ServerProgress } from './import-progress.js';
export type { FetchLike, Operation } from './transport.js';
export type {
  ChatInput,
  ChatMessageInput,
  MemoryOrder,
  MemoryWindow,
  Role,
  SearchInput,
  SearchMode,
  StoreMemoryInput,
  ToolCallInput,
  VaultKind,
  VaultSelector,
  WindowQuery,
} from './generated/graphql.js';
