import { describe, expect, it } from 'vitest';
import { contentKey } from '../src/core/best-by-content';
import { mergedHits } from '../src/durable/vault/merge-windows';
import { cutPackedWindows, packWindows, unpackWindows } from '../src/durable/rpc/packed-windows';
import type { MergedWindow, WindowResult } from '../src/durable/rpc/vault-types';
import type { MemoryWindow } from '../src/kronos/windows';
import { bestFirst, mergeHits } from '../src/resolvers/merge-hits';
import type { VaultAddress } from '../src/vaults/address';
import { seededRandom } from './helpers/random';

const WINDOWS = [
  { window: 'WORKING' as MemoryWindow, limit: 4 },
  { window: 'LONG_TERM' as MemoryWindow, limit: 4 },
];
const vaults: VaultAddress[] = ['a', 'b', 'c'].map((id) => ({
  kind: 'SESSION',
  keyId: 'k',
  externalId: id,
}));

/**
 * Windows full of ties: few distinct scores and creation times, and the
 * same contents (in other cases and spacing) in several vaults and windows.
 * `spread`: more contents than a window's limit, so that some never make
 * the merged list, each window best first as a vault answers it; `tied`
 * keeps the few scores there too (else every score is its own).
 */
function tiedWindows(
  next: () => number,
  vault: number,
  spread = false,
  tied = !spread,
): WindowResult[] {
  const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
  const contents = ['owls hunt', 'Owls hunt ', 'bees dance', 'tides turn', 'moss grows'];
  if (spread) contents.push('owls, hunt!', 'frogs sing', 'ferns uncurl', 'wind blows');
  return WINDOWS.map(({ window }) => {
    const hits = Array.from({ length: 2 + Math.floor(next() * 6) }, (_, at) => {
      const content = pick(contents);
      return {
        memory: {
          id: `m${vault}-${window}-${at}`,
          content,
          role: 'USER' as const,
          metadata: null,
          createdAt: pick([1_000, 2_000]),
          tokens: 1 + Math.floor(next() * 9),
          validUntil: null,
          supersededBy: null,
        },
        score: tied ? pick([0.5, 0.7, 0.9]) : next(),
        window,
        match: { start: 0, end: content.length },
      };
    });
    if (spread) hits.sort((a, b) => b.score - a.score);
    return { window, rowsInWindow: 100, hits };
  });
}

describe('the merge a leading vault bills and cuts (merge-windows.ts)', () => {
  it.each([
    ['ties, every content kept', false, true],
    ['more contents than the limits', true, false],
    ['more contents than the limits, tied scores', true, true],
  ])(
    'bills the tokens of the merged hits, and the cut windows merge to the very same list, in any order of the vaults (%s)',
    (_, spread, tied) => {
      const next = seededRandom(13);
      let handedOn = 0;
      let given = 0;
      for (let trial = 0; trial < 300; trial++) {
        const perVault = vaults.map((_, vault) => tiedWindows(next, vault, spread, tied));
        const merged = mergeHits(
          WINDOWS,
          perVault.map((windows, at) => ({ address: vaults[at]!, windows })),
        );
        // The vaults listed in another order merge to the same list: ties are
        // settled by the hits, not by which vault offered a content first.
        const reversed = mergeHits(
          WINDOWS,
          perVault.map((windows, at) => ({ address: vaults[at]!, windows })).reverse(),
        );
        expect(reversed).toStrictEqual(merged);
        const { memoryTokens, handOn, merged: order } = mergedHits(WINDOWS, perVault);
        expect(memoryTokens).toBe(merged.reduce((sum, hit) => sum + hit.memory.tokens, 0));
        // Cut: each vault's window to a prefix of what the vault answered.
        const cut = perVault.map((windows, vault) =>
          windows.map((window, at) => ({
            ...window,
            hits: window.hits.slice(0, handOn[vault]![at]),
          })),
        );
        const again = mergeHits(
          WINDOWS,
          cut.map((windows, at) => ({ address: vaults[at]!, windows })),
        );
        expect(again).toStrictEqual(merged);
        // The leader's merged order, read from the cut windows as it hands
        // them on, is that list too: the caller need not merge them again.
        const cutWindows = cut.map((windows, at) => ({ address: vaults[at]!, windows }));
        expect(mergeHits(WINDOWS, cutWindows, order)).toStrictEqual(merged);
        // Every content that made the list is handed on by its best hit (as contentKey reads it).
        for (const hit of merged)
          expect(
            cut
              .flat()
              .some((window) => window.hits.some((kept) => kept.memory.id === hit.memory.id)),
          ).toBe(true);
        expect(
          merged.every((hit) =>
            merged.every(
              (other) =>
                hit === other ||
                hit.window !== other.window ||
                contentKey(hit.memory.content) !== contentKey(other.memory.content),
            ),
          ),
        ).toBe(true);
        // With more contents than the limits, the cut hands on less than it was given.
        handedOn += cut.flat().reduce((sum, window) => sum + window.hits.length, 0);
        given += perVault.flat().reduce((sum, window) => sum + window.hits.length, 0);
        // Cut in columns, as a vault hands them on, the same hits.
        const packedCut = perVault.map((windows, vault) =>
          unpackWindows(
            cutPackedWindows(packWindows(windows), (_, at, place) => at < handOn[vault]![place]!),
          ),
        );
        expect(packedCut).toStrictEqual(cut);
        expect(
          mergeHits(
            WINDOWS,
            packedCut.map((windows, at) => ({ address: vaults[at]!, windows })),
            order,
          ),
        ).toStrictEqual(merged);
      }
      if (spread) expect(handedOn).toBeLessThan(given);
      else expect(handedOn).toBeLessThanOrEqual(given);
    },
  );
});

describe("a led search's merged order (merge-windows.ts handedOnHits)", () => {
  const perVault = () => {
    const next = seededRandom(7);
    return vaults.map((_, vault) => tiedWindows(next, vault, true, false));
  };
  const listed = (windows: WindowResult[][]) =>
    windows.map((found, at) => ({ address: vaults[at]!, windows: found }));

  it('is read as handed on, not merged again', () => {
    const windows = perVault();
    const { merged: order } = mergedHits(WINDOWS, windows);
    // Each window's best hit alone: the list is what the order names.
    const firsts = order.map((window) => ({
      ...window,
      vaults: window.vaults.slice(0, 1),
      places: window.places.slice(0, 1),
    }));
    const merged = mergeHits(WINDOWS, listed(windows));
    const read = mergeHits(WINDOWS, listed(windows), firsts);
    expect(read).toHaveLength(WINDOWS.length);
    expect(read).toStrictEqual(
      bestFirst(WINDOWS.map(({ window }) => merged.find((hit) => hit.window === window)!)),
    );
  });

  it.each([
    ['a place past its window', (order: MergedWindow[]) => (order[0]!.places[0] = 99)],
    ['a vault that is not there', (order: MergedWindow[]) => (order[1]!.vaults[0] = 3)],
    ['the windows in another order', (order: MergedWindow[]) => order.reverse()],
    ['a window left out', (order: MergedWindow[]) => void order.pop()],
    ['a vault without its place', (order: MergedWindow[]) => void order[0]!.places.pop()],
  ])('is merged again when the order does not fit the windows (%s)', (_, spoil) => {
    const windows = perVault();
    const { merged: order } = mergedHits(WINDOWS, windows);
    spoil(order);
    expect(mergeHits(WINDOWS, listed(windows), order)).toStrictEqual(
      mergeHits(WINDOWS, listed(windows)),
    );
  });
});

describe('equal scores across vaults (merge-windows.ts)', () => {
  const hit = (content: string, score: number, createdAt: number) => ({
    memory: {
      id: content,
      content,
      role: 'USER' as const,
      metadata: null,
      createdAt,
      tokens: 1,
      validUntil: null,
      supersededBy: null,
    },
    score,
    window: 'WORKING' as MemoryWindow,
    match: { start: 0, end: content.length },
  });
  const window = (hits: ReturnType<typeof hit>[]): WindowResult[] => [
    { window: 'WORKING', rowsInWindow: 100, hits },
  ];

  it("keeps each vault's own order among equal scores, whatever their creation times", () => {
    // HYBRID memories without evidence score 0, each vault ranking them by similarity.
    const merged = mergeHits(
      [{ window: 'WORKING', limit: 5 }],
      [
        {
          address: vaults[0]!,
          windows: window([hit('answer', 0.4, 1), hit('closer', 0, 1), hit('farther', 0, 9)]),
        },
        { address: vaults[1]!, windows: window([hit('core a', 0, 2), hit('core b', 0, 8)]) },
      ],
    );
    // By place in its vault (core a, then closer and core b, the later-stored
    // first), never by time alone: farther, the latest, stays last.
    expect(merged.map((found) => found.memory.content)).toEqual([
      'answer',
      'core a',
      'core b',
      'closer',
      'farther',
    ]);
  });
});
