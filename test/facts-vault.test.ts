import { createClient as createSseClient } from 'graphql-sse';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteMemoryDocument,
  MemoryHistoryDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { BASE_URL, newKey, post, workerFetch } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';
import {
  warmEmbedder,
  factsOf,
  OPENAI,
  scriptExtractor,
  storeExtracting,
  type FactsReceipt,
} from './helpers/facts';
import { injectedMemories, openAiClient, usageTokens } from './helpers/drop-in';
import { decodeMemoryId } from '../src/vaults/ids';

// Facts that outlive a session (outside review 213 #8): ChatInput.factsVault,
// ExtractInput.factsVault and X-Memory-Facts-Vault send extracted facts to
// another vault of the key (CORE, which every chat reads), reconciled there.

interface ChatData {
  chat: {
    memory: {
      memoryTokens: number;
      facts: FactsReceipt | null;
      turn: { stored: boolean; memories: number; memoryTokens: number } | null;
      hits: { memory: { content: string; vault: { kind: string; externalId: string | null } } }[];
    };
  };
}

const CHAT = `mutation ($input: ChatInput!) {
  chat(input: $input) {
    memory {
      memoryTokens
      facts { extracted added { id content } updated { id content supersedes } superseded deleted failure { reason message } }
      turn { stored memories memoryTokens }
      hits { memory { content vault { kind externalId } } }
    }
  }
}`;

function chat(secret: string, input: Record<string, unknown>) {
  return postChat<ChatData>(secret, CHAT, { model: OPENAI.model, ...input }, OPENAI.key);
}

/** A vault's memories, contents and metadata, newest first. */
async function vaultMemories(secret: string, selector: { kind: string; id?: string }) {
  const result = await post<{
    vault: {
      memories: {
        edges: { node: { id: string; content: string; metadata: unknown; tokens: number } }[];
      };
    } | null;
  }>(
    `query ($selector: VaultSelector!) {
      vault(selector: $selector) { memories(first: 50) { edges { node { id content metadata tokens } } } }
    }`,
    { selector },
    secret,
  );
  expect(result.errors).toBeUndefined();
  return (result.data!.vault?.memories.edges ?? []).map(({ node }) => node);
}

async function modelCalls(): Promise<number> {
  return (await fakeCalls()).filter((call) => call.host === OPENAI.host).length;
}

const MONDAY = { sessionId: 'chat-monday', extract: true, factsVault: { kind: 'CORE' } };

describe('facts kept where every session reads them (factsVault)', () => {
  beforeAll(warmEmbedder);
  beforeEach(resetFakes);

  it("the review's scenario: Madrid said in Monday's session is found in Tuesday's", async () => {
    const { secret } = await newKey();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user lives in Madrid']);
    const monday = await chat(secret, {
      ...MONDAY,
      messages: [{ role: 'USER', content: 'By the way, I live in Madrid now.' }],
    });
    expect(monday.errors).toBeUndefined();
    const facts = monday.data!.chat.memory.facts!;
    expect(facts).toMatchObject({
      extracted: 1,
      added: [{ content: 'The user lives in Madrid' }],
      failure: null,
    });
    // The fact is in CORE; the turn stays in the session's vault.
    expect(decodeMemoryId(facts.added[0]!.id)).toMatchObject({ kind: 'CORE' });
    const session = await vaultMemories(secret, { kind: 'SESSION', id: 'chat-monday' });
    expect(session).toHaveLength(2); // the user's words and the answer
    expect(session.map((memory) => memory.content)).toContain('By the way, I live in Madrid now.');
    const core = await vaultMemories(secret, { kind: 'CORE' });
    expect(core.map((memory) => memory.content)).toEqual(['The user lives in Madrid']);
    // It names the turn it was drawn from, in the other vault, by Memory.id.
    // The user's words and the answer: the turn the fact was drawn from.
    const metadata = core[0]!.metadata as { kind: string; sourceTurns: string[] };
    expect(metadata.kind).toBe('fact');
    expect([...metadata.sourceTurns].sort()).toEqual(session.map((memory) => memory.id).sort());
    // Billed: the turn and the fact, in one receipt.
    const tokens = monday.data!.chat.memory.turn!.memoryTokens;
    const sum = (memories: { tokens: number }[]) =>
      memories.reduce((total, memory) => total + memory.tokens, 0);
    expect(tokens).toBe(sum(session) + sum(core));
    expect(await usageTokens({ secret })).toBe(tokens);

    await scriptFake({ host: OPENAI.host });
    const tuesday = await chat(secret, {
      sessionId: 'chat-tuesday',
      memoryMode: 'READ',
      messages: [{ role: 'USER', content: 'Where do I live?' }],
    });
    expect(tuesday.errors).toBeUndefined();
    expect(tuesday.data!.chat.memory.hits.map((hit) => hit.memory.content)).toContain(
      'The user lives in Madrid',
    );
    expect(await injectedMemories()).toContain('The user lives in Madrid');
  });

  it('without factsVault the fact stays in the session (the default); factsVault: SESSION names another session', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user lives in Madrid']);
    const monday = await chat(secret, {
      sessionId: 'chat-monday',
      extract: true,
      messages: [{ role: 'USER', content: 'By the way, I live in Madrid now.' }],
    });
    expect(decodeMemoryId(monday.data!.chat.memory.facts!.added[0]!.id)).toMatchObject({
      kind: 'SESSION',
    });
    expect(await vaultMemories(secret, { kind: 'CORE' })).toEqual([]);

    // Any vault of the key can be named: a SESSION "profile" vault.
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user has a dog called Rex']);
    const tuesday = await chat(secret, {
      sessionId: 'chat-tuesday',
      extract: true,
      factsVault: { kind: 'SESSION', id: 'profile' },
      messages: [{ role: 'USER', content: 'My dog is called Rex.' }],
    });
    expect(tuesday.errors).toBeUndefined();
    expect(decodeMemoryId(tuesday.data!.chat.memory.facts!.added[0]!.id)).toMatchObject({
      kind: 'SESSION',
      externalId: 'profile',
    });
    const profile = await vaultMemories(secret, { kind: 'SESSION', id: 'profile' });
    expect(profile.map((memory) => memory.content)).toEqual(['The user has a dog called Rex']);
  });

  it('a fact said in session B supersedes one said in session A when both went to CORE', async () => {
    const { secret, api } = await newKey();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user lives in Paris']);
    const a = await chat(secret, {
      ...MONDAY,
      sessionId: 'session-a',
      messages: [{ role: 'USER', content: 'I live in Paris, near the canal.' }],
    });
    const parisId = a.data!.chat.memory.facts!.added[0]!.id;

    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Madrid'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const b = await chat(secret, {
      ...MONDAY,
      sessionId: 'session-b',
      messages: [{ role: 'USER', content: 'I moved to Madrid last week.' }],
    });
    expect(b.errors).toBeUndefined();
    const facts = b.data!.chat.memory.facts!;
    expect(facts.superseded).toEqual([parisId]);
    expect(facts.updated).toMatchObject([
      { content: 'The user lives in Madrid', supersedes: parisId },
    ]);
    // The reconciliation was shown the CORE fact from the other session.
    const reconcile = (await fakeCalls()).filter((call) =>
      JSON.stringify(call.body).includes('reconcile_facts'),
    );
    expect(reconcile).toHaveLength(1);
    expect(JSON.stringify(reconcile[0]!.body.messages)).toContain('The user lives in Paris');

    const history = await api.request(MemoryHistoryDocument, { id: facts.updated[0]!.id });
    expect(history.memory!.history.map((version) => version.content)).toEqual([
      'The user lives in Paris',
      'The user lives in Madrid',
    ]);
    // A third session reads Madrid, not Paris.
    await scriptFake({ host: OPENAI.host });
    const c = await chat(secret, {
      sessionId: 'session-c',
      memoryMode: 'READ',
      messages: [{ role: 'USER', content: 'Which city does the user live in?' }],
    });
    const read = c.data!.chat.memory.hits.map((hit) => hit.memory.content);
    expect(read).toContain('The user lives in Madrid');
    expect(read).not.toContain('The user lives in Paris');
  });

  it('storeMemories(extract: { factsVault }) with an idempotency key: a retry replays the CORE facts, no model call', async () => {
    const { secret, api } = await newKey();
    const cat = await api.request(StoreMemoryDocument, {
      input: { content: 'The user has a cat called Rex', metadata: { kind: 'fact' } },
    });
    const store = () =>
      storeExtracting(
        secret,
        [{ content: 'My dog is called Rex', vault: { kind: 'SESSION', id: 'notes' } }],
        { key: 'rex-1', extract: { factsVault: { kind: 'CORE' } } },
      );
    await scriptExtractor(
      ['The user has a dog called Rex'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const first = await store();
    expect(first.errors).toBeUndefined();
    const facts = factsOf(first)!;
    expect(facts.updated).toMatchObject([
      { content: 'The user has a dog called Rex', supersedes: cat.storeMemory.id },
    ]);
    expect(facts.superseded).toEqual([cat.storeMemory.id]);
    expect(decodeMemoryId(facts.updated[0]!.id)).toMatchObject({ kind: 'CORE' });
    const billed = await usageTokens({ secret });
    const calls = await modelCalls();

    const again = await store();
    expect(again.errors).toBeUndefined();
    expect(again.data!.storeMemories).toEqual(first.data!.storeMemories);
    expect(factsOf(again)).toMatchObject({
      updated: facts.updated,
      superseded: facts.superseded,
      added: [],
    });
    expect(await modelCalls()).toBe(calls);
    expect(await usageTokens({ secret })).toBe(billed);
    expect(await vaultMemories(secret, { kind: 'CORE' })).toHaveLength(2); // the cat, kept, and the dog

    // The dog deleted re-opens the cat: a replay no longer calls it superseded
    // (mutant resolvers/facts-apart-replay-lists-unapplied-retirements).
    await api.request(DeleteMemoryDocument, { id: facts.updated[0]!.id });
    const reopened = await store();
    const replay = reopened.extensions as {
      memory: { facts: FactsReceipt; replay: { deletedSince: string[] } };
    };
    expect(replay.memory.facts).toMatchObject({
      updated: [{ id: facts.updated[0]!.id, content: '' }],
      superseded: [],
    });
    expect(replay.memory.replay.deletedSince).toEqual([facts.updated[0]!.id]);
  });

  it('a keyed store whose facts vault refuses the write: the turn stored, facts.failure STORE_FAILED, and its retry supersedes nothing', async () => {
    const { secret, api } = await newKey();
    const cat = await api.request(StoreMemoryDocument, {
      input: { content: 'The user has a cat called Rex', metadata: { kind: 'fact' } },
    });
    // CORE full: the cat and 299 notes, the 300 a vault holds in the tests (VAULT_MAX_MEMORIES).
    for (const size of [100, 100, 99]) {
      await api.request(StoreMemoriesDocument, {
        inputs: Array.from({ length: size }, (_, at) => ({ content: `filler note ${size}-${at}` })),
      });
    }
    const store = () =>
      storeExtracting(
        secret,
        [{ content: 'My dog is called Rex', vault: { kind: 'SESSION', id: 'full-core' } }],
        { key: 'rex-full', extract: { factsVault: { kind: 'CORE' } } },
      );
    await scriptExtractor(
      ['The user has a dog called Rex'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const first = await store();
    // Before (any error rethrown): the call failed though its turn was stored,
    // and a client retrying without the key stored it twice.
    expect(first.errors).toBeUndefined();
    expect(first.data!.storeMemories).toHaveLength(1);
    const facts = factsOf(first)!;
    expect(facts).toMatchObject({
      updated: [],
      superseded: [],
      failure: { reason: 'STORE_FAILED' },
    });
    expect(facts.failure!.message).toContain('VAULT_FULL');

    const again = await store();
    expect(again.errors).toBeUndefined();
    expect(again.data!.storeMemories).toEqual(first.data!.storeMemories);
    // Before (the plan's retirements replayed as done): the cat reported
    // superseded. Before facts-marks, the replay answered failure null and
    // the planned fact without content, listed in replay.deletedSince: the
    // key's record is written with the turn, before the facts. The refusal
    // is now recorded with the key, so the replay tells the first answer's story.
    const replayed = again.extensions as {
      memory: { facts: FactsReceipt; replay: { deletedSince: string[] } };
    };
    expect(replayed.memory.facts).toMatchObject({
      added: [],
      updated: [],
      superseded: [],
      failure: facts.failure,
    });
    expect(replayed.memory.replay.deletedSince).toEqual([]);
    // The cat is still current, and no dog fact was written (it would be the newest).
    const current = await post<{ memory: { validUntil: string | null } | null }>(
      `query ($id: ID!) { memory(id: $id) { validUntil } }`,
      { id: cat.storeMemory.id },
      secret,
    );
    expect(current.data).toEqual({ memory: { validUntil: null } });
    const newest = await vaultMemories(secret, { kind: 'CORE' });
    expect(newest.map((memory) => memory.content)).not.toContain('The user has a dog called Rex');
  });

  it('memoryEvents of CORE hear the fact a session chat sent there', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user lives in Madrid']);
    const monday = await chat(secret, {
      ...MONDAY,
      messages: [{ role: 'USER', content: 'By the way, I live in Madrid now.' }],
    });
    const factId = monday.data!.chat.memory.facts!.added[0]!.id;
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
    });
    const events = client.iterate<{ memoryEvents: { type: string; memoryId: string } }>({
      query: `subscription { memoryEvents(vault: { kind: CORE }, lastEventId: "0") { type memoryId } }`,
    });
    try {
      const next = await events.next();
      expect(next.value!.data!.memoryEvents).toEqual({ type: 'ADDED', memoryId: factId });
    } finally {
      await events.return?.();
      client.dispose();
    }
  });

  it('drop-in X-Memory-Facts-Vault: core sends the facts of a session chat to CORE', async () => {
    const { secret } = await newKey();
    const client = openAiClient(secret, {
      'x-session-id': 'drop-in-monday',
      'x-memory-extract': 'true',
      'x-memory-facts-vault': 'core',
    });
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user lives in Madrid']);
    const { response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'By the way, I live in Madrid now.' }],
      })
      .withResponse();
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const core = await vaultMemories(secret, { kind: 'CORE' });
    expect(core.map((memory) => memory.content)).toEqual(['The user lives in Madrid']);
  });

  describe('refusals: coded, nothing stored, no model call', () => {
    const refusals: [string, Record<string, unknown>, string][] = [
      [
        'factsVault without extract',
        { sessionId: 's', factsVault: { kind: 'CORE' } },
        'FACTS_VAULT_NEEDS_EXTRACT',
      ],
      [
        'a CORE factsVault with an id',
        { ...MONDAY, factsVault: { kind: 'CORE', id: 'x' } },
        'INVALID_VAULT_ID',
      ],
      [
        'a SESSION factsVault without an id',
        { ...MONDAY, factsVault: { kind: 'SESSION' } },
        'INVALID_VAULT_ID',
      ],
    ];
    for (const [name, input, reason] of refusals) {
      it(`chat: ${name}`, async () => {
        const { secret } = await newKey();
        const refused = await chat(secret, {
          ...input,
          messages: [{ role: 'USER', content: 'By the way, I live in Madrid now.' }],
        });
        expect(refused.data).toBeNull();
        expect(refused.errors![0]!.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason,
        });
        expect(await modelCalls()).toBe(0);
        expect(await vaultMemories(secret, { kind: 'CORE' })).toEqual([]);
        expect(await vaultMemories(secret, { kind: 'SESSION', id: 'chat-monday' })).toEqual([]);
        expect(await usageTokens({ secret })).toBe(0);
      });
    }

    it('storeMemories: a bad factsVault', async () => {
      const { secret } = await newKey();
      const refused = await storeExtracting(
        secret,
        [{ content: 'My dog is called Rex', vault: { kind: 'SESSION', id: 'notes' } }],
        { extract: { factsVault: { kind: 'EPHEMERAL' } } },
      );
      expect(refused.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_VAULT_ID',
      });
      expect(await modelCalls()).toBe(0);
      expect(await vaultMemories(secret, { kind: 'SESSION', id: 'notes' })).toEqual([]);
      expect(await usageTokens({ secret })).toBe(0);
    });

    for (const [name, headers] of [
      [
        'X-Memory-Facts-Vault naming another vault',
        { 'x-memory-extract': 'true', 'x-memory-facts-vault': 'session' },
      ],
      ['X-Memory-Facts-Vault without X-Memory-Extract', { 'x-memory-facts-vault': 'core' }],
    ] as const) {
      it(`drop-in: ${name}`, async () => {
        const { secret } = await newKey();
        const client = openAiClient(secret, { 'x-session-id': 'chat-monday', ...headers });
        const error = await client.chat.completions
          .create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'By the way, I live in Madrid now.' }],
          })
          .then(
            () => null,
            (caught: unknown) => caught as { status: number; error: unknown },
          );
        expect(error?.status).toBe(400);
        expect(JSON.stringify(error?.error)).toContain('X-Memory-Facts-Vault');
        expect(await modelCalls()).toBe(0);
        expect(await vaultMemories(secret, { kind: 'SESSION', id: 'chat-monday' })).toEqual([]);
      });
    }
  });
});
