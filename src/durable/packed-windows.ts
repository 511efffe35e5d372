import type { MemoryWindow } from '../kronos/windows';
import type { Role } from '../vaults/roles';
import type { SearchHitRecord, WindowResult } from './vault-types';

/**
 * A search's windows as they cross the Worker ⇄ vault RPC when the Worker
 * asks for them packed (`VaultReadOp.packed`): one array per field instead of
 * one object per hit and per memory. Structured clone writes every property
 * name of every object it copies and rebuilds the objects one property at a
 * time on the other side; columns cost a few arrays per window, whatever the
 * number of hits. Nothing is rounded: numbers travel as float64, strings and
 * nulls as they are, so unpacking gives back equal windows.
 */
export interface PackedWindow {
  window: MemoryWindow;
  rowsInWindow: number;
  ids: string[];
  contents: string[];
  roles: Role[];
  metadata: (string | null)[];
  supersededBy: (string | null)[];
  /** Per hit: score, createdAt, tokens, validUntil (NaN for null), match start, match end. */
  numbers: Float64Array;
}

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
      numbers,
    };
  });
}

export function unpackWindows(packed: readonly PackedWindow[]): WindowResult[] {
  return packed.map(
    ({ window, rowsInWindow, ids, contents, roles, metadata, supersededBy, numbers }) => {
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
        };
      });
      return { window, hits, rowsInWindow };
    },
  );
}
