import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it, vi } from 'vitest';
import readme from '../README.md?raw';
import apiPage from '../docs/api.md?raw';
import dropInPage from '../docs/drop-in.md?raw';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';

/** The JSON bodies (`-d '…'`) of README's first two curl examples to /graphql: store, then search. */
function curlBodies(): { query: string; variables: Record<string, unknown> }[] {
  const section = readme.slice(readme.indexOf('## Store and search'));
  const bodies = /curl -s http:\/\/localhost:8787\/graphql [^\n]*-d '(\{[\s\S]*?\})'\n/g;
  return [...section.matchAll(bodies)]
    .slice(0, 2)
    .map((match) => JSON.parse(match[1]!) as { query: string; variables: Record<string, unknown> });
}

/**
 * README's first search example, run as a newcomer runs it (offline, the
 * local embedder): its stores, then its search. What the README says it
 * prints is what it prints (review 94, finding 5: the Kyoto trip was missed).
 */
describe("README's search example", () => {
  // Before: the example backfilled the colour to 2026-10-01 and searched at
  // the server's clock, so from 2026-12-30 on LONG_TERM no longer held it.
  it('finds every memory its question asks about, as the README says, today', async () => {
    const [store, search] = curlBodies();
    expect(store!.query).toContain('storeMemories');
    expect(search!.query).toContain('search(');
    const { secret } = await newKey();
    await runExample(secret, store!, search!);
  });

  it('and on any later day: a year past the README’s dates', async () => {
    const [store, search] = curlBodies();
    const { secret } = await newKey();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2028-06-01T12:00:00Z'));
    try {
      await runExample(secret, store!, search!);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the typed-client example searches LONG_TERM as of a `now` that holds its backfilled memory', () => {
    const example = apiPage.slice(apiPage.indexOf('import { createClient, isMemoryRouterError }'));
    const createdAt = Date.parse(/createdAt: '([^']+)'/.exec(example)![1]!);
    const now = Date.parse(/now: '([^']+)'/.exec(example)?.[1] ?? 'no now');
    expect(/windows: \[\{ window: 'LONG_TERM'/.test(example)).toBe(true);
    // LONG_TERM is (now − 90 days, now − 3 days] (the shipped bands).
    expect(now - createdAt).toBeGreaterThan(3 * DAY);
    expect(now - createdAt).toBeLessThanOrEqual(90 * DAY);
  });
});

const DAY = 86_400_000;

async function runExample(
  secret: string,
  store: { query: string },
  search: { query: string },
): Promise<void> {
  const send = async (body: unknown) => {
    const response = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify(body),
    });
    return (await response.json()) as {
      data?: { search?: { hits: { memory: { content: string } }[] } };
      errors?: unknown;
    };
  };
  expect((await send(store)).errors).toBeUndefined();
  const found = await send(search);
  expect(found.errors).toBeUndefined();
  const contents = found.data!.search!.hits.map((hit) => hit.memory.content);
  // What the README promises right after the example, quoted, in order.
  const after = readme.slice(readme.indexOf(JSON.stringify(search.query)));
  const promise = /\n```\n\n(It answers [\s\S]*?)\n\n/.exec(after)![1]!;
  const promised = [...promise.replace(/\n/g, ' ').matchAll(/"([^"]+)"/g)].map((quote) => quote[1]);
  expect(promised).toHaveLength(2);
  expect(contents).toEqual(promised);
}

describe("README's Anthropic SDK example", () => {
  it('names a model the bundled SDK does not warn about, and it answers', async () => {
    const example = dropInPage.slice(
      dropInPage.indexOf("import Anthropic from '@anthropic-ai/sdk';"),
    );
    const model = /model: '([^']+)'/.exec(example)![1]!;
    const { secret } = await newKey();
    const anthropic = new Anthropic({
      apiKey: secret,
      baseURL: BASE_URL,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'X-Provider-Key': 'sk-ant-test' },
    });
    // The SDK warns on the console for a model it knows to be deprecated.
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const message = await anthropic.messages.create({
        model,
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'Where do I live?' }],
      });
      expect(message.model).toBe(model);
      expect(warned.mock.calls.flat().join(' ')).not.toMatch(/deprecated/);
    } finally {
      warned.mockRestore();
    }
  });
});
