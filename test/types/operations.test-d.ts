// Type tests: checked by `tsc --noEmit` (part of `npm test`). They pin what
// typed clients get from the generated documents, so a schema change that
// would break client code fails the build.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { expectTypeOf } from 'vitest';
import type {
  ChatStreamDocument,
  Role,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryInput,
  UsageDocument,
  VaultSelector,
} from '../generated/graphql';

type Search = ResultOf<typeof SearchDocument>;
expectTypeOf<Search['search']['memoryTokens']>().toEqualTypeOf<number>();
expectTypeOf<Search['search']['hits'][number]['window']>().toEqualTypeOf<
  'ARCHIVE' | 'HOT' | 'LONG_TERM' | 'WORKING'
>();
expectTypeOf<VariablesOf<typeof SearchDocument>['input']['query']>().toEqualTypeOf<string>();

// A list argument also takes a single item (GraphQL's input coercion).
type Store = VariablesOf<typeof StoreMemoriesDocument>['inputs'];
expectTypeOf<Store>().toEqualTypeOf<StoreMemoryInput[] | StoreMemoryInput>();
expectTypeOf<StoreMemoryInput>().toEqualTypeOf<{
  content: string;
  createdAt?: string | null | undefined;
  embedding?: number[] | null | undefined;
  metadata?: unknown;
  role?: Role | null | undefined;
  vault?: VaultSelector | null | undefined;
}>();

type ChatEvent = ResultOf<typeof ChatStreamDocument>['chat'];
expectTypeOf<ChatEvent['delta']>().toEqualTypeOf<string | null>();
expectTypeOf<ChatEvent['done']>().toEqualTypeOf<boolean>();

type Usage = ResultOf<typeof UsageDocument>['usage'];
expectTypeOf<Usage['days'][number]>().toEqualTypeOf<{ date: string; memoryTokens: number }>();
