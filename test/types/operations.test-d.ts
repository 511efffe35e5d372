// Type tests: checked by `tsc --noEmit` (part of `npm test`). They pin what
// typed clients get from the generated documents, so a schema change that
// would break client code fails the build.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { expectTypeOf } from 'vitest';
import type {
  ChatStreamDocument,
  SearchDocument,
  StoreMemoriesDocument,
  UsageDocument,
} from '../generated/graphql';

type Search = ResultOf<typeof SearchDocument>;
expectTypeOf<Search['search']['memoryTokens']>().toEqualTypeOf<number>();
expectTypeOf<Search['search']['hits'][number]['window']>().toEqualTypeOf<
  'ARCHIVE' | 'HOT' | 'LONG_TERM' | 'WORKING'
>();
expectTypeOf<VariablesOf<typeof SearchDocument>['input']['query']>().toEqualTypeOf<string>();

type Store = VariablesOf<typeof StoreMemoriesDocument>['inputs'];
expectTypeOf<Store extends object ? true : false>().toEqualTypeOf<true>();

type ChatEvent = ResultOf<typeof ChatStreamDocument>['chat'];
expectTypeOf<ChatEvent['delta']>().toEqualTypeOf<string | null>();
expectTypeOf<ChatEvent['done']>().toEqualTypeOf<boolean>();

type Usage = ResultOf<typeof UsageDocument>['usage'];
expectTypeOf<Usage['days'][number]>().toEqualTypeOf<{ date: string; memoryTokens: number }>();
