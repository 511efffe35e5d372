/**
 * bench:api:floor's precomputed search answer (worker.ts answers it; run.ts
 * prints its size): a 2-window × 10-hit search as a vault sends it.
 */
import { corpus } from '../corpus';

/** A search's windows as a vault packs them for the RPC (`PackedWindow`, src/durable/rpc/vault-types.ts). */
export interface PackedWindow {
  window: string;
  rowsInWindow: number;
  ids: string[];
  contents: string[];
  roles: string[];
  metadata: (string | null)[];
  supersededBy: (string | null)[];
  /** Per hit: score, createdAt, tokens, validUntil, match start, match end. */
  numbers: Float64Array;
}

export interface FloorAnswer {
  ok: true;
  windows: never[];
  packed: PackedWindow[];
  stats: Record<string, string | number | boolean | null>;
  elapsedMs: number;
}

const HITS_PER_WINDOW = 10;

/**
 * The answer of a 2-window × 10-hit search as a vault sends it: packed
 * columns with bench:api's corpus sentences as contents, random 16-character
 * ids, six numbers per hit, and the vault's stats. About 4.9 KB as JSON
 * (a real one: 4,881 B, BENCHMARKS.md, i13-vcall2); run.ts prints the size.
 */
export function packedAnswer(): FloorAnswer {
  const words = corpus(7);
  const id = () =>
    btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(12))))
      .replaceAll('+', '-')
      .replaceAll('/', '_');
  const packed = ['WORKING', 'LONG_TERM'].map((window) => {
    const contents = Array.from({ length: HITS_PER_WINDOW }, (_, i) =>
      words.sentence(16 + (i % 6)),
    );
    // score, createdAt, tokens, validUntil (NaN: none), match start, match end
    const numbers = new Float64Array(
      contents.flatMap((content, i) => [
        words.random(),
        1_795_000_000_000 - i * 3_600_000,
        Math.ceil(content.length / 4),
        NaN,
        0,
        content.length,
      ]),
    );
    return {
      window,
      rowsInWindow: 5_000,
      ids: Array.from({ length: HITS_PER_WINDOW }, id),
      contents,
      roles: Array.from({ length: HITS_PER_WINDOW }, () => 'USER'),
      metadata: Array.from({ length: HITS_PER_WINDOW }, () => null),
      supersededBy: Array.from({ length: HITS_PER_WINDOW }, () => null),
      numbers,
    };
  });
  return {
    ok: true,
    windows: [],
    packed,
    stats: {
      kind: 'SESSION',
      externalId: 'bench-a',
      exists: true,
      memoryCount: 10_000,
      storageBytes: 31_457_280,
      embeddingModel: 'local/use-lite-384',
      dimensions: 384,
      lastWriteAt: 1_795_000_000_000,
      expiresAt: null,
      capacity: 250_000,
      reembed: null,
    },
    elapsedMs: 1.2,
  };
}

/** The real Worker's search answer (`{ score memory { id content } }` per hit) built from one. */
export function searchResponse(answer: FloorAnswer) {
  const hits = answer.packed.flatMap((window) =>
    window.ids.map((id, i) => ({
      score: window.numbers[i * 6]!,
      memory: { id: `mem_${window.window.toLowerCase()}_${id}`, content: window.contents[i]! },
    })),
  );
  return { data: { search: { memoryTokens: 420, hits } } };
}

/** JSON bytes of an object call's answer, its numbers as an array (a stand-in for the clone's size). */
export function answerBytes(answer: FloorAnswer): number {
  return JSON.stringify(answer, (_, value: unknown) =>
    value instanceof Float64Array ? [...value] : value,
  ).length;
}
