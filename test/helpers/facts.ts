import { StoreMemoryDocument } from '../generated/graphql';
import { scriptFake } from './fakes';
import { newKey } from './graphql';
import { postWithProviderKey } from './graphql-chat';
import type { FactsReceipt } from '../../src/resolvers/receipt';

// The set-up the fact-extraction tests share (test/facts*.test.ts,
// test/extraction-*.test.ts, test/superseded-turns.test.ts): the model the
// fake answers for, scripting its answers, and storeMemories with extraction.

/** The extracting model: OpenAI's format, answered by the provider fake. */
export const OPENAI = {
  model: 'openai/gpt-4o-mini',
  key: 'sk-test',
  host: 'api.openai.com',
} as const;

/** One reconciliation decision as the model answers it (`target`: a candidate's alias). */
export interface Decision {
  fact: number;
  action: string;
  target: string;
}

/** A facts receipt (`extensions.memory.facts`, `memory.facts` of a chat): the Worker's own type. */
export type { FactsReceipt };

/**
 * Scripts the fake's next extraction answer (`facts`: strings, or whatever
 * a test wants the model to have sent), then, when given, the
 * reconciliation's `decisions`: the next one or two calls to `host`.
 */
export async function scriptExtractor(
  facts: readonly unknown[],
  decisions?: readonly Decision[],
  host: string = OPENAI.host,
): Promise<void> {
  await scriptFake({ host, toolArguments: JSON.stringify({ facts }) });
  if (decisions) await scriptFake({ host, toolArguments: JSON.stringify({ decisions }) });
}

/**
 * storeMemories with extraction, raw (status, data, errors, extensions), so
 * a test reads the receipt or the refusal: `select`, the fields of each
 * memory (default `id`); `key`, an idempotency key; `extract`, options
 * beside the model (`factsVault`, or another `model`); `providerKey`.
 */
export function storeExtracting<T = { id: string }>(
  secret: string,
  inputs: readonly object[],
  options: {
    select?: string;
    key?: string | null;
    extract?: Record<string, unknown>;
    providerKey?: string;
  } = {},
) {
  return postWithProviderKey<{ storeMemories: T[] }>(
    secret,
    `mutation ($inputs: [StoreMemoryInput!]!, $extract: ExtractInput, $key: String) {
      storeMemories(inputs: $inputs, extract: $extract, idempotencyKey: $key) { ${options.select ?? 'id'} }
    }`,
    {
      inputs,
      extract: { model: OPENAI.model, ...options.extract },
      key: options.key ?? null,
    },
    options.providerKey ?? OPENAI.key,
  );
}

/** The facts receipt of a store's answer (`extensions.memory.facts`); undefined when absent. */
export function factsOf(body: { extensions?: unknown }): FactsReceipt | undefined {
  return (body.extensions as { memory?: { facts?: FactsReceipt } } | undefined)?.memory?.facts;
}

/**
 * One store by a key of its own, for a file's beforeAll: the first store of
 * a file loads the embedder in the Worker, seconds on a loaded machine, taken
 * in the hook's time rather than the first test's.
 */
export async function warmEmbedder(): Promise<void> {
  const { api } = await newKey();
  await api.request(StoreMemoryDocument, { input: { content: 'warming the embedder' } });
}
