import { env } from 'cloudflare:workers';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import { HashedEmbedder } from './hashed-embedder';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { VaultMeta } from '../../src/durable/warm-tier/vault-meta';
import { vaultObjectName, type VaultAddress, type VaultKind } from '../../src/vaults/address';
import type {
  Metadata,
  NewMemory,
  Role,
  SearchMode,
  SearchRequest,
  WindowSearch,
} from '../../src/durable/rpc/vault-types';
import type { MemoryWindow } from '../../src/kronos/windows';

export const embedder = new HashedEmbedder();

let counter = 0;
/** A fresh vault address per call: storage is shared within a test file. */
export function freshAddress(kind: VaultKind = 'CORE', externalId?: string): VaultAddress {
  counter += 1;
  const keyId = `k${Date.now().toString(36)}${counter}`;
  return { kind, keyId, externalId: kind === 'CORE' ? null : (externalId ?? `x${counter}`) };
}

export function vaultStub(address: VaultAddress) {
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
}

/**
 * After a test wrote a vault's meta table beneath it (runInDurableObject):
 * the object decodes the table again on its next call, where it would
 * otherwise answer the record it keeps between its own writes (vault-meta.ts).
 */
export function forgetKeptMeta(object: unknown): void {
  (object as { meta: { forget(): void } }).meta.forget();
}

/**
 * The one way a test writes a live vault object's meta table beneath it (as
 * time passing would: something due now, a write long ago): `write` gets the
 * raw SQL storage and a typed VaultMeta over the same table, and the object
 * forgets the record it keeps afterwards, even if `write` threw. Lint
 * (eslint.config.js, test/) refuses meta writes anywhere else in test/.
 */
export function writeMetaBeneath<T>(
  object: unknown,
  state: DurableObjectState,
  write: (storage: { sql: SqlStorage; meta: VaultMeta }) => T,
): T {
  try {
    return write({
      sql: state.storage.sql,
      meta: new VaultMeta(new MetaTable(new Sql(state.storage.sql))),
    });
  } finally {
    forgetKeptMeta(object);
  }
}

/** The R2 keys of a vault's snapshots, oldest first (names carry the object's id only). */
export async function snapshotKeys(address: VaultAddress): Promise<string[]> {
  const prefix = `vaults/${env.VAULT.idFromName(vaultObjectName(address)).toString()}/snapshots/`;
  const listed = await env.SNAPSHOTS.list({ prefix });
  return listed.objects.map((object) => object.key).sort();
}

export function memory(
  content: string,
  options: {
    createdAt?: number;
    role?: Role;
    metadata?: Metadata | null;
    vector?: number[];
  } = {},
): NewMemory {
  return {
    content,
    role: options.role ?? 'USER',
    metadata: options.metadata ? JSON.stringify(options.metadata) : null,
    createdAt: options.createdAt ?? Date.now(),
    tokens: content.split(/\s+/).length,
    vector: options.vector ?? embedder.embedOne(content),
    callerVector: options.vector !== undefined,
  };
}

export function storeRequest(memories: NewMemory[]) {
  return { memories, model: embedder.model, dimensions: embedder.dimensions };
}

/** One window covering all of time up to `until`. */
export function allTime(limit = 10, until = Date.now() + 1): WindowSearch {
  return { window: 'ARCHIVE' as MemoryWindow, after: null, until, limit };
}

export function searchRequest(
  text: string,
  windows: WindowSearch[],
  options: {
    mode?: SearchMode;
    metadata?: SearchRequest['metadata'];
    keepUnmatched?: boolean;
  } = {},
): SearchRequest {
  return {
    text,
    vector: embedder.embedOne(text),
    model: embedder.model,
    mode: options.mode ?? 'HYBRID',
    windows,
    metadata: options.metadata ?? null,
    vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
    ...(options.keepUnmatched ? { keepUnmatched: true } : {}),
  };
}

/** Asserts an RPC result succeeded and returns it narrowed. */
export function ok<T>(result: T): Extract<T, { ok: true }> {
  if (!(result as { ok: boolean }).ok) {
    const { code, message } = result as unknown as { code: string; message: string };
    throw new Error(`expected ok, got ${code}: ${message}`);
  }
  return result as Extract<T, { ok: true }>;
}

/** Asserts an RPC result failed and returns its code, reason and message. */
export function failed(result: { ok: boolean }): {
  code: string;
  reason?: string;
  message: string;
} {
  if (result.ok) throw new Error('expected a failure, got ok');
  return result as unknown as { code: string; reason?: string; message: string };
}
