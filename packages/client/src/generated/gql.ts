/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "subscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      model\n      provider\n      memory {\n        memoryTokens\n        hits {\n          score\n          window\n          memory {\n            ...MemoryFields\n          }\n        }\n      }\n    }\n  }\n}": typeof types.ChatStreamDocument,
    "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!, $idempotencyKey: String) {\n  storeMemories(inputs: $inputs, idempotencyKey: $idempotencyKey) {\n    ...MemoryFields\n  }\n}\n\nmutation UpdateMemory($input: UpdateMemoryInput!) {\n  updateMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nmutation DeleteMemories($ids: [ID!]!) {\n  deleteMemories(ids: $ids) {\n    count\n    deletedIds\n    notFoundIds\n  }\n}\n\nquery Memory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}": typeof types.MemoryFieldsFragmentDoc,
    "subscription MemoryEvents($vault: VaultSelector!, $lastEventId: ID) {\n  memoryEvents(vault: $vault, lastEventId: $lastEventId) {\n    id\n    type\n    memoryId\n    content\n    supersededBy\n    at\n  }\n}": typeof types.MemoryEventsDocument,
    "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        ...MemoryFields\n      }\n    }\n  }\n}": typeof types.SearchDocument,
    "query Usage($from: DateTime, $to: DateTime) {\n  usage(from: $from, to: $to) {\n    memoryTokens\n    costUsd\n    days {\n      date\n      memoryTokens\n    }\n    keys {\n      keyId\n      memoryTokens\n      days {\n        date\n        memoryTokens\n      }\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}": typeof types.UsageDocument,
    "fragment VaultFields on Vault {\n  id\n  kind\n  externalId\n  memoryCount\n  storageBytes\n  embeddingModel\n  dimensions\n  capacity\n  lastWriteAt\n  expiresAt\n  exportUrl\n}\n\nquery Vaults {\n  vaults {\n    ...VaultFields\n  }\n}\n\nquery VaultMemories($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder, $filter: MemoryFilter) {\n  vault(selector: $selector) {\n    ...VaultFields\n    memories(first: $first, after: $after, order: $order, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...MemoryFields\n        }\n      }\n    }\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}": typeof types.VaultFieldsFragmentDoc,
};
const documents: Documents = {
    "subscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      model\n      provider\n      memory {\n        memoryTokens\n        hits {\n          score\n          window\n          memory {\n            ...MemoryFields\n          }\n        }\n      }\n    }\n  }\n}": types.ChatStreamDocument,
    "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!, $idempotencyKey: String) {\n  storeMemories(inputs: $inputs, idempotencyKey: $idempotencyKey) {\n    ...MemoryFields\n  }\n}\n\nmutation UpdateMemory($input: UpdateMemoryInput!) {\n  updateMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nmutation DeleteMemories($ids: [ID!]!) {\n  deleteMemories(ids: $ids) {\n    count\n    deletedIds\n    notFoundIds\n  }\n}\n\nquery Memory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}": types.MemoryFieldsFragmentDoc,
    "subscription MemoryEvents($vault: VaultSelector!, $lastEventId: ID) {\n  memoryEvents(vault: $vault, lastEventId: $lastEventId) {\n    id\n    type\n    memoryId\n    content\n    supersededBy\n    at\n  }\n}": types.MemoryEventsDocument,
    "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        ...MemoryFields\n      }\n    }\n  }\n}": types.SearchDocument,
    "query Usage($from: DateTime, $to: DateTime) {\n  usage(from: $from, to: $to) {\n    memoryTokens\n    costUsd\n    days {\n      date\n      memoryTokens\n    }\n    keys {\n      keyId\n      memoryTokens\n      days {\n        date\n        memoryTokens\n      }\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}": types.UsageDocument,
    "fragment VaultFields on Vault {\n  id\n  kind\n  externalId\n  memoryCount\n  storageBytes\n  embeddingModel\n  dimensions\n  capacity\n  lastWriteAt\n  expiresAt\n  exportUrl\n}\n\nquery Vaults {\n  vaults {\n    ...VaultFields\n  }\n}\n\nquery VaultMemories($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder, $filter: MemoryFilter) {\n  vault(selector: $selector) {\n    ...VaultFields\n    memories(first: $first, after: $after, order: $order, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...MemoryFields\n        }\n      }\n    }\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}": types.VaultFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      model\n      provider\n      memory {\n        memoryTokens\n        hits {\n          score\n          window\n          memory {\n            ...MemoryFields\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.js').ChatStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!, $idempotencyKey: String) {\n  storeMemories(inputs: $inputs, idempotencyKey: $idempotencyKey) {\n    ...MemoryFields\n  }\n}\n\nmutation UpdateMemory($input: UpdateMemoryInput!) {\n  updateMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nmutation DeleteMemories($ids: [ID!]!) {\n  deleteMemories(ids: $ids) {\n    count\n    deletedIds\n    notFoundIds\n  }\n}\n\nquery Memory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}"): typeof import('./graphql.js').MemoryFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription MemoryEvents($vault: VaultSelector!, $lastEventId: ID) {\n  memoryEvents(vault: $vault, lastEventId: $lastEventId) {\n    id\n    type\n    memoryId\n    content\n    supersededBy\n    at\n  }\n}"): typeof import('./graphql.js').MemoryEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        ...MemoryFields\n      }\n    }\n  }\n}"): typeof import('./graphql.js').SearchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Usage($from: DateTime, $to: DateTime) {\n  usage(from: $from, to: $to) {\n    memoryTokens\n    costUsd\n    days {\n      date\n      memoryTokens\n    }\n    keys {\n      keyId\n      memoryTokens\n      days {\n        date\n        memoryTokens\n      }\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}"): typeof import('./graphql.js').UsageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment VaultFields on Vault {\n  id\n  kind\n  externalId\n  memoryCount\n  storageBytes\n  embeddingModel\n  dimensions\n  capacity\n  lastWriteAt\n  expiresAt\n  exportUrl\n}\n\nquery Vaults {\n  vaults {\n    ...VaultFields\n  }\n}\n\nquery VaultMemories($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder, $filter: MemoryFilter) {\n  vault(selector: $selector) {\n    ...VaultFields\n    memories(first: $first, after: $after, order: $order, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...MemoryFields\n        }\n      }\n    }\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}"): typeof import('./graphql.js').VaultFieldsFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
