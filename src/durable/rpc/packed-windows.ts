/** Packs and unpacks a search's windows for the vault RPC (the shape and why: `PackedWindow`, vault-types.ts). */
import type { PackedWindow, SearchHitRecord, WindowResult } from './vault-types';

const NUMBERS_PER_HIT = 6;

export function packWindows(windows: readonly WindowResult[]): PackedWindow[] {
  return windows.map(({ window, rowsInWindow, hits }) => {
    const numbers = new Float64Array(hits.length * NUMBERS_PER_HIT);
    hits.forEach(({ score, memory, match }, at) => {
      numbers.set(
        [score, memory.createdAt, memory.tokens, memory.validUntil ?? NaN, match.start, match.end],
        at * NUMBERS_PER_HIT,
      );
    });
    return {
      window,
      rowsInWindow,
      ids: hits.map((hit) => hit.memory.id),
      contents: hits.map((hit) => hit.memory.content),
      roles: hits.map((hit) => hit.memory.role),
      metadata: hits.map((hit) => hit.memory.metadata),
      supersededBy: hits.map((hit) => hit.memory.supersededBy ?? null),
      outdated: hits.map((hit) => hit.outdated ?? null),
      numbers,
    };
  });
}

export function unpackWindows(packed: readonly PackedWindow[]): WindowResult[] {
  return packed.map(
    ({ window, rowsInWindow, ids, contents, roles, metadata, supersededBy, outdated, numbers }) => {
      const hits: SearchHitRecord[] = ids.map((id, at) => {
        const base = at * NUMBERS_PER_HIT;
        const validUntil = numbers[base + 3]!;
        return {
          memory: {
            id,
            content: contents[at]!,
            role: roles[at]!,
            metadata: metadata[at]!,
            createdAt: numbers[base + 1]!,
            tokens: numbers[base + 2]!,
            validUntil: Number.isNaN(validUntil) ? null : validUntil,
            supersededBy: supersededBy[at]!,
          },
          score: numbers[base]!,
          window,
          match: { start: numbers[base + 4]!, end: numbers[base + 5]! },
          ...(outdated?.[at] ? { outdated: outdated[at] } : {}),
        };
      });
      return { window, hits, rowsInWindow };
    },
  );
}

/**
 * Packed windows cut to the hits `keep` takes (by window, position, and the
 * window's place in `packed`, which is its place in `unpackWindows`'
 * answer), columns and all.
 */
export function cutPackedWindows(
  packed: readonly PackedWindow[],
  keep: (window: PackedWindow, at: number, place: number) => boolean,
): PackedWindow[] {
  return packed.map((window, place) => {
    const kept: number[] = [];
    window.ids.forEach((_, at) => {
      if (keep(window, at, place)) kept.push(at);
    });
    if (kept.length === window.ids.length) return window;
    const numbers = new Float64Array(kept.length * NUMBERS_PER_HIT);
    kept.forEach((from, to) =>
      numbers.set(
        window.numbers.subarray(from * NUMBERS_PER_HIT, (from + 1) * NUMBERS_PER_HIT),
        to * NUMBERS_PER_HIT,
      ),
    );
    const pick = <T>(column: readonly T[]) => kept.map((at) => column[at]!);
    return {
      window: window.window,
      rowsInWindow: window.rowsInWindow,
      ids: pick(window.ids),
      contents: pick(window.contents),
      roles: pick(window.roles),
      metadata: pick(window.metadata),
      supersededBy: pick(window.supersededBy),
      ...(window.outdated ? { outdated: pick(window.outdated) } : {}),
      numbers,
    };
  });
}
