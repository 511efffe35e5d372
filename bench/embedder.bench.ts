/**
 * The offline embedder inside workerd: the cost it adds to each search (one
 * query embedding) and to each store (one passage embedding), and the one-time
 * load of its table.
 *
 * workerd's clock ticks in whole milliseconds, so a sample is the mean of a
 * batch of BATCH consecutive embeddings of different texts; p50 and p99 are
 * taken over those samples.
 */
import { it } from 'vitest';
import { StaticTableModel } from '../src/embed/static-table';
import { UseLiteEmbedder } from '../src/embed/use-lite';
import { seededRandom } from '../test/helpers/random';

const BATCH = 200;
const SAMPLES = 60;

const SUBJECTS = ['Caroline', 'my sister', 'the team', 'Melanie', 'our neighbour', 'John'];
const VERBS = ['research', 'paint', 'visit', 'buy', 'learn about', 'recommend', 'cook'];
const OBJECTS = [
  'adoption agencies',
  'a sunset over the lake',
  'the pottery class',
  'a new camping tent',
  'counselling courses',
  'the charity race',
  'vegetarian lasagne',
];
const WHEN = ['last week', 'in May 2023', 'after the concert', 'before her trip', 'yesterday'];

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

it('offline embedder (USE-lite table), per text', async () => {
  const next = seededRandom(2026);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const queries = Array.from(
    { length: 500 },
    () => `What did ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(WHEN)}, and why ${pick(OBJECTS)}?`,
  );
  const memories = Array.from(
    { length: 500 },
    () =>
      `${pick(SUBJECTS)}: I finally managed to ${pick(VERBS)} ${pick(OBJECTS)} ${pick(WHEN)}! ` +
      `It took a while, but ${pick(SUBJECTS)} helped me with ${pick(OBJECTS)} and it was worth it.`,
  );
  const longMemory = Array.from({ length: 200 }, () => memories[Math.floor(next() * 500)]).join(
    ' ',
  );

  const embedder = new UseLiteEmbedder();
  let started = performance.now();
  await embedder.embedQueries(['first call loads the table']);
  const firstCall = performance.now() - started;
  // What an isolate pays once in production: parsing the table, building the trie.
  const { default: table } = await import('../src/embed/use-lite/use-lite-static-384.bin');
  const parses: number[] = [];
  for (let i = 0; i < 5; i++) {
    started = performance.now();
    new StaticTableModel(table);
    parses.push(performance.now() - started);
  }

  const sample = async (texts: string[], embed: (text: string) => Promise<unknown>) => {
    const samples: number[] = [];
    let t = 0;
    for (let s = 0; s < SAMPLES; s++) {
      started = performance.now();
      for (let b = 0; b < BATCH; b++) await embed(texts[t++ % texts.length]!);
      samples.push((performance.now() - started) / BATCH);
    }
    return samples;
  };
  const query = await sample(queries, (text) => embedder.embedQueries([text]));
  const passage = await sample(memories, (text) => embedder.embedPassages([text]));
  started = performance.now();
  for (let i = 0; i < 20; i++) await embedder.embedPassages([longMemory]);
  const long = (performance.now() - started) / 20;

  const ms = (value: number) => `${value.toFixed(3)} ms`;
  console.log(
    [
      '',
      `MemoryRouter embedder benchmark — ${embedder.model}, ${embedder.dimensions} dimensions, inside workerd`,
      `  query (~15 words)          p50 ${ms(percentile(query, 50))}   p99 ${ms(percentile(query, 99))}`,
      `  memory (~35 words)         p50 ${ms(percentile(passage, 50))}   p99 ${ms(percentile(passage, 99))}`,
      `  long memory (${(longMemory.length / 1024).toFixed(0)} KiB)      mean ${ms(long)}`,
      `  table parse + trie build   p50 ${ms(percentile(parses, 50))}   (once per isolate)`,
      `  first call in this pool    ${ms(firstCall)}   (includes the test pool shipping the 3 MB module)`,
      `  (samples are means of ${BATCH} consecutive embeddings; workerd's clock has 1 ms resolution)`,
      '',
    ].join('\n'),
  );
});
