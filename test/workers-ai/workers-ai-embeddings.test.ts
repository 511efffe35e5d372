import { beforeEach, describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from '../generated/graphql';
import { fakeAi } from '../helpers/fake-ai';
import { newKey, post } from '../helpers/graphql';

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
