import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoryDocument } from '../generated/graphql';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { newKey } from '../helpers/graphql';
import { decodeReceipt, postJson, sessionMemories, vaultContents } from '../helpers/drop-in';

// GraphQL chat answers with a FactsReceipt; a drop-in chat with
// X-Memory-Extract says the same in headers where it is known when they
// leave (a non-streamed answer waits for the turn's store, extraction
// included), and where to read it where it is not (a streamed one).

const HOST = 'api.openai.com';

/** The extractor's two answers, in order: the facts, then the decisions. */
async function scriptExtractor(
  facts: string[],
  decisions?: { fact: number; action: string; target: string }[],
) {
  await scriptFake({ host: HOST, toolArguments: JSON.stringify({ facts }) });
  if (decisions) await scriptFake({ host: HOST, toolArguments: JSON.stringify({ decisions }) });
}

async function keyInParis() {
  const key = await newKey();
  await key.api.request(StoreMemoryDocument, { input: { content: 'The user lives in Paris' } });
  return key;
}

const chat = (
  secret: string,
  path: '/v1/chat/completions' | '/v1/messages',
  extra: Record<string, unknown>,
  headers: Record<string, string> = {},
) =>
  postJson(
    path,
    {
      model: 'gpt-4o-mini',
      ...(path === '/v1/messages' ? { max_tokens: 64 } : {}),
      messages: [{ role: 'user', content: 'We moved to Berlin' }],
      ...extra,
    },
    {
      authorization: `Bearer ${secret}`,
      'x-provider-key': 'sk-test',
      'x-memory-extract': 'true',
      ...headers,
    },
  );

describe('the facts receipt of a drop-in chat (X-Memory-Extract)', () => {
  beforeEach(resetFakes);

  it('a non-streamed answer says what extraction did: counts, ids and the vault', async () => {
    const { secret, api } = await keyInParis();
    await scriptFake({ host: HOST });
    await scriptExtractor(
      ['The user lives in Berlin'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const answer = await chat(secret, '/v1/chat/completions', {});
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-memory-turn')).toBe('stored');
    expect(answer.headers.get('x-memory-facts')).toBe('extracted');
    expect(answer.headers.get('x-memory-facts-vault')).toBe('core');
    expect(answer.headers.get('x-memory-facts-counts')).toBe(
      'extracted=1, added=0, updated=1, deleted=0, unchanged=0, rejected=0, refused=0',
    );
    expect(answer.headers.get('access-control-expose-headers')).toContain('x-memory-facts-counts');
    const receipt = decodeReceipt(answer.headers.get('x-memory-receipt')) as unknown as {
      facts: { updated: { id: string; supersedes: string }[]; superseded: string[] };
    };
    expect(receipt.facts.updated).toHaveLength(1);
    expect(receipt.facts.superseded).toEqual([receipt.facts.updated[0]!.supersedes]);
    expect(await vaultContents(api, 'where does the user live')).toContain(
      'The user lives in Berlin',
    );
    // Without X-Memory-Extract: no facts headers.
    await scriptFake({ host: HOST });
    const plain = await chat(secret, '/v1/chat/completions', {}, { 'x-memory-extract': 'false' });
    expect(plain.status).toBe(200);
    expect(plain.headers.has('x-memory-facts')).toBe(false);
    expect(plain.headers.has('x-memory-facts-vault')).toBe(false);
  });

  it('a failed extraction says so and why; the turn is stored', async () => {
    const { secret } = await keyInParis();
    await scriptFake({ host: HOST });
    await scriptFake({ host: HOST, status: 401 });
    const answer = await chat(secret, '/v1/chat/completions', {});
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-memory-turn')).toBe('stored');
    expect(answer.headers.get('x-memory-facts')).toBe('failed');
    expect(answer.headers.get('x-memory-facts-reason')).toBe('PROVIDER_4XX');
  });

  it('a translated answer (Anthropic’s route, an OpenAI model) says the same', async () => {
    const { secret } = await keyInParis();
    await scriptFake({ host: HOST });
    await scriptExtractor(
      ['The user lives in Berlin'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const answer = await chat(secret, '/v1/messages', {}, { 'x-api-key': secret });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-memory-facts')).toBe('extracted');
    expect(answer.headers.get('x-memory-facts-counts')).toContain('updated=1');
  });

  it('a streamed answer’s headers say pending and the vault the facts go to, where they then appear', async () => {
    const key = await keyInParis();
    await scriptFake({ host: HOST });
    await scriptExtractor(['The user moved to Berlin'], []);
    const answer = await chat(
      key.secret,
      '/v1/chat/completions',
      { stream: true },
      { 'x-session-id': 'moving' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-memory-facts')).toBe('pending');
    expect(answer.headers.get('x-memory-facts-vault')).toBe('session:moving');
    expect(answer.headers.has('x-memory-facts-counts')).toBe(false);
    await answer.text();
    await eventually(async () =>
      expect(
        (await sessionMemories(key, 'moving')).some((memory) =>
          memory.endsWith(': The user moved to Berlin'),
        ),
      ).toBe(true),
    );
  });
});
