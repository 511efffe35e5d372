import { describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { newKey, post } from './helpers/graphql';
import { env } from 'cloudflare:workers';
import type { VaultReadOp } from '../src/durable/rpc/vault-types';
import { PhaseTimings } from '../src/resolvers/phase-timings';
import { ReceiptCollector } from '../src/resolvers/receipt';
import { VaultLoader } from '../src/resolvers/vault-loader';
import type { VaultAddress } from '../src/vaults/address';
import { recordVaultCalls } from './helpers/vault-calls';

interface Receipt {
  vaults: { vault: string; calls: number; elapsedMs: number }[];
  windows: { window: string; hits: number }[];
  memoryTokens: number;
}

describe('fan-out', () => {
  it('makes exactly one call per vault object per request, however many windows and fields ask', async () => {
    const { api, secret } = await newKey();
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'core: the wifi password is hunter2' },
        { content: 'core: old note about the wifi router', createdAt: iso(now - 10 * 86_400_000) },
        {
          content: 'session: the wifi in the cabin is slow',
          vault: { kind: 'SESSION', id: 'cabin' },
        },
        {
          content: 'ephemeral: asked about wifi just now',
          vault: { kind: 'EPHEMERAL', id: 'chat-1' },
        },
      ],
    });
    const vaults = `[{ kind: CORE }, { kind: SESSION, id: "cabin" }, { kind: EPHEMERAL, id: "chat-1" }]`;
    const windows = `[{ window: HOT, limit: 3 }, { window: WORKING, limit: 3 }, { window: LONG_TERM, limit: 3 }]`;
    const query = `{
      first: search(input: { query: "wifi", vaults: ${vaults}, windows: ${windows} }) {
        memoryTokens
        hits { window memory { content vault { kind memoryCount } } }
      }
      second: search(input: { query: "router", vaults: ${vaults}, windows: ${windows}, mode: TEXT }) {
        hits { memory { content } }
      }
      core: vault(selector: { kind: CORE }) { memoryCount }
      cabin: vault(selector: { kind: SESSION, id: "cabin" }) { memoryCount }
    }`;
    // Count the calls where they arrive, in the vault objects, not by the server's own receipt.
    const arrived = recordVaultCalls();
    let result;
    try {
      result = await post<{ first: { memoryTokens: number; hits: unknown[] } }>(query, {}, secret);
    } finally {
      arrived.stop();
    }
    expect(result.errors).toBeUndefined();
    // One read per vault for every field; before it, each search by words
    // over several vaults asks each vault for its word statistics (a light
    // call: corpus-statistics.ts), so two searches make two such calls per vault.
    expect(arrived.calls.filter((call) => call.startsWith('read ')).sort()).toEqual([
      'read core',
      'read ephemeral:chat-1',
      'read session:cabin',
    ]);
    expect(arrived.calls.filter((call) => !call.startsWith('read ')).sort()).toEqual([
      'textStatistics core',
      'textStatistics core',
      'textStatistics ephemeral:chat-1',
      'textStatistics ephemeral:chat-1',
      'textStatistics session:cabin',
      'textStatistics session:cabin',
    ]);
    expect(result.data!.first.hits).toHaveLength(4);

    const receipt = result.extensions!.memory as Receipt;
    expect(receipt.vaults.map(({ vault, calls }) => [vault, calls]).sort()).toEqual([
      ['core', 1],
      ['ephemeral:chat-1', 1],
      ['session:cabin', 1],
    ]);
    expect(receipt.windows).toEqual([
      { window: 'HOT', hits: 3 + 0 },
      { window: 'WORKING', hits: 0 },
      { window: 'LONG_TERM', hits: 1 + 1 },
    ]);
    expect(receipt.memoryTokens).toBeGreaterThan(result.data!.first.memoryTokens);
  });

  it("answers one vault's reads while another vault's op is still being made, one call per vault", async () => {
    const { keyId } = await newKey();
    const core: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const session: VaultAddress = { kind: 'SESSION', keyId, externalId: 'held' };
    const timings = new PhaseTimings();
    const loader = new VaultLoader(env, new ReceiptCollector(timings), timings);
    // Stands for a search whose query embedding has not come back yet.
    let makeHeld!: (op: VaultReadOp & { type: 'stats' }) => void;
    const held = new Promise<VaultReadOp & { type: 'stats' }>((resolve) => (makeHeld = resolve));
    // And one whose embedding fails: it fails its read alone.
    let failHeld!: (error: Error) => void;
    const failing = new Promise<VaultReadOp & { type: 'stats' }>(
      (_, reject) => (failHeld = reject),
    );

    const arrived = recordVaultCalls();
    try {
      const waiting = loader.read(session, held);
      const failed = loader.read(session, failing);
      const sibling = loader.read(core, { type: 'get', ids: ['nothing-here'] });
      // Answers while the session's op is held: nothing waits on it.
      expect(await sibling).toEqual({ ok: true, type: 'get', memories: [] });
      expect(arrived.calls).toEqual(['read core']);

      failHeld(new Error('the embedder failed'));
      makeHeld({ type: 'stats' });
      await expect(failed).rejects.toThrow('the embedder failed');
      expect(await waiting).toEqual({ ok: true, type: 'stats' });
      expect(arrived.calls).toEqual(['read core', 'read session:held']);
    } finally {
      arrived.stop();
    }
  });

  it('reports no receipt for a request that read no memory', async () => {
    const { secret } = await newKey();
    const result = await post('{ me { id } }', {}, secret);
    expect(result.extensions?.memory).toBeUndefined();
  });
});
