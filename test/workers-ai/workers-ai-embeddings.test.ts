import { beforeEach, describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from '../generated/graphql';
import { CodedError } from '../../src/core/errors';
import { WorkersAiEmbedder, type AiBinding } from '../../src/embed/workers-ai';
import { keyWithMemory, postJson } from '../helpers/drop-in';
import { fakeAi } from '../helpers/fake-ai';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';

const ai = fakeAi();

const PREFIX = 'Represent this sentence for searching relevant passages: ';
const MODEL = '@cf/baai/bge-small-en-v1.5';

beforeEach(() => ai.reset());

describe('Workers AI embeddings through GraphQL', () => {
  it('embeds memories as passages and queries with the bge prefix, and the vault records the model', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The boat is moored at the north harbour' },
        { content: 'Grandma bakes rye bread on Sundays' },
      ],
    });
    const search = await api.request(SearchDocument, {
      input: { query: 'where is the boat moored', mode: 'VECTOR' },
    });
    expect(search.search.hits[0]?.memory.content).toBe('The boat is moored at the north harbour');

    expect(await ai.calls()).toEqual([
      {
        model: MODEL,
        input: {
          text: ['The boat is moored at the north harbour', 'Grandma bakes rye bread on Sundays'],
          pooling: 'cls',
        },
      },
      { model: MODEL, input: { text: [`${PREFIX}where is the boat moored`], pooling: 'cls' } },
    ]);
    const vault = await post(GetVaultDocument, { selector: { kind: 'CORE' } }, secret);
    expect(vault.data?.vault).toMatchObject({
      embeddingModel: `${MODEL}#cls@1`,
      dimensions: 384,
    });
  });

  it('sends a full batch of 100 memories in one call', async () => {
    const { api } = await newKey();
    const inputs = Array.from({ length: 100 }, (_, i) => ({ content: `fact number ${i}` }));
    const stored = await api.request(StoreMemoriesDocument, { inputs });
    expect(stored.storeMemories).toHaveLength(100);
    expect((await ai.calls()).map((call) => call.input.text.length)).toEqual([100]);
  });

  it('retries a failed call, so a passing hiccup is not the client’s problem', async () => {
    const { secret } = await newKey();
    await ai.script(['fail']);
    const stored = await post(StoreMemoryDocument, { input: { content: 'retry me' } }, secret);
    expect(stored.errors).toBeUndefined();
    expect(await ai.calls()).toHaveLength(2);
  });

  it('reports a lasting failure as UPSTREAM_ERROR / EMBEDDING_FAILED and stores nothing', async () => {
    const { secret } = await newKey();
    await ai.script(['fail', 'fail', 'fail']);
    const stored = await post(StoreMemoryDocument, { input: { content: 'lost?' } }, secret);
    expect(stored.status).toBe(200);
    expect(stored.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'UPSTREAM_ERROR',
        reason: 'EMBEDDING_FAILED',
        requestId: expect.stringMatching(/^mrq_/),
      },
    ]);
    expect(stored.errors?.[0]?.message).not.toMatch(/3040|Capacity/);
    expect(await ai.calls()).toHaveLength(3);
    const vault = await post(GetVaultDocument, { selector: { kind: 'CORE' } }, secret);
    expect(vault.data?.vault?.memoryCount ?? 0).toBe(0);
  });

  it('times out a search whose embedding never comes, with the coded error; TEXT search still works', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'The keys are under the mat' } });
    await ai.reset();
    await ai.script(['hang', 'hang', 'hang']);
    const vector = await post(SearchDocument, { input: { query: 'where are the keys' } }, secret);
    expect(vector.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'UPSTREAM_ERROR',
        reason: 'EMBEDDING_FAILED',
        requestId: expect.stringMatching(/^mrq_/),
      },
    ]);
    expect(await ai.calls()).toHaveLength(3);

    const text = await post(
      SearchDocument,
      { input: { query: 'where are the keys', mode: 'TEXT' } },
      secret,
    );
    expect(text.data?.search.hits.map((hit) => hit.memory.content)).toEqual([
      'The keys are under the mat',
    ]);
  });

  it('refuses a malformed answer without retrying', async () => {
    const { secret } = await newKey();
    await ai.script(['malformed']);
    const stored = await post(StoreMemoryDocument, { input: { content: 'odd' } }, secret);
    expect(stored.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      reason: 'EMBEDDING_FAILED',
      requestId: expect.stringMatching(/^mrq_/),
    });
    expect(await ai.calls()).toHaveLength(1);
  });
});

describe('Workers AI limits and failures, bounded', () => {
  it('answers a 429 of Workers AI as RATE_LIMITED with when to retry, without retrying it', async () => {
    const { secret } = await newKey();
    await ai.script(['busy']);
    const busy = await post(StoreMemoryDocument, { input: { content: 'busy?' } }, secret);
    expect(busy.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'RATE_LIMITED',
        reason: 'EMBEDDING_RATE_LIMITED',
        retryAfter: 10,
        requestId: expect.stringMatching(/^mrq_/),
      },
    ]);
    expect(busy.errors?.[0]?.message).toMatch(/out of capacity/);
    expect(await ai.calls()).toHaveLength(1);

    // The daily free allocation: back at 00:00 UTC.
    await ai.reset();
    await ai.script(['limited']);
    const limited = await post(StoreMemoryDocument, { input: { content: 'limited?' } }, secret);
    const extensions = limited.errors?.[0]?.extensions as { code: string; retryAfter: number };
    expect(extensions.code).toBe('RATE_LIMITED');
    const midnight = Math.ceil(Date.now() / 86_400_000) * 86_400_000;
    expect(Math.abs(extensions.retryAfter - (midnight - Date.now()) / 1000)).toBeLessThan(60);
    expect(limited.errors?.[0]?.message).not.toMatch(/neurons|3036/);
    const vault = await post(GetVaultDocument, { selector: { kind: 'CORE' } }, secret);
    expect(vault.data?.vault?.memoryCount ?? 0).toBe(0);
  });

  it('on an import, a 429 fails the batch’s lines with when to retry, without a call per line', async () => {
    const { secret } = await newKey();
    await ai.script(['busy']);
    const response = await workerFetch(`${BASE_URL}/v1/vaults/session/rate-limited/import`, {
      method: 'POST',
      body: '{"content":"imported while Workers AI is busy"}\n{"content":"and another line"}\n',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { imported: number; failures: unknown[] };
    expect(report.imported).toBe(0);
    expect(report.failures).toEqual(
      [1, 2].map((line) => ({
        line,
        code: 'EMBEDDING_RATE_LIMITED',
        retryAfter: 10,
        reason: expect.stringMatching(/rate limiting .* try again in 10 s/),
      })),
    );
    expect(await ai.calls()).toHaveLength(1);
  });

  it('sends at most two calls at once, and none after one failed for good; aborts the one in flight', async () => {
    const embedder = new WorkersAiEmbedder(ai as unknown as AiBinding, {
      model: MODEL,
      timeoutMs: 5_000,
      retryDelayMs: 1,
    });
    // Three calls' worth: the first answers malformed (not retried), the second never answers.
    await ai.script(['malformed', 'hang']);
    const texts = Array.from({ length: 250 }, (_, i) => `memory ${i}`);
    const failure = await embedder.embedPassages(texts).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CodedError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'EMBEDDING_FAILED' });
    expect((await ai.calls()).map((call) => call.input.text.length)).toEqual([100, 100]);
    expect(ai.aborted()).toBe(1);
  });

  it('aborts a call that timed out rather than leave it running', async () => {
    const embedder = new WorkersAiEmbedder(ai as unknown as AiBinding, {
      model: MODEL,
      timeoutMs: 50,
      retryDelayMs: 1,
    });
    await ai.script(['hang', 'hang', 'hang']);
    await expect(embedder.embedQueries(['anyone there?'])).rejects.toMatchObject({
      reason: 'EMBEDDING_FAILED',
    });
    expect(await ai.calls()).toHaveLength(3);
    expect(ai.aborted()).toBe(3);
  });
});

describe('Workers AI rate limits on a drop-in route', () => {
  it('answers an OpenAI-shaped 429 with Retry-After when the query cannot be embedded', async () => {
    const key = await keyWithMemory();
    await ai.reset();
    await ai.script(['busy']);
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'where do I live?' }] },
      { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test-openai' },
    );
    const body = await response.text();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(JSON.parse(body)).toMatchObject({
      error: { type: 'rate_limit_error', code: 'RATE_LIMITED', reason: 'EMBEDDING_RATE_LIMITED' },
    });
  });
});
