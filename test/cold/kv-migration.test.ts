import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  ListVaultsDocument,
  MigrateKvVaultsDocument,
  SearchDocument,
} from '../generated/graphql';
import { newKey } from '../helpers/graphql';

const vector = (seed: number) => Array.from({ length: 8 }, (_, i) => Math.sin(seed + i));

describe('migration from the KV era', () => {
  it('imports serialized indexes idempotently, resuming run after run', async () => {
    const { api, admin, keyId, accountId } = await newKey();
    const legacy = (env as unknown as { LEGACY_KV: KVNamespace }).LEGACY_KV;
    const memory = (id: string, content: string, seed: number) => ({
      id,
      content,
      role: 'user',
      metadata: { source: 'kv' },
      timestamp: Date.now() - seed * 3_600_000,
      embedding: vector(seed),
    });
    await legacy.put(
      'tenant-7/core',
      JSON.stringify({
        version: 1,
        model: 'legacy',
        dimensions: 8,
        memories: [
          memory('legacyA1', 'the user speaks Portuguese', 1),
          memory('legacyA2', 'the user has two cats', 2),
        ],
      }),
    );
    await legacy.put(
      'tenant-7/session/alice',
      JSON.stringify({
        version: 1,
        dimensions: 8,
        memories: [memory('legacyB1', 'alice prefers email', 3)],
      }),
    );
    await legacy.put(
      'tenant-7/ephemeral/chat-9',
      JSON.stringify({
        version: 1,
        dimensions: 8,
        memories: [memory('legacyC1', 'asked about invoices', 4), { content: '' }],
      }),
    );
    await legacy.put(
      'tenant-8/core',
      JSON.stringify({ version: 1, dimensions: 8, memories: [memory('other', 'not ours', 5)] }),
    );

    // The operator records which account owns the prefix.
    await legacy.put('memoryrouter-owner:tenant-7/', accountId);
    const run = (limit: number) =>
      admin.request(MigrateKvVaultsDocument, { keyId, prefix: 'tenant-7/', limit });
    const first = (await run(2)).migrateKvVaults;
    expect(first.done).toBe(false);
    expect(first.vaults).toHaveLength(2);
    const second = (await run(2)).migrateKvVaults;
    expect(second.done).toBe(true);
    const all = [...first.vaults, ...second.vaults];
    expect(all.map((vault) => vault.vault).sort()).toEqual([
      'core',
      'ephemeral/chat-9',
      'session/alice',
    ]);
    expect(all.find((vault) => vault.vault === 'ephemeral/chat-9')!.report).toEqual({
      imported: 1,
      skipped: 0,
      failed: 1,
      memoryTokens: 3, // "asked about invoices"
    });

    const vaults = (await api.request(ListVaultsDocument)).vaults.map((vault) => [
      vault.kind,
      vault.externalId,
      vault.memoryCount,
    ]);
    expect(vaults).toEqual(
      expect.arrayContaining([
        ['CORE', null, 2],
        ['SESSION', 'alice', 1],
        ['EPHEMERAL', 'chat-9', 1],
      ]),
    );
    expect(vaults).toHaveLength(3);
    const found = await api.request(SearchDocument, {
      input: { query: 'cats', mode: 'TEXT', windows: [{ window: 'HOT', limit: 5 }] },
    });
    expect(found.search.hits.map((hit) => hit.memory.content)).toEqual(['the user has two cats']);

    // Running it again starts over and changes nothing.
    const again = (await run(10)).migrateKvVaults;
    expect(again.done).toBe(true);
    expect(again.vaults.map((vault) => vault.report.imported)).toEqual([0, 0, 0]);
    const { vault } = await api.request(GetVaultDocument, { selector: { kind: 'CORE' } });
    expect(vault!.memoryCount).toBe(2);
  });
});
