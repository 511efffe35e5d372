/**
 * bench:api's synthetic corpus: sentences over a fixed 84-word vocabulary
 * from a seeded linear congruential generator, so every run stores and asks
 * the same. Shared by `bench/api/run.ts` (through the API) and
 * `bench/hybrid-search.bench.ts` (the same search inside the vault object).
 *
 * One generator is one stream: run.ts draws the memories it loads and then
 * its queries from the same stream, in that order.
 */
const WORDS = (
  'meeting project budget deadline coffee garden holiday train flight hotel doctor dentist ' +
  'birthday present recipe dinner lunch breakfast piano guitar lesson school teacher exam ' +
  'invoice payment contract client office laptop phone charger password router wifi cabin ' +
  'lake mountain river boat bicycle car garage insurance rent landlord kitchen sofa paint ' +
  'dog cat vet walk park running marathon shoes jacket rain snow summer winter spring autumn ' +
  'sister brother mother father friend neighbour colleague manager team release server bug'
).split(' ');

export const DAY = 86_400_000;

export interface Corpus {
  /** The next number in [0, 1). */
  random(): number;
  /** `n` words drawn from the vocabulary. */
  sentence(n: number): string;
  /** A query as bench:api sends it: 8–19 words. */
  longQuery(): string;
}

export function corpus(seed = 42): Corpus {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const pick = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');
  return { random, sentence, longQuery: () => sentence(8 + Math.floor(random() * 12)) };
}

/**
 * The memory at position `at` of a load of batches of 100 (bench:api's
 * `load`): its content from the stream, stored 0–59 days before `now`.
 */
export function corpusMemory(
  words: Corpus,
  at: number,
  now: number,
): { content: string; createdAt: number } {
  const batch = Math.floor(at / 100);
  const i = at % 100;
  return {
    content: words.sentence(8 + ((batch + i) % 12)),
    createdAt: now - ((batch * 100 + i) % 60) * DAY - 60_000,
  };
}

/** A `storeMemories` input as bench:api's loads send it. */
export interface CorpusInput {
  vault: { kind: string; id: string };
  content: string;
  createdAt: string;
}

/**
 * Loads `count` memories of the corpus into `vault` as bench:api does:
 * batches of 100 (the last one shorter), `inFlight` of them sent at a time
 * through `store`. Each batch's memories are drawn from the stream when its
 * turn comes, so the loads of every bench draw the same memories in the
 * same order, whatever their concurrency.
 */
export async function loadCorpus(
  words: Corpus,
  vault: CorpusInput['vault'],
  { count, now, inFlight }: { count: number; now: number; inFlight: number },
  store: (inputs: CorpusInput[]) => Promise<unknown>,
): Promise<void> {
  const batches = Math.ceil(count / 100);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches) {
        const batch = next++;
        const inputs = Array.from({ length: Math.min(100, count - batch * 100) }, (_, i) => {
          const { content, createdAt } = corpusMemory(words, batch * 100 + i, now);
          return { vault, content, createdAt: new Date(createdAt).toISOString() };
        });
        await store(inputs);
      }
    }),
  );
}
