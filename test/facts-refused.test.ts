import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { newKey, post } from './helpers/graphql';
import { postWithProviderKey } from './helpers/graphql-chat';
import { factsOf, OPENAI, storeExtracting, type FactsReceipt } from './helpers/facts';

// Review 226: a fact the vault would refuse as a memory (the model's junk,
// a fact cut inside an emoji, or no room left for the facts) must not cost
// the user's turn its write, nor blame an input the caller never sent (F1);
// an unusable answer's tokens are still counted (F5); two copies of one fact
// from one input are stored once (F6).

const HOST = OPENAI.host;
const MODEL = OPENAI.model;

/** storeMemories with extract into one SESSION vault: data, errors and the facts receipt. */
async function storeWithFacts(secret: string, session: string, contents: string[]) {
  const body = await storeExtracting<{ id: string; content: string }>(
    secret,
    contents.map((content) => ({ content, vault: { kind: 'SESSION', id: session } })),
    { select: 'id content', extract: { model: MODEL } },
  );
  return { body, facts: factsOf(body) };
}

/** Every memory of a SESSION vault, oldest first. */
async function contentsOf(secret: string, session: string): Promise<string[]> {
  const result = await post<{
    vault: { memories: { edges: { node: { content: string } }[] } } | null;
  }>(
    `query ($id: String!) { vault(selector: { kind: SESSION, id: $id }) {
      memories(first: 100, order: OLDEST_FIRST) { edges { node { content } } } } }`,
    { id: session },
    secret,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.vault?.memories.edges.map(({ node }) => node.content) ?? [];
}

describe('facts the vault would refuse', () => {
  beforeEach(resetFakes);

  it('stores the turn and the good facts, leaving out the ones the content rules refuse', async () => {
    const { secret } = await newKey();
    const long = `${'a'.repeat(499)}😀 tail`;
    await scriptFake({
      host: HOST,
      toolArguments: JSON.stringify({
        facts: [
          { input: 1, fact: '\u200b\u200b\u2060' },
          { input: 1, fact: 'The user likes \ud800 tea' },
          { input: 1, fact: long },
          { input: 1, fact: 'The user likes green tea' },
        ],
      }),
    });
    const { body, facts } = await storeWithFacts(secret, 'junk', ['I like tea']);
    expect(body.errors).toBeUndefined();
    expect(body.data!.storeMemories.map((memory) => memory.content)).toEqual(['I like tea']);
    // The long fact is cut before the emoji, never inside its surrogate pair.
    expect(facts).toMatchObject({
      extracted: 2,
      refused: 2,
      failure: null,
      added: [{ content: 'a'.repeat(499) }, { content: 'The user likes green tea' }],
    });
    expect(await contentsOf(secret, 'junk')).toEqual([
      'I like tea',
      'a'.repeat(499),
      'The user likes green tea',
    ]);
  });

  it('stores the turn when every fact is refused: nothing names inputs[1]', async () => {
    const { secret } = await newKey();
    for (const fact of ['\u200b\u200b\u2060', 'The user likes \ud800 tea']) {
      await scriptFake({
        host: HOST,
        toolArguments: JSON.stringify({ facts: [{ input: 1, fact }] }),
      });
    }
    for (const said of ['I like tea', 'I like coffee']) {
      const { body, facts } = await storeWithFacts(secret, 'junk2', [said]);
      expect(JSON.stringify(body.errors ?? null)).not.toContain('inputs[1]');
      expect(body.errors).toBeUndefined();
      expect(facts).toMatchObject({ extracted: 0, refused: 1, added: [], failure: null });
    }
    expect(await contentsOf(secret, 'junk2')).toEqual(['I like tea', 'I like coffee']);
  });

  it('a vault with room for the turn but not its facts stores the turn and says the facts were not', async () => {
    const { secret, api } = await newKey();
    // 299 of the 300 memories a vault holds in the tests (VAULT_MAX_MEMORIES).
    for (const size of [100, 100, 99]) {
      await api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: size }, (_, at) => ({
          content: `filler note ${size}-${at}`,
          vault: { kind: 'SESSION' as const, id: 'cap' },
        })),
      });
    }
    await scriptFake({
      host: HOST,
      toolArguments: JSON.stringify({
        facts: [{ input: 1, fact: 'The user owns a red bicycle' }],
      }),
    });
    await scriptFake({
      host: HOST,
      toolArguments: JSON.stringify({ decisions: [{ fact: 1, action: 'ADD', target: '' }] }),
    });
    const { body, facts } = await storeWithFacts(secret, 'cap', ['I own a red bicycle']);
    expect(body.errors).toBeUndefined();
    expect(body.data!.storeMemories.map((memory) => memory.content)).toEqual([
      'I own a red bicycle',
    ]);
    expect(facts).toMatchObject({ extracted: 1, added: [], failure: { reason: 'VAULT_FULL' } });
    const stored = await contentsOf(secret, 'cap');
    expect(stored).toHaveLength(100); // the first page: 300 memories in all
    const count = await post<{ vault: { memoryCount: number } }>(
      `query { vault(selector: { kind: SESSION, id: "cap" }) { memoryCount } }`,
      {},
      secret,
    );
    expect(count.data!.vault.memoryCount).toBe(300);
  });

  it('chat with extract stores the turn when the model answers a fact the vault refuses', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: HOST, reply: 'Nice to hear!' });
    await scriptFake({
      host: HOST,
      toolArguments: JSON.stringify({ facts: [{ input: 1, fact: '\u200b\u200b\u2060' }] }),
    });
    const body = await postWithProviderKey<{
      chat: { content: string; memory: { facts: FactsReceipt; turn: { stored: boolean } } };
    }>(
      secret,
      `mutation ($input: ChatInput!) { chat(input: $input) { content memory {
        turn { stored }
        facts { extracted added { content } failure { reason message } } } } }`,
      {
        input: {
          model: MODEL,
          sessionId: 'chatjunk',
          extract: true,
          messages: [{ role: 'USER', content: 'I like tea' }],
        },
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.chat.content).toBe('Nice to hear!');
    expect(body.data!.chat.memory.turn.stored).toBe(true);
    expect(body.data!.chat.memory.facts).toEqual({ extracted: 0, added: [], failure: null });
    const extensions = body.extensions as { memory: { facts: FactsReceipt } };
    expect(extensions.memory.facts.refused).toBe(1);
    expect(await contentsOf(secret, 'chatjunk')).toEqual(['I like tea', 'Nice to hear!']);
  });
});

/** The fake's token count (test/fakes/answers.mjs `tokensOf`), for the usage it reports. */
const tokensOf = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value).length / 4));

describe('facts.usage counts every model call', () => {
  beforeEach(resetFakes);

  /** What the fake reported for each call: the prompt's tokens and the tool call's. */
  async function billed(answers: { name: string; arguments: string }[]) {
    const calls = (await fakeCalls()).filter((call) => call.host === HOST);
    expect(calls).toHaveLength(answers.length);
    return {
      inputTokens: calls.reduce((sum, call) => sum + tokensOf(call.body.messages), 0),
      outputTokens: answers.reduce((sum, answer) => sum + tokensOf(answer), 0),
    };
  }

  it('counts the tokens of an extraction whose answer is not JSON', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: HOST, toolArguments: 'not JSON' });
    const { body, facts } = await storeWithFacts(secret, 'usage1', ['I like tea']);
    expect(body.errors).toBeUndefined();
    expect(facts!.failure).toMatchObject({ reason: 'MALFORMED_ANSWER' });
    const usage = await billed([{ name: 'record_facts', arguments: 'not JSON' }]);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(facts!.usage).toEqual(usage);
  });

  it('counts both calls when the reconciliation answer is unusable', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'The user drinks coffee', vault: { kind: 'SESSION', id: 'usage2' } }],
    });
    const extracted = JSON.stringify({ facts: [{ input: 1, fact: 'The user likes tea' }] });
    await scriptFake({ host: HOST, toolArguments: extracted });
    await scriptFake({ host: HOST, toolArguments: 'garbage' });
    const { facts } = await storeWithFacts(secret, 'usage2', ['I like tea']);
    expect(facts!.failure).toMatchObject({ reason: 'MALFORMED_ANSWER' });
    expect(facts!.usage).toEqual(
      await billed([
        { name: 'record_facts', arguments: extracted },
        { name: 'reconcile_facts', arguments: 'garbage' },
      ]),
    );
  });
});

describe('one fact said twice in one extraction', () => {
  beforeEach(resetFakes);

  it('stores it once: the second copy is NONE, as a duplicate of the vault would be', async () => {
    const { secret } = await newKey();
    await scriptFake({
      host: HOST,
      toolArguments: JSON.stringify({
        facts: [
          { input: 1, fact: 'Der Nutzer wohnt in Hamburg' },
          { input: 1, fact: 'Der Nutzer wohnt in Hamburg.' },
        ],
      }),
    });
    const { facts } = await storeWithFacts(secret, 'twice', ['Ich wohne in Hamburg']);
    expect(facts).toMatchObject({
      extracted: 2,
      added: [{ content: 'Der Nutzer wohnt in Hamburg' }],
      unchanged: 1,
    });
    expect(await contentsOf(secret, 'twice')).toEqual([
      'Ich wohne in Hamburg',
      'Der Nutzer wohnt in Hamburg',
    ]);
  });
});
