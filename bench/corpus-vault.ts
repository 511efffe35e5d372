/**
 * Fills a vault object with the bench:api corpus (its sentences, random
 * vectors), one memory a minute up to `now`, as the in-workerd benches that
 * stand in for bench:api's vaults need it: the HOT and WORKING windows then
 * hold some memories and LONG_TERM the rest.
 */
import { env } from 'cloudflare:workers';
import type { AppConfig } from '../src/core/config';
import { MAX_STORE_BATCH } from '../src/core/limits';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { SearchRequest } from '../src/durable/rpc/vault-types';
import { createEmbedder } from '../src/embed';
import { CALLER_SUPPLIED_MODEL, type Embedder } from '../src/embed/embedder';
import { corpus, corpusMemory } from './api/corpus';
import { planWindows } from '../src/kronos/plan';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { randomUnitVector } from '../test/helpers/random';

export interface CorpusVaultOptions {
  rows: number;
  dims: number;
  now: number;
  /** The corpus's sentence maker and the vectors' generator, seeded by the bench. */
  sentence: (words: number) => string;
  next: () => number;
}

export async function fillCorpusVault(
  stub: DurableObjectStub<VaultObject>,
  address: VaultAddress,
  { rows, dims, now, sentence, next }: CorpusVaultOptions,
): Promise<void> {
  for (let start = 0; start < rows; start += MAX_STORE_BATCH) {
    const memories = Array.from({ length: Math.min(MAX_STORE_BATCH, rows - start) }, (_, i) => {
      const content = sentence(8 + Math.floor(next() * 12));
      return {
        content,
        role: 'USER' as const,
        metadata: null,
        createdAt: now - (rows - start - i) * 60_000,
        tokens: content.split(' ').length,
        vector: randomUnitVector(next, dims),
        callerVector: true,
      };
    });
    const stored = await stub.store(address, {
      memories,
      model: CALLER_SUPPLIED_MODEL,
      dimensions: dims,
    });
    if (!stored.ok) throw new Error(stored.message);
  }
}

/** A HYBRID search of the corpus's kind: 8–19 of its words and a random query vector. */
export function corpusSearchRequest(
  windows: SearchRequest['windows'],
  vectorWeight: number,
  { dims, sentence, next }: Pick<CorpusVaultOptions, 'dims' | 'sentence' | 'next'>,
): SearchRequest {
  return {
    text: sentence(8 + Math.floor(next() * 12)),
    vector: randomUnitVector(next, dims),
    model: CALLER_SUPPLIED_MODEL,
    mode: 'HYBRID',
    windows,
    metadata: null,
    vectorWeight,
  };
}

/** A SESSION vault (`id`, under `keyId`) filled with the corpus, and its stub. */
export async function loadedCorpusVault(keyId: string, id: string, options: CorpusVaultOptions) {
  const address: VaultAddress = { kind: 'SESSION', keyId, externalId: id };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  await fillCorpusVault(stub, address, options);
  return { address, stub };
}

/** bench:api's HYBRID search windows: WORKING and LONG_TERM, 10 hits each. */
export function twoWindowsOfTen(now: number, bands: AppConfig['bands']): SearchRequest['windows'] {
  return planWindows(
    [
      { window: 'WORKING', limit: 10 },
      { window: 'LONG_TERM', limit: 10 },
    ],
    now,
    bands,
  );
}

/** Stores `memories` in the vault through its RPC, embedded in batches as the API would. */
export async function storeEmbedded(
  stub: DurableObjectStub<VaultObject>,
  address: VaultAddress,
  embedder: Embedder,
  memories: readonly { content: string; createdAt: number }[],
): Promise<void> {
  for (let start = 0; start < memories.length; start += MAX_STORE_BATCH) {
    const batch = memories.slice(start, start + MAX_STORE_BATCH);
    const vectors = await embedder.embedPassages(batch.map((memory) => memory.content));
    const stored = await stub.store(address, {
      memories: batch.map((memory, i) => ({
        content: memory.content,
        role: 'USER' as const,
        metadata: null,
        createdAt: memory.createdAt,
        tokens: memory.content.split(/\s+/).length,
        vector: vectors[i]!,
        callerVector: false,
      })),
      model: embedder.model,
      dimensions: vectors[0]!.length,
    });
    if (!stored.ok) throw new Error(stored.message);
  }
}

/**
 * bench:api's corpus as the deployed local embedder stores it: `rows`
 * memories (their times as bench:api's load gives them, before 2026-01-01)
 * in the SESSION vault `externalId` of key `bench`, then 200 of its queries
 * of 8–19 words with their vectors, drawn from the same stream after the
 * memories.
 */
export async function embeddedApiCorpus(externalId: string, rows: number) {
  const words = corpus();
  const now = Date.UTC(2026, 0, 1);
  const memories = Array.from({ length: rows }, (_, at) => corpusMemory(words, at, now));
  const questions = Array.from({ length: 200 }, () => words.longQuery());
  const embedder = createEmbedder(env);
  const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  await storeEmbedded(stub, address, embedder, memories);
  const vectors = await embedder.embedQueries(questions);
  return { now, questions, vectors, embedder, address, stub };
}
