import { describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  ListVaultsDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from '../generated/graphql';
import { newKey, post } from '../helpers/graphql';
import { MAX_METADATA_BYTES, MAX_METADATA_DEPTH } from '../../src/core/limits';
import { VaultObject } from '../../src/durable/vault/vault-object';
import type { VaultAddress } from '../../src/vaults/address';

type Key = Awaited<ReturnType<typeof newKey>>;
type Input = Record<string, unknown>;

const SESSIONS = ['a', 'b', 'c'] as const;
const vault = (id: string) => ({ kind: 'SESSION' as const, id });

/** Metadata nested `depth` levels deep: {"n": {"n": … {}}}. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { n: value };
  return value;
}

/** Everything a client can see of the three vaults: each one's count, last write and listing. */
async function vaultsOf(api: Key['api']) {
  const seen: Record<string, unknown> = {};
  for (const id of SESSIONS) {
    const { vault: found } = await api.request(GetVaultDocument, {
      selector: vault(id),
      first: 100,
      order: 'OLDEST_FIRST',
    });
    seen[id] =
      found === null || found === undefined
        ? null
        : {
            memoryCount: found.memoryCount,
            lastWriteAt: found.lastWriteAt,
            memories: found.memories.edges.map((edge) => [edge.node.id, edge.node.content]),
          };
  }
  const { vaults } = await api.request(ListVaultsDocument, {});
  return { seen, listed: vaults.map((found) => found.id) };
}

/** Ten inputs over the three vaults (round robin), with `bad` at inputs[7]. */
function batchWith(bad: Input): Input[] {
  return Array.from({ length: 10 }, (_, index) =>
    index === 7
      ? { vault: vault('a'), ...bad }
      : { content: `batch memory ${index}`, vault: vault(SESSIONS[index % 3]!) },
  );
}

describe('a storeMemories batch over several vaults', () => {
  it('refuses one bad input by the caller’s index, and no vault changes', async () => {
    const key = await newKey();
    // Vault a holds memories (its dimensions are fixed); b and c were never written.
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'an earlier memory', vault: vault('a') },
        { content: 'another earlier memory', vault: vault('a') },
      ],
    });
    const before = await vaultsOf(key.api);
    expect(before.seen).toMatchObject({ a: { memoryCount: 2 }, b: null, c: null });

    const cases: [string, Input, string, string, string][] = [
      [
        'metadata over the size limit',
        { content: 'x', metadata: { blob: 'y'.repeat(MAX_METADATA_BYTES) } },
        'metadata',
        'PAYLOAD_TOO_LARGE',
        'METADATA_TOO_LARGE',
      ],
      [
        'metadata nested too deep',
        { content: 'x', metadata: nested(MAX_METADATA_DEPTH + 1) },
        'metadata',
        'BAD_USER_INPUT',
        'METADATA_TOO_DEEP',
      ],
      [
        'metadata that is a list',
        { content: 'x', metadata: [1, 2] },
        'metadata',
        'BAD_USER_INPUT',
        'INVALID_METADATA',
      ],
      ['empty content', { content: '  ' }, 'content', 'BAD_USER_INPUT', 'EMPTY_CONTENT'],
      [
        'a time in the future',
        { content: 'x', createdAt: new Date(Date.now() + 86_400_000).toISOString() },
        'createdAt',
        'BAD_USER_INPUT',
        'CREATED_AT_RANGE',
      ],
      [
        'the zero vector',
        { content: 'x', embedding: [0, 0, 0] },
        'embedding',
        'BAD_USER_INPUT',
        'EMBEDDING_ZERO',
      ],
      [
        'an invalid session id',
        { content: 'x', vault: { kind: 'SESSION', id: 'no spaces' } },
        'vault',
        'BAD_USER_INPUT',
        'BAD_USER_INPUT',
      ],
      // Only vault a knows this one: it holds the deployment's vectors, so
      // it refuses the caller's own. Every vault is asked before any writes,
      // so b and c stay untouched too.
      [
        'a caller’s vector into a vault of the deployment’s',
        { content: 'x', embedding: [0.1, 0.2, 0.3] },
        'embedding',
        'BAD_USER_INPUT',
        'EMBEDDING_MISMATCH',
      ],
    ];
    for (const [label, bad, field, code, reason] of cases) {
      const result = await post(StoreMemoriesDocument, { inputs: batchWith(bad) }, key.secret);
      expect(result.data ?? null, label).toBeNull();
      const [error] = result.errors ?? [];
      expect(error?.message, label).toMatch(new RegExp(`^inputs\\[7\\]\\.${field}: `));
      expect(error?.extensions, label).toMatchObject({ code });
      if (reason !== code) expect(error?.extensions?.reason, label).toBe(reason);
      expect(await vaultsOf(key.api), label).toEqual(before);
    }
  });

  it('refuses a share that does not fit its vault, naming the first input without room', async () => {
    const key = await newKey();
    // Vault c holds 298 of its 300 memories (VAULT_MAX_MEMORIES in the tests).
    const embedding = [0.5, 0.1, 0.2, 0.3];
    for (let start = 0; start < 298; start += 100) {
      await key.api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: Math.min(100, 298 - start) }, (_, i) => ({
          content: `filler ${start + i}`,
          vault: vault('c'),
          embedding,
        })),
      });
    }
    const before = await vaultsOf(key.api);
    // c's share is inputs 1, 4 and 7: the third has no room.
    const inputs = Array.from({ length: 9 }, (_, index) => ({
      content: `batch memory ${index}`,
      vault: vault(SESSIONS[(index + 1) % 3]!),
      embedding,
    }));
    const result = await post(StoreMemoriesDocument, { inputs }, key.secret);
    expect(result.errors?.[0]?.message).toMatch(/^inputs\[7\]: vault is full/);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'VAULT_FULL',
    });
    expect(await vaultsOf(key.api)).toEqual(before);

    // Without the input that did not fit, the batch goes through whole.
    const stored = await post(
      StoreMemoriesDocument,
      { inputs: inputs.filter((_, index) => index !== 7) },
      key.secret,
    );
    expect(stored.errors).toBeUndefined();
    const after = await vaultsOf(key.api);
    expect(after.seen).toMatchObject({
      a: { memoryCount: 3 },
      b: { memoryCount: 3 },
      c: { memoryCount: 300 },
    });
  });

  it('takes back the shares already written when a vault refuses at write time', async () => {
    const key = await newKey();
    // Vault c is full: 300 of its 300 memories (VAULT_MAX_MEMORIES in the tests).
    const embedding = [0.5, 0.1, 0.2, 0.3];
    for (let start = 0; start < 300; start += 100) {
      await key.api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: 100 }, (_, i) => ({
          content: `filler ${start + i}`,
          vault: vault('c'),
          embedding,
        })),
      });
    }
    const before = await vaultsOf(key.api);
    // The race storeMemories cannot prevent: c says yes when the batch is
    // checked, then another write takes its last slot before this one lands.
    // Vault objects run in this isolate, so c's check can answer as it would
    // have a moment earlier; its write then refuses for real.
    const prototype = VaultObject.prototype as unknown as {
      check(this: VaultObject, address: VaultAddress, plan: unknown): Promise<unknown>;
    };
    const check = prototype.check;
    prototype.check = async function (address, plan) {
      return address.externalId === 'c' ? { ok: true } : check.call(this, address, plan);
    };
    let result: Awaited<ReturnType<typeof post>>;
    try {
      result = await post(
        StoreMemoriesDocument,
        {
          inputs: SESSIONS.map((id) => ({
            content: `batch memory for ${id}`,
            vault: vault(id),
            embedding,
          })),
        },
        key.secret,
      );
    } finally {
      prototype.check = check;
    }
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/^inputs\[2\]: vault is full/);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'VAULT_FULL',
    });
    // No memory of the refused batch stays behind in a or b (they were written
    // first, then taken back), and c is as it was.
    const after = await vaultsOf(key.api);
    for (const id of ['a', 'b']) {
      expect((after.seen[id] ?? { memories: [] }) as object, id).toMatchObject({ memories: [] });
    }
    expect(after.seen.c).toEqual(before.seen.c);
  });

  it('names the one input of storeMemory as `input`', async () => {
    const key = await newKey();
    const result = await post(
      StoreMemoryDocument,
      { input: { content: 'x', metadata: nested(MAX_METADATA_DEPTH + 1) } },
      key.secret,
    );
    expect(result.errors?.[0]?.message).toBe(
      `input.metadata: metadata nests deeper than ${MAX_METADATA_DEPTH} levels`,
    );
  });

  it('keeps metadata at the depth limit, and metadata filters keep working', async () => {
    const key = await newKey();
    const deep = { topic: 'deep', tree: nested(MAX_METADATA_DEPTH - 1) };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'the deep one', metadata: deep },
        { content: 'the shallow one', metadata: { topic: 'shallow' } },
      ],
    });
    const { search } = await key.api.request(SearchDocument, {
      input: { query: 'one', mode: 'TEXT', metadata: { topic: 'deep' } },
    });
    expect(search.hits.map((hit) => [hit.memory.content, hit.memory.metadata])).toEqual([
      ['the deep one', deep],
    ]);
  });
});
