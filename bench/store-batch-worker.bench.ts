/**
 * The Worker's own share of a bulk `storeMemories` batch of 100, inside
 * workerd (`npm run bench -- store-batch-worker`): the pieces a batch pays
 * before and after its vault call, each measured apart, and the whole request
 * through the Worker's fetch with its Server-Timing phases. The batches are
 * bench:api's load (bench/api/corpus.ts: 8–19 words, spread over 60 days).
 *
 * Paired variants run in turns within one run; workerd's clock ticks coarsely,
 * so a sample is the mean over many batches, and figures are medians.
 */
import { exports } from 'cloudflare:workers';
import { getOperationAST, parse } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { it } from 'vitest';
import { countTokens } from '../src/core/tokens';
import { embedPassageVectors } from '../src/embed/memory-vectors';
import { UseLiteEmbedder } from '../src/embed/use-lite';
import { useVaultReadLimit } from '../src/http/graphql/use-vault-read-limit';
import { schema } from '../src/schema';
import { newKey } from '../test/helpers/graphql';
import { corpus, corpusMemory } from './api/corpus';

const BATCHES = 40;
const SAMPLES = 15;
const WARM_UP = 3;
const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** bench:api's batches of 100, as its client sends them. */
function loadBatches(count: number, vault: string) {
  const words = corpus();
  const now = Date.now();
  return Array.from({ length: count }, (_, batch) =>
    Array.from({ length: 100 }, (_, i) => {
      const { content, createdAt } = corpusMemory(words, batch * 100 + i, now);
      return {
        vault: { kind: 'SESSION', id: vault },
        content,
        createdAt: new Date(createdAt).toISOString(),
      };
    }),
  );
}

/** Mean milliseconds per batch of `run` over every batch, SAMPLES times; the median. */
async function perBatch<T>(batches: T[], run: (batch: T) => unknown): Promise<number> {
  const samples: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    const started = performance.now();
    for (const batch of batches) await run(batch);
    samples.push((performance.now() - started) / batches.length);
  }
  return median(samples);
}

it('a batch of 100: the Worker side, piece by piece', async () => {
  const batches = loadBatches(BATCHES, 'pieces');
  const texts = batches.map((batch) => batch.map(({ content }) => content));

  // Variable coercion of the 100 StoreMemoryInput objects against the real
  // schema (graphql-js, the DateTime scalar of graphql-scalars), with and
  // without the fields that parse per value.
  const operation = getOperationAST(parse(STORE))!;
  const coerce = (inputs: unknown[]) => {
    const coerced = getVariableValues(schema, operation.variableDefinitions!, { inputs });
    if (coerced.errors) throw coerced.errors[0]!;
  };
  const contentOnly = batches.map((batch) => batch.map(({ content }) => ({ content })));
  const withVault = batches.map((batch) => batch.map(({ content, vault }) => ({ content, vault })));
  const withCreatedAt = batches.map((batch) =>
    batch.map(({ content, createdAt }) => ({ content, createdAt })),
  );
  const coercion = {
    full: [] as number[],
    contentOnly: [] as number[],
    withVault: [] as number[],
    withCreatedAt: [] as number[],
  };
  for (let turn = 0; turn < 3; turn++) {
    coercion.full.push(await perBatch(batches, coerce));
    coercion.contentOnly.push(await perBatch(contentOnly, coerce));
    coercion.withVault.push(await perBatch(withVault, coerce));
    coercion.withCreatedAt.push(await perBatch(withCreatedAt, coerce));
  }

  // The vault read limit's look at the operation before it runs: it used to
  // coerce every variable first (the same work as execution's coercion,
  // above); it now coerces them only for a field that reads vaults.
  const document = parse(STORE);
  const onExecute = useVaultReadLimit().onExecute!;
  const limit = (inputs: unknown[]) =>
    onExecute({
      args: { schema, document, variableValues: { inputs } },
      setResultAndStopExecution: () => {
        throw new Error('a batch of 100 stores reads no vault');
      },
    } as unknown as Parameters<typeof onExecute>[0]);
  const readLimit = { coercingFirst: [] as number[], now: [] as number[] };
  for (let turn = 0; turn < 3; turn++) {
    readLimit.coercingFirst.push(
      await perBatch(batches, (inputs) => {
        coerce(inputs);
        return limit(inputs);
      }),
    );
    readLimit.now.push(await perBatch(batches, limit));
  }

  await countTokens('load the encoding');
  const tokens = await perBatch(texts, (batch) =>
    Promise.all(batch.map((text) => countTokens(text))),
  );

  const embedder = new UseLiteEmbedder();
  await embedder.embedPassages(['load the table']);
  const embed = await perBatch(texts, (batch) => embedder.embedPassages(batch));
  const embedAsStored = await perBatch(texts, (batch) => embedPassageVectors(embedder, batch));

  console.log(
    [
      'per batch of 100 (ms, medians of turns):',
      `  coerce variables: ${median(coercion.full).toFixed(3)} (content only: ${median(coercion.contentOnly).toFixed(3)}; ` +
        `content and vault: ${median(coercion.withVault).toFixed(3)}; content and createdAt: ${median(coercion.withCreatedAt).toFixed(3)})`,
      `  vault read limit before execution: coercing the variables first ${median(readLimit.coercingFirst).toFixed(3)}, now ${median(readLimit.now).toFixed(3)}`,
      `  count tokens: ${tokens.toFixed(3)}`,
      `  embed (USE-lite): ${embed.toFixed(3)}; as a store embeds (chunk spans, then vectors): ${embedAsStored.toFixed(3)}`,
    ].join('\n'),
  );
});

it('a batch of 100 through the Worker: Server-Timing phases', async () => {
  const { secret } = await newKey();
  const batches = loadBatches(BATCHES * 2 + WARM_UP, 'request');
  const sums = new Map<string, number>();
  let started = performance.now();
  for (const [at, inputs] of batches.entries()) {
    // The first batches load the token encoding and the embedding table.
    if (at === WARM_UP) {
      sums.clear();
      started = performance.now();
    }
    const response = await exports.default.fetch(
      new Request('http://memoryrouter.bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: STORE, variables: { inputs } }),
      }),
    );
    const body = (await response.json()) as { errors?: { message: string }[] };
    if (body.errors) throw new Error(body.errors[0]!.message);
    for (const entry of (response.headers.get('server-timing') ?? '').split(',')) {
      const [name, duration] = entry.trim().split(';dur=');
      if (name) sums.set(name, (sums.get(name) ?? 0) + Number(duration));
    }
  }
  const counted = batches.length - WARM_UP;
  const wall = (performance.now() - started) / counted;
  const phases = [...sums].map(([name, sum]) => `${name} ${(sum / counted).toFixed(2)}`);
  console.log(
    `per batch of 100 through the Worker, one at a time: wall ${wall.toFixed(2)} ms; ` +
      `Server-Timing means: ${phases.join(', ')}`,
  );
});
