/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "mutation Chat($input: ChatInput!) {\n  chat(input: $input) {\n    content\n    model\n    provider\n    memory {\n      memoryTokens\n      hits {\n        window\n        score\n        memory {\n          content\n          vault {\n            kind\n            externalId\n          }\n        }\n      }\n    }\n  }\n}\n\nsubscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      provider\n      memory {\n        memoryTokens\n        hits {\n          window\n          memory {\n            content\n          }\n        }\n      }\n    }\n  }\n}": typeof types.ChatDocument,
    "mutation CreateMemoryKey($name: String) {\n  createMemoryKey(name: $name) {\n    secret\n    key {\n      id\n      name\n      createdAt\n      revokedAt\n    }\n  }\n}\n\nmutation RevokeMemoryKey($id: ID!) {\n  revokeMemoryKey(id: $id)\n}\n\nquery MemoryKeys {\n  memoryKeys {\n    id\n    name\n    revokedAt\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}": typeof types.CreateMemoryKeyDocument,
    "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemory($input: StoreMemoryInput!) {\n  storeMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!) {\n  storeMemories(inputs: $inputs) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nquery GetMemory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}": typeof types.MemoryFieldsFragmentDoc,
    "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        id\n        content\n        createdAt\n        tokens\n        metadata\n        vault {\n          kind\n          externalId\n          memoryCount\n        }\n      }\n    }\n  }\n}": typeof types.SearchDocument,
    "query GetVault($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder) {\n  vault(selector: $selector) {\n    id\n    kind\n    externalId\n    memoryCount\n    embeddingModel\n    dimensions\n    capacity\n    lastWriteAt\n    expiresAt\n    memories(first: $first, after: $after, order: $order) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          content\n          createdAt\n        }\n      }\n    }\n  }\n}\n\nquery ListVaults {\n  vaults {\n    id\n    kind\n    externalId\n    memoryCount\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}": typeof types.GetVaultDocument,
};
const documents: Documents = {
    "mutation Chat($input: ChatInput!) {\n  chat(input: $input) {\n    content\n    model\n    provider\n    memory {\n      memoryTokens\n      hits {\n        window\n        score\n        memory {\n          content\n          vault {\n            kind\n            externalId\n          }\n        }\n      }\n    }\n  }\n}\n\nsubscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      provider\n      memory {\n        memoryTokens\n        hits {\n          window\n          memory {\n            content\n          }\n        }\n      }\n    }\n  }\n}": types.ChatDocument,
    "mutation CreateMemoryKey($name: String) {\n  createMemoryKey(name: $name) {\n    secret\n    key {\n      id\n      name\n      createdAt\n      revokedAt\n    }\n  }\n}\n\nmutation RevokeMemoryKey($id: ID!) {\n  revokeMemoryKey(id: $id)\n}\n\nquery MemoryKeys {\n  memoryKeys {\n    id\n    name\n    revokedAt\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}": types.CreateMemoryKeyDocument,
    "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemory($input: StoreMemoryInput!) {\n  storeMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!) {\n  storeMemories(inputs: $inputs) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nquery GetMemory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}": types.MemoryFieldsFragmentDoc,
    "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        id\n        content\n        createdAt\n        tokens\n        metadata\n        vault {\n          kind\n          externalId\n          memoryCount\n        }\n      }\n    }\n  }\n}": types.SearchDocument,
    "query GetVault($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder) {\n  vault(selector: $selector) {\n    id\n    kind\n    externalId\n    memoryCount\n    embeddingModel\n    dimensions\n    capacity\n    lastWriteAt\n    expiresAt\n    memories(first: $first, after: $after, order: $order) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          content\n          createdAt\n        }\n      }\n    }\n  }\n}\n\nquery ListVaults {\n  vaults {\n    id\n    kind\n    externalId\n    memoryCount\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}": types.GetVaultDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Chat($input: ChatInput!) {\n  chat(input: $input) {\n    content\n    model\n    provider\n    memory {\n      memoryTokens\n      hits {\n        window\n        score\n        memory {\n          content\n          vault {\n            kind\n            externalId\n          }\n        }\n      }\n    }\n  }\n}\n\nsubscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      provider\n      memory {\n        memoryTokens\n        hits {\n          window\n          memory {\n            content\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["mutation Chat($input: ChatInput!) {\n  chat(input: $input) {\n    content\n    model\n    provider\n    memory {\n      memoryTokens\n      hits {\n        window\n        score\n        memory {\n          content\n          vault {\n            kind\n            externalId\n          }\n        }\n      }\n    }\n  }\n}\n\nsubscription ChatStream($input: ChatInput!) {\n  chat(input: $input) {\n    delta\n    done\n    result {\n      content\n      provider\n      memory {\n        memoryTokens\n        hits {\n          window\n          memory {\n            content\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateMemoryKey($name: String) {\n  createMemoryKey(name: $name) {\n    secret\n    key {\n      id\n      name\n      createdAt\n      revokedAt\n    }\n  }\n}\n\nmutation RevokeMemoryKey($id: ID!) {\n  revokeMemoryKey(id: $id)\n}\n\nquery MemoryKeys {\n  memoryKeys {\n    id\n    name\n    revokedAt\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}"): (typeof documents)["mutation CreateMemoryKey($name: String) {\n  createMemoryKey(name: $name) {\n    secret\n    key {\n      id\n      name\n      createdAt\n      revokedAt\n    }\n  }\n}\n\nmutation RevokeMemoryKey($id: ID!) {\n  revokeMemoryKey(id: $id)\n}\n\nquery MemoryKeys {\n  memoryKeys {\n    id\n    name\n    revokedAt\n  }\n}\n\nquery Me {\n  me {\n    id\n    name\n    createdAt\n    revokedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemory($input: StoreMemoryInput!) {\n  storeMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!) {\n  storeMemories(inputs: $inputs) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nquery GetMemory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}"): (typeof documents)["fragment MemoryFields on Memory {\n  id\n  content\n  role\n  metadata\n  createdAt\n  tokens\n  vault {\n    id\n    kind\n    externalId\n  }\n}\n\nmutation StoreMemory($input: StoreMemoryInput!) {\n  storeMemory(input: $input) {\n    ...MemoryFields\n  }\n}\n\nmutation StoreMemories($inputs: [StoreMemoryInput!]!) {\n  storeMemories(inputs: $inputs) {\n    ...MemoryFields\n  }\n}\n\nmutation DeleteMemory($id: ID!) {\n  deleteMemory(id: $id)\n}\n\nquery GetMemory($id: ID!) {\n  memory(id: $id) {\n    ...MemoryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        id\n        content\n        createdAt\n        tokens\n        metadata\n        vault {\n          kind\n          externalId\n          memoryCount\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query Search($input: SearchInput!) {\n  search(input: $input) {\n    memoryTokens\n    hits {\n      score\n      window\n      memory {\n        id\n        content\n        createdAt\n        tokens\n        metadata\n        vault {\n          kind\n          externalId\n          memoryCount\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GetVault($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder) {\n  vault(selector: $selector) {\n    id\n    kind\n    externalId\n    memoryCount\n    embeddingModel\n    dimensions\n    capacity\n    lastWriteAt\n    expiresAt\n    memories(first: $first, after: $after, order: $order) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          content\n          createdAt\n        }\n      }\n    }\n  }\n}\n\nquery ListVaults {\n  vaults {\n    id\n    kind\n    externalId\n    memoryCount\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}"): (typeof documents)["query GetVault($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder) {\n  vault(selector: $selector) {\n    id\n    kind\n    externalId\n    memoryCount\n    embeddingModel\n    dimensions\n    capacity\n    lastWriteAt\n    expiresAt\n    memories(first: $first, after: $after, order: $order) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          content\n          createdAt\n        }\n      }\n    }\n  }\n}\n\nquery ListVaults {\n  vaults {\n    id\n    kind\n    externalId\n    memoryCount\n  }\n}\n\nmutation ClearVault($selector: VaultSelector!) {\n  clearVault(selector: $selector)\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;