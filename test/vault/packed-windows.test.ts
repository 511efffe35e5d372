import { describe, expect, it } from 'vitest';
import { packWindows, unpackWindows } from '../../src/durable/rpc/packed-windows';
import type { VaultReadOp, WindowResult } from '../../src/durable/rpc/vault-types';
import {
  allTime,
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

type SearchAnswer = { windows: WindowResult[]; packed?: ReturnType<typeof packWindows> };

/** The one search result of a `read` call. */
function searchAnswer(response: unknown): SearchAnswer {
  const { results } = ok(response as { ok: true; results: unknown[] });
  const [result] = results as (SearchAnswer & { ok: boolean; type: string })[];
  expect(result).toMatchObject({ ok: true, type: 'search' });
  return result!;
}

describe('search windows packed into columns for the RPC', () => {
  it('unpack to windows equal to the ones packed, nulls, fractions and empty windows included', () => {
    const windows: WindowResult[] = [
      {
        window: 'WORKING',
        rowsInWindow: 7,
        hits: [
          {
            memory: {
              id: 'a1',
              content: 'tea at four',
              role: 'USER',
              metadata: '{"topic":"tea"}',
              createdAt: 1_764_000_000_123,
              tokens: 3,
              validUntil: 1_764_000_009_999,
              supersededBy: 'b2',
            },
            score: 0.1 + 0.2,
            window: 'WORKING',
            match: { start: 4, end: 11 },
          },
          {
            memory: {
              id: 'b2',
              content: 'coffee at four',
              role: 'ASSISTANT',
              metadata: null,
              createdAt: 1_764_000_010_000,
              tokens: 3,
              validUntil: null,
              supersededBy: null,
            },
            score: -0,
            window: 'WORKING',
            match: { start: 0, end: 14 },
          },
        ],
      },
      { window: 'LONG_TERM', rowsInWindow: 0, hits: [] },
    ];
    const copy = structuredClone(windows);
    expect(unpackWindows(structuredClone(packWindows(windows)))).toStrictEqual(copy);
  });

  it('a vault answers packed only when asked, with the same hits as unpacked', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    ok(
      await vault.store(
        address,
        storeRequest(
          ['the heron waits', 'a heron at dawn', 'herons and egrets', 'the lake at dusk'].map(
            (content) => memory(content),
          ),
        ),
      ),
    );
    const request = searchRequest('heron', [allTime(3), { ...allTime(2), window: 'WORKING' }]);
    const plain = searchAnswer(await vault.read(address, [{ type: 'search', request }]));
    expect(plain.packed).toBeUndefined();
    expect(plain.windows.flatMap((window) => window.hits)).toHaveLength(5);
    const packed = searchAnswer(
      await vault.read(address, [{ type: 'search', request, packed: true }]),
    );
    expect(packed.windows).toEqual([]);
    expect(unpackWindows(packed.packed!)).toStrictEqual(plain.windows);
  });

  it('a billing vault hands its windows over packed when asked, and plain when not', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('owls hunt at night')])));
    const request = searchRequest('owls', [allTime(3)]);
    const handed: { windows: WindowResult[]; packed?: ReturnType<typeof packWindows> }[] = [];
    const op = (packed: boolean, requestId: string): VaultReadOp => ({
      type: 'search',
      request,
      settleMerged: {
        meter: { requestId, accountId: 'acct-packed', keyId: 'key-packed' },
        merged: async (windows, packedWindows) => {
          handed.push({ windows, ...(packedWindows ? { packed: packedWindows } : {}) });
          return 3;
        },
      },
      ...(packed ? { packed: true as const } : {}),
    });
    const asPlain = searchAnswer(await vault.read(address, [op(false, 'req-plain')]));
    const asPacked = searchAnswer(await vault.read(address, [op(true, 'req-packed')]));
    // Settled either way: the answer carries no windows, they were handed over.
    for (const answer of [asPlain, asPacked]) {
      expect(answer).toMatchObject({ settled: true, windows: [] });
      expect(answer.packed).toBeUndefined();
    }
    expect(handed[0]!.packed).toBeUndefined();
    expect(handed[0]!.windows[0]!.hits.map((hit) => hit.memory.content)).toEqual([
      'owls hunt at night',
    ]);
    expect(handed[1]!.windows).toEqual([]);
    expect(unpackWindows(handed[1]!.packed!)).toStrictEqual(handed[0]!.windows);
  });
});
