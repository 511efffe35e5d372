import type { MemoryKeyRecord } from '../../durable/rpc/account-types';
import { importMemories, type ImportReport } from '../import-memories';
import type { AdminContext, MeteredContext } from '../request-context';
import { toBase64Url } from '../../core/encoding';
import { vaultAddress, type VaultKind } from '../../vaults/address';

/**
 * Migration from the KV era, when each vault was one serialized index in a KV
 * namespace (bound as LEGACY_KV). Expected layout:
 *
 *   key:   {prefix}core | {prefix}session/{sessionId} | {prefix}ephemeral/{conversationId}
 *   value: {"version": 1, "model": "…", "dimensions": 384,
 *           "memories": [{"id": "…", "content": "…", "role": "user",
 *                         "metadata": {…}, "timestamp": 1764000000000,
 *                         "embedding": [0.1, …] | "<base64url float32>"}]}
 *
 * Each KV vault goes through the same path as a JSONL import into the vault
 * of the given memory key, ids kept, so running it again skips what is there
 * (idempotent). A run handles at most `limit` KV keys and returns a cursor to
 * resume from; the account object remembers it, so a run that died is resumed
 * by simply running again.
 */
export interface KvMigrationRun {
  vaults: { kvKey: string; vault: string; report: ImportReport }[];
  done: boolean;
  cursor: string | null;
}

/**
 * The KV key under which the operator records the account that owns a
 * prefix (its value is the account id). Kept outside any tenant prefix.
 */
export function kvOwnerKey(prefix: string): string {
  return `memoryrouter-owner:${prefix}`;
}

interface LegacyIndex {
  memories?: unknown;
}

const NAME = /^(core|session\/(.+)|ephemeral\/(.+))$/;

function vaultOf(name: string): { kind: VaultKind; id: string | null } | null {
  const match = NAME.exec(name);
  if (match === null) return null;
  if (match[1] === 'core') return { kind: 'CORE', id: null };
  return match[2] !== undefined
    ? { kind: 'SESSION', id: match[2] }
    : { kind: 'EPHEMERAL', id: match[3]! };
}

/** One legacy memory as an import line (the import path validates it). */
function asLine(memory: unknown): string {
  if (typeof memory !== 'object' || memory === null) return JSON.stringify(memory);
  const { embedding, ...rest } = memory as { embedding?: unknown };
  const encoded =
    Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')
      ? toBase64Url(new Uint8Array(Float32Array.from(embedding as number[]).buffer))
      : embedding;
  return JSON.stringify({ ...rest, ...(encoded === undefined ? {} : { embedding: encoded }) });
}

export async function migrateKvVaults(
  context: AdminContext,
  kv: KVNamespace,
  key: MemoryKeyRecord,
  prefix: string,
  cursor: string | null,
  limit: number,
): Promise<KvMigrationRun> {
  // The import path acts as the key whose vaults receive the data, billed
  // to the admin's own account.
  const asKey: MeteredContext = {
    ...context,
    principal: { kind: 'key', accountId: context.principal.accountId, key, status: 'active' },
  };
  const page = await kv.list({ prefix, limit, ...(cursor ? { cursor } : {}) });
  const vaults: KvMigrationRun['vaults'] = [];
  for (const { name } of page.keys) {
    const target = vaultOf(name.slice(prefix.length));
    if (target === null) continue;
    const index = await kv.get<LegacyIndex>(name, 'json');
    const memories = Array.isArray(index?.memories) ? index.memories : [];
    const address = vaultAddress(key.id, target.kind, target.id);
    const report = await importMemories(
      asKey,
      address,
      (async function* () {
        for (const [index, memory] of memories.entries())
          yield { number: index + 1, text: asLine(memory) };
      })(),
    );
    vaults.push({ kvKey: name, vault: name.slice(prefix.length), report });
  }
  return { vaults, done: page.list_complete, cursor: page.list_complete ? null : page.cursor };
}
