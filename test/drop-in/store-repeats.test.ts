import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes, scriptFake } from '../helpers/fakes';
import {
  openAiClient,
  postJson,
  sessionMemories,
  upstreamCalls,
  usageTokens,
} from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { postChat } from '../helpers/graphql-chat';

// The opt-out of the 24 h "once" rule (an outside review's finding, "review
// 100"): a diary or medication app whose user says the same thing twice in a
// day lost the second turn as DUPLICATE. `ChatInput.storeRepeats` and
// X-Memory-Store-Repeats: true store it, and extract from it with extraction.

type Key = Awaited<ReturnType<typeof newKey>>;

const PILL = 'Took my evening pill';
const OPENAI = { model: 'openai/gpt-4o-mini', host: 'api.openai.com' } as const;

interface ChatMemory {
  storedMemoryTokens: number | null;
  turn: { stored: boolean; memories: number; reason: string | null };
  facts: { extracted: number; added: { content: string }[] } | null;
}

/** A GraphQL chat mutation writing into `session`, with the given ChatInput fields. */
async function chatGraphql(
  key: Key,
  session: string,
  fields: { storeRepeats?: boolean; extract?: boolean } = {},
): Promise<ChatMemory> {
  const result = await postChat<{ chat: { memory: ChatMemory } }>(
    key.secret,
    `mutation($input: ChatInput!) { chat(input: $input) { memory {
      storedMemoryTokens turn { stored memories reason } facts { extracted added { content } }
    } } }`,
    {
      model: OPENAI.model,
      sessionId: session,
      memoryMode: 'WRITE',
      messages: [{ role: 'USER', content: PILL }],
      ...fields,
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

/** The provider calls that were fact extraction's (its two tools), not chat's. */
async function extractionCalls() {
  return (await fakeCalls()).filter(
    (call) =>
      call.host === OPENAI.host &&
      /record_facts|reconcile_facts/.test(JSON.stringify(call.body.tools ?? [])),
  );
}

/**
 * A chat answer, then extraction's facts and, once the vault holds a fact
 * for it to find as a candidate, the model's decision: a new event, ADD.
 */
async function scriptTurnWithFacts(fact: string, candidates: boolean) {
  await scriptFake({ host: OPENAI.host });
  await scriptFake({ host: OPENAI.host, toolArguments: JSON.stringify({ facts: [fact] }) });
  if (candidates) {
    await scriptFake({
      host: OPENAI.host,
      toolArguments: JSON.stringify({ decisions: [{ fact: 1, action: 'ADD', target: null }] }),
    });
  }
}

/** The same words through a drop-in route, writing only; the turn's receipt headers. */
const DROP_INS = {
  'chat completions (openai SDK)': async (key: Key, session: string, headers = {}) => {
    const { response } = await openAiClient(key.secret, {
      'x-session-id': session,
      'x-memory-mode': 'write',
      ...headers,
    })
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: PILL }],
      })
      .withResponse();
    return response.headers;
  },
  'chat completions, a Claude model (cross-format)': async (
    key: Key,
    session: string,
    headers = {},
  ) => {
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: PILL }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-ant-test',
        'x-session-id': session,
        'x-memory-mode': 'write',
        ...headers,
      },
    );
    expect(response.status).toBe(200);
    return response.headers;
  },
};

describe('storing a turn the user repeats on purpose', () => {
  beforeEach(resetFakes);

  it('GraphQL chat: storeRepeats stores and bills the repeat that is DUPLICATE without it', async () => {
    const key = await newKey();
    const first = await chatGraphql(key, 'diary');
    expect(first.turn).toEqual({ stored: true, memories: 2, reason: null });
    // The default is unchanged: the same words within the day are a repeat.
    expect((await chatGraphql(key, 'diary')).turn.reason).toBe('DUPLICATE');
    const billed = await usageTokens(key);

    const again = await chatGraphql(key, 'diary', { storeRepeats: true });
    expect(again.turn).toEqual({ stored: true, memories: 2, reason: null });
    expect(again.storedMemoryTokens).toBe(first.storedMemoryTokens);
    expect(await usageTokens(key)).toBe(billed + again.storedMemoryTokens!);
    const answer = `ASSISTANT: Fake ${OPENAI.host} heard: ${PILL}`;
    expect(await sessionMemories(key, 'diary')).toEqual([
      `USER: ${PILL}`,
      answer,
      `USER: ${PILL}`,
      answer,
    ]);
  });

  for (const [route, ask] of Object.entries(DROP_INS)) {
    it(`${route}: X-Memory-Store-Repeats: true stores the repeat; the header's absence keeps the rule`, async () => {
      const key = await newKey();
      expect((await ask(key, 'pills')).get('x-memory-turn')).toBe('stored');
      expect((await ask(key, 'pills')).get('x-memory-turn')).toBe('duplicate');
      const repeated = await ask(key, 'pills', { 'x-memory-store-repeats': 'true' });
      expect(repeated.get('x-memory-turn')).toBe('stored');
      expect(Number(repeated.get('x-memory-tokens-stored'))).toBeGreaterThan(0);
      const memories = await sessionMemories(key, 'pills');
      expect(memories.filter((memory) => memory === `USER: ${PILL}`)).toHaveLength(2);
      expect(memories).toHaveLength(4);
    });
  }

  it('with extraction: the repeat is stored and extracted from (GraphQL and X-Memory-Extract)', async () => {
    const key = await newKey();
    const fact = 'The user took their evening pill';
    await scriptTurnWithFacts(fact, false);
    expect((await chatGraphql(key, 'meds', { extract: true })).turn.stored).toBe(true);

    await scriptTurnWithFacts(fact, true);
    const before = (await extractionCalls()).length;
    const again = await chatGraphql(key, 'meds', { extract: true, storeRepeats: true });
    expect(again.turn).toEqual({ stored: true, memories: 2, reason: null });
    // Extracted from; the fact, the same words as the one that stands, adds
    // nothing new (an ADD of what the vault says is no change).
    expect(again.facts).toMatchObject({ extracted: 1, added: [] });
    // The facts, and the decision on the first turn's fact.
    expect((await extractionCalls()).length).toBe(before + 2);

    // The drop-in route alike: a third time, through the openai SDK.
    await scriptTurnWithFacts(fact, true);
    const calls = (await extractionCalls()).length;
    const headers = await DROP_INS['chat completions (openai SDK)'](key, 'meds', {
      'x-memory-extract': 'true',
      'x-memory-store-repeats': 'true',
    });
    expect(headers.get('x-memory-turn')).toBe('stored');
    expect((await extractionCalls()).length).toBe(calls + 2);
    expect(
      (await sessionMemories(key, 'meds')).filter((memory) => memory === `USER: ${PILL}`),
    ).toHaveLength(3);
  });

  it('identical turns racing with X-Memory-Store-Repeats are each stored (nothing is checked)', async () => {
    const key = await newKey();
    const ask = DROP_INS['chat completions (openai SDK)'];
    const turns = await Promise.all(
      Array.from({ length: 3 }, () => ask(key, 'race', { 'x-memory-store-repeats': 'true' })),
    );
    expect(turns.map((headers) => headers.get('x-memory-turn'))).toEqual([
      'stored',
      'stored',
      'stored',
    ]);
    expect(await sessionMemories(key, 'race')).toHaveLength(6);
  });

  it('a value other than true or false is a coded 400, and the provider is never called', async () => {
    const key = await newKey();
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: PILL }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-memory-store-repeats': 'yes',
      },
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, string> };
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MEMORY_CONTROL' });
    expect(error.message).toMatch(/x-memory-store-repeats must be true or false/i);
    expect(await upstreamCalls(OPENAI.host)).toEqual([]);
  });
});
