import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NewMemory, Retirement, StoreRequest } from '../src/durable/rpc/vault-types';
import { IDEMPOTENCY_WINDOW_MS } from '../src/core/limits';
import { VaultObject } from '../src/durable/vault/vault-object';
import { VAULT_MIGRATIONS } from '../src/durable/warm-tier/vault-schema';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { StoreMemoryDocument } from './generated/graphql';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { openAiClient, usageTokens } from './helpers/drop-in';
import { newKey, post } from './helpers/graphql';
import { postChat, postWithProviderKey } from './helpers/graphql-chat';
import { OPENAI, scriptExtractor, storeExtracting, type FactsReceipt } from './helpers/facts';
import { freshAddress, memory, ok, storeRequest, vaultStub } from './helpers/vaults';

// Retries of everything that extracts facts: a keyed storeMemories(extract:)
// answers the first call again, model calls and billing included (none), and
// a chat turn with extraction that repeats is DUPLICATE, as one without.

type Key = Awaited<ReturnType<typeof newKey>>;

interface StoreBody {
  data?: { storeMemories: { id: string; content: string; createdAt: string }[] } | null;
  errors?: { message?: string; extensions?: { code?: string; reason?: string } }[];
  extensions?: {
    memory?: { memoryTokens: number; facts?: FactsReceipt; replay?: { deletedSince: string[] } };
  };
}

/** The model calls fact extraction made so far (the extraction's and the reconciliation's). */
async function extractionCalls() {
  return (await fakeCalls()).filter(
    (call) =>
      call.host === OPENAI.host &&
      /record_facts|reconcile_facts/.test(JSON.stringify(call.body.tools ?? [])),
  );
}

/** storeMemories with extraction and (when given) an idempotency key, raw. */
async function storeWithFacts(
  key: Key,
  inputs: { content: string }[],
  idempotencyKey: string | null,
  model: string = OPENAI.model,
): Promise<StoreBody> {
  return (await storeExtracting(key.secret, inputs, {
    select: 'id content createdAt',
    key: idempotencyKey,
    extract: { model },
  })) as StoreBody;
}

async function memoryCount(key: Key): Promise<number> {
  const result = await post<{ vault: { memoryCount: number } | null }>(
    '{ vault(selector: { kind: CORE }) { memoryCount } }',
    {},
    key.secret,
  );
  return result.data?.vault?.memoryCount ?? 0;
}

async function sessionCount(key: Key, session: string): Promise<number> {
  const result = await post<{ vault: { memoryCount: number } | null }>(
    'query ($id: String!) { vault(selector: { kind: SESSION, id: $id }) { memoryCount } }',
    { id: session },
    key.secret,
  );
  return result.data?.vault?.memoryCount ?? 0;
}

const MOVED = [
  { content: 'We moved to Berlin last month' },
  { content: 'My sister Ana is a nurse' },
];

describe('a keyed storeMemories with extract', () => {
  beforeEach(resetFakes);

  it('answers a retry with the first memories and fact receipt: no model call, nothing stored or billed', async () => {
    const key = await newKey();
    const paris = await key.api.request(StoreMemoryDocument, {
      input: { content: 'The user lives in Paris' },
    });
    await scriptExtractor(
      ['The user lives in Berlin', 'The user has a sister named Ana'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const first = await storeWithFacts(key, MOVED, 'moved-1');
    expect(first.errors).toBeUndefined();
    const facts = first.extensions!.memory!.facts!;
    expect(facts.superseded).toEqual([paris.storeMemory.id]);
    expect(facts.updated.map(({ content }) => content)).toEqual(['The user lives in Berlin']);
    expect(facts.added.map(({ content }) => content)).toEqual(['The user has a sister named Ana']);
    expect(first.extensions!.memory!.replay).toBeUndefined();
    const calls = (await extractionCalls()).length;
    expect(calls).toBe(2);
    const billed = await usageTokens(key);
    const count = await memoryCount(key);

    const again = await storeWithFacts(key, MOVED, 'moved-1');
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    // The first call's provider tokens were reported once; the replay made no call.
    expect(facts.usage.inputTokens).toBeGreaterThan(0);
    expect(again.extensions!.memory!.facts).toEqual({
      ...facts,
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    expect(again.extensions!.memory!.replay).toEqual({ deletedSince: [] });
    expect(again.extensions!.memory!.memoryTokens).toBe(0);
    expect((await extractionCalls()).length).toBe(calls);
    expect(await memoryCount(key)).toBe(count);
    expect(await usageTokens(key)).toBe(billed);
  });

  it('stores concurrent identical calls once, each answered alike', async () => {
    const key = await newKey();
    for (let call = 0; call < 3; call++) await scriptExtractor(['The user has a sister named Ana']);
    const results = await Promise.all(
      Array.from({ length: 3 }, () => storeWithFacts(key, MOVED, 'race')),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(new Set(results.map(({ data }) => JSON.stringify(data))).size).toBe(1);
    // Alike but for usage: each reports the provider tokens it spent itself.
    const receipts = results.map(({ extensions }) => ({
      ...extensions!.memory!.facts!,
      usage: null,
    }));
    expect(new Set(receipts.map((facts) => JSON.stringify(facts))).size).toBe(1);
    expect(results[0]!.extensions!.memory!.facts!.added).toHaveLength(1);
    // The two inputs and one fact, once.
    expect(await memoryCount(key)).toBe(3);
    const billedPerCall = results.map(({ extensions }) => extensions!.memory!.memoryTokens);
    expect(billedPerCall.filter((tokens) => tokens > 0)).toHaveLength(1);
    expect(await usageTokens(key)).toBe(Math.max(...billedPerCall));
  });

  it('refuses the same key with another model, other inputs or without extract, before any model call', async () => {
    const key = await newKey();
    await scriptExtractor(['The user has a sister named Ana']);
    expect((await storeWithFacts(key, MOVED, 'reused')).errors).toBeUndefined();
    const calls = (await extractionCalls()).length;
    const count = await memoryCount(key);
    const otherModel = await storeWithFacts(key, MOVED, 'reused', 'openai/gpt-4o');
    const otherInputs = await storeWithFacts(key, MOVED.slice(0, 1), 'reused');
    const plain = await post(
      `mutation ($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs, idempotencyKey: "reused") { id } }`,
      { inputs: MOVED },
      key.secret,
    );
    for (const refused of [otherModel, otherInputs, plain]) {
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'IDEMPOTENCY_KEY_REUSED',
      });
    }
    expect((await extractionCalls()).length).toBe(calls);
    expect(await memoryCount(key)).toBe(count);
  });

  it('replays a retry that spells the same model another way (gpt-4o-mini for openai/gpt-4o-mini)', async () => {
    const key = await newKey();
    await scriptExtractor(['The user has a sister named Ana']);
    const first = await storeWithFacts(key, MOVED, 'spelled');
    expect(first.errors).toBeUndefined();
    const calls = (await extractionCalls()).length;
    const again = await storeWithFacts(key, MOVED, 'spelled', 'gpt-4o-mini');
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(again.extensions!.memory!.replay).toEqual({ deletedSince: [] });
    expect((await extractionCalls()).length).toBe(calls);
  });

  it('says an empty model name is empty (UNKNOWN_MODEL), for extract as for chat', async () => {
    const key = await newKey();
    const stored = await storeWithFacts(key, MOVED, null, 'openai/');
    const chat = await post(
      `mutation ($input: ChatInput!) { chat(input: $input) { content } }`,
      { input: { model: 'openai/', messages: [{ role: 'USER', content: 'hello there' }] } },
      key.secret,
    );
    for (const refused of [stored, chat]) {
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'UNKNOWN_MODEL',
      });
      expect(JSON.stringify(refused.errors)).toContain(
        'the model name after \\"openai/\\" is empty',
      );
    }
    expect(await extractionCalls()).toHaveLength(0);
    expect(await memoryCount(key)).toBe(0);
  });

  it('extracts on a retry when the first extraction failed for a while (429, 5xx): turns kept, facts recorded under the key', async () => {
    const key = await newKey();
    await scriptFake({ host: OPENAI.host, status: 503 });
    const first = await storeWithFacts(key, MOVED, 'passing-failure');
    expect(first.errors).toBeUndefined();
    expect(first.extensions!.memory!.facts!.failure).toMatchObject({ reason: 'PROVIDER_5XX' });
    expect(await memoryCount(key)).toBe(2);
    const calls = (await extractionCalls()).length;

    await scriptExtractor(['The user has a sister named Ana']);
    const retry = await storeWithFacts(key, MOVED, 'passing-failure');
    expect(retry.errors).toBeUndefined();
    // The same turns (ids as first stored), not stored again; the facts are new.
    expect(retry.data).toEqual(first.data);
    const facts = retry.extensions!.memory!.facts!;
    expect(facts.failure).toBeNull();
    expect(facts.added.map(({ content }) => content)).toEqual(['The user has a sister named Ana']);
    expect((await extractionCalls()).length).toBe(calls + 1);
    expect(await memoryCount(key)).toBe(3);

    // Recorded under the key: the next retry replays the facts, no model call.
    const again = await storeWithFacts(key, MOVED, 'passing-failure');
    expect(again.data).toEqual(first.data);
    expect(again.extensions!.memory!.facts!.added).toEqual(facts.added);
    expect(again.extensions!.memory!.facts!.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect((await extractionCalls()).length).toBe(calls + 1);
    expect(await memoryCount(key)).toBe(3);
  });

  it("extracts again after the provider's 429, not after its 401", async () => {
    const key = await newKey();
    const retried = async (status: number, idempotencyKey: string) => {
      await scriptFake({ host: OPENAI.host, status });
      const first = await storeWithFacts(key, MOVED, idempotencyKey);
      expect(first.extensions!.memory!.facts!.failure).toMatchObject({ reason: 'PROVIDER_4XX' });
      await scriptExtractor(['The user has a sister named Ana']);
      const calls = (await extractionCalls()).length;
      const retry = await storeWithFacts(key, MOVED, idempotencyKey);
      expect(retry.data).toEqual(first.data);
      return {
        calls: (await extractionCalls()).length - calls,
        facts: retry.extensions!.memory!.facts!,
      };
    };
    const limited = await retried(429, 'rate-limited');
    expect(limited.calls).toBe(1);
    expect(limited.facts.failure).toBeNull();
    const refused = await retried(401, 'refused');
    expect(refused.calls).toBe(0);
    expect(refused.facts.failure).toMatchObject({ reason: 'PROVIDER_4XX' });
    await resetFakes(); // the scripted answer the refused retry did not use
  });

  it('a retry whose extraction outlasts the key’s 24 hours: NOT_FOUND, IDEMPOTENCY_KEY_EXPIRED, nothing written; the key is then new', async () => {
    const key = await newKey();
    await scriptFake({ host: OPENAI.host, status: 503 });
    const first = await storeWithFacts(key, MOVED, 'slow-retry');
    expect(first.extensions!.memory!.facts!.failure).toMatchObject({ reason: 'PROVIDER_5XX' });
    expect(await memoryCount(key)).toBe(2);

    // The retry finds the key (within its 24 hours) and asks the model; its
    // 24 hours pass before the facts reach the vault. Vault objects run in
    // this isolate: the key's record is aged as the facts' write arrives.
    await scriptExtractor(['The user has a sister named Ana']);
    const prototype = VaultObject.prototype as unknown as {
      store(this: VaultObject, address: unknown, request: StoreRequest): Promise<unknown>;
    };
    const store = prototype.store;
    prototype.store = async function (address, request) {
      if (request.idempotency?.extraction?.amends !== undefined) {
        (this as unknown as { ctx: DurableObjectState }).ctx.storage.sql.exec(
          'UPDATE store_keys SET at = at - ?',
          IDEMPOTENCY_WINDOW_MS + 1_000,
        );
      }
      return store.call(this, address, request);
    };
    let late: StoreBody;
    try {
      late = await storeWithFacts(key, MOVED, 'slow-retry');
    } finally {
      prototype.store = store;
    }
    expect(late.data ?? null).toBeNull();
    expect(late.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'IDEMPOTENCY_KEY_EXPIRED',
    });
    expect(late.errors?.[0]?.message).toMatch(
      /its 24 hours passed while this retry extracted facts\): nothing was written/,
    );
    // The first call's memories stand, without facts.
    expect(await memoryCount(key)).toBe(2);

    // The key is gone: sent again, it is a new call, which stores the inputs again.
    await scriptExtractor([]);
    const again = await storeWithFacts(key, MOVED, 'slow-retry');
    expect(again.errors).toBeUndefined();
    expect(again.data!.storeMemories.map(({ id }) => id)).not.toEqual(
      first.data!.storeMemories.map(({ id }) => id),
    );
    expect(await memoryCount(key)).toBe(4);
  });

  it('replays a malformed extraction answer: no second model call', async () => {
    const key = await newKey();
    await scriptFake({ host: OPENAI.host, toolArguments: 'not json at all' });
    const first = await storeWithFacts(key, MOVED, 'malformed');
    const failure = first.extensions!.memory!.facts!.failure;
    expect(failure).not.toBeNull();
    const calls = (await extractionCalls()).length;
    const again = await storeWithFacts(key, MOVED, 'malformed');
    expect(again.data).toEqual(first.data);
    expect(again.extensions!.memory!.facts!.failure).toEqual(failure);
    expect((await extractionCalls()).length).toBe(calls);
  });

  it('names a fact deleted since in replay.deletedSince; it stays deleted', async () => {
    const key = await newKey();
    await scriptExtractor(['The user has a sister named Ana']);
    const first = await storeWithFacts(key, MOVED, 'deleted-fact');
    const fact = first.extensions!.memory!.facts!.added[0]!;
    const deleted = await post(
      'mutation ($id: ID!) { deleteMemory(id: $id) }',
      { id: fact.id },
      key.secret,
    );
    expect(deleted.data).toEqual({ deleteMemory: true });

    const again = await storeWithFacts(key, MOVED, 'deleted-fact');
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(again.extensions!.memory!.replay).toEqual({ deletedSince: [fact.id] });
    // Its id as first answered; its text is gone from the vault, key included.
    expect(again.extensions!.memory!.facts!.added).toEqual([{ id: fact.id, content: '' }]);
    // What the key keeps: ids, counts and decisions, no word of the inputs or the facts.
    const address: VaultAddress = { kind: 'CORE', keyId: key.keyId, externalId: null };
    const kept = await runInDurableObject(
      env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
      (_, state) =>
        JSON.stringify([
          state.storage.sql.exec('SELECT * FROM store_keys').toArray(),
          state.storage.sql.exec('SELECT * FROM store_key_records').toArray(),
        ]),
    );
    expect(kept).toContain('deleted-fact');
    expect(kept).not.toMatch(/sister|Ana|nurse|Berlin/u);
    const found = await post(
      'query ($id: ID!) { memory(id: $id) { id } }',
      { id: fact.id },
      key.secret,
    );
    expect(found.data).toEqual({ memory: null });
    expect(await memoryCount(key)).toBe(2);
  });

  it("the vault answers a racing call that reaches the write second with the first call's facts", async () => {
    // Both calls looked the key up before either wrote, and each asked its
    // model: the second's own facts are not stored; it gets the first's answer.
    const address = freshAddress();
    const keyed = (receipt: string) => ({
      key: 'racing',
      fingerprint: 'hmac-v1:same-inputs',
      extraction: { inputs: 1, receipt },
    });
    const said = memory('We moved to Berlin last month');
    const first = ok(
      await vaultStub(address).store(address, {
        ...storeRequest([said, memory('The user lives in Berlin', { role: 'SYSTEM' })]),
        idempotency: keyed('first'),
      }),
    );
    const second = ok(
      await vaultStub(address).store(address, {
        ...storeRequest([said, memory('The user now lives in Germany', { role: 'SYSTEM' })]),
        idempotency: keyed('second'),
      }),
    );
    expect(second.replayed).toBe(true);
    expect(second.memories.map(({ id }) => id)).toEqual([first.memories[0]!.id]);
    expect(second.extraction).toEqual({
      receipt: 'first',
      facts: [{ id: first.memories[1]!.id, content: 'The user lives in Berlin' }],
      retired: [],
    });
    const stats = ok(await vaultStub(address).read(address, [{ type: 'stats' }]));
    expect(stats.stats.memoryCount).toBe(2);
  });

  it('the vault takes one of two retries amending a failed extraction; the other gets its facts', async () => {
    const address = freshAddress();
    const said = memory('We moved to Berlin last month');
    const keyed = (receipt: string, amends?: string) => ({
      key: 'amended',
      fingerprint: 'hmac-v1:same-inputs',
      extraction: {
        inputs: 1,
        receipt,
        ...(amends === undefined
          ? {}
          : {
              amends: {
                receipt: amends,
                inputs: [{ content: said.content, role: said.role, metadata: said.metadata }],
              },
            }),
      },
    });
    const first = ok(
      await vaultStub(address).store(address, {
        ...storeRequest([said]),
        idempotency: keyed('failed'),
      }),
    );
    const fact = (content: string) => memory(content, { role: 'SYSTEM' });
    const amended = ok(
      await vaultStub(address).store(address, {
        ...storeRequest([fact('The user lives in Berlin')]),
        idempotency: keyed('extracted', 'failed'),
      }),
    );
    expect(amended.replayed).toBeUndefined();
    const late = ok(
      await vaultStub(address).store(address, {
        ...storeRequest([fact('The user now lives in Germany')]),
        idempotency: keyed('extracted too', 'failed'),
      }),
    );
    expect(late.replayed).toBe(true);
    expect(late.memories.map(({ id }) => id)).toEqual([first.memories[0]!.id]);
    expect(late.extraction).toEqual({
      receipt: 'extracted',
      facts: [{ id: amended.memories[0]!.id, content: 'The user lives in Berlin' }],
      retired: [],
    });
    const stats = ok(await vaultStub(address).read(address, [{ type: 'stats' }]));
    expect(stats.stats.memoryCount).toBe(2);
  });

  it('an old vault upgrades (migration 18): its keys still replay, and keyed extraction works', async () => {
    const key = await newKey();
    const plain = await post<{ storeMemories: { id: string }[] }>(
      `mutation ($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs, idempotencyKey: "plain-old") { id } }`,
      { inputs: [{ content: 'The ferry leaves at nine' }] },
      key.secret,
    );
    const address: VaultAddress = { kind: 'CORE', keyId: key.keyId, externalId: null };
    expect(VAULT_MIGRATIONS.map((migration) => migration.version)).toContain(18);
    const downgrade = (dropColumn: boolean) =>
      runInDurableObject(
        env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
        (object, state) => {
          // The vault as schema 17 left it: keys without the extraction column.
          if (dropColumn) state.storage.sql.exec('ALTER TABLE store_keys DROP COLUMN extraction');
          // eslint-disable-next-line no-restricted-syntax -- the schema version alone, read by migrate()
          state.storage.sql.exec("UPDATE meta SET value = '17' WHERE key = 'schema_version'");
          (object as unknown as { life: { wake(): void } }).life.wake();
        },
      );
    await downgrade(true);
    // Run again over a vault that has the column: the migration leaves it be.
    await downgrade(false);

    const retried = await post(
      `mutation ($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs, idempotencyKey: "plain-old") { id } }`,
      { inputs: [{ content: 'The ferry leaves at nine' }] },
      key.secret,
    );
    expect(retried.data).toEqual(plain.data);
    await scriptExtractor(['The user has a sister named Ana']);
    const first = await storeWithFacts(key, MOVED, 'after-upgrade');
    const again = await storeWithFacts(key, MOVED, 'after-upgrade');
    expect(again.data).toEqual(first.data);
    expect(again.extensions!.memory!.facts).toEqual({
      ...first.extensions!.memory!.facts,
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    expect(await memoryCount(key)).toBe(4);
  });
});

/** What a chat turn's receipt says, GraphQL. */
interface ChatMemory {
  storedMemoryTokens: number | null;
  turn: { stored: boolean; memories: number; reason: string | null };
  facts: {
    extracted: number;
    added: { content: string }[];
    updated: { content: string }[];
  } | null;
}

async function chatWithFacts(key: Key, content: string): Promise<ChatMemory> {
  const result = await postChat<{ chat: { memory: ChatMemory } }>(
    key.secret,
    `mutation($input: ChatInput!) { chat(input: $input) { memory {
      storedMemoryTokens turn { stored memories reason }
      facts { extracted added { content } updated { content } }
    } } }`,
    {
      model: OPENAI.model,
      sessionId: 'repeat',
      memoryMode: 'WRITE',
      extract: true,
      messages: [{ role: 'USER', content }],
    },
    OPENAI.key,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

describe('a repeated chat turn with extraction', () => {
  beforeEach(resetFakes);

  it('GraphQL: DUPLICATE, no extraction call, nothing stored or billed; facts null', async () => {
    const key = await newKey();
    const said = 'My sister Ines moved to Porto in March';
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user has a sister named Ines who lives in Porto']);
    const first = await chatWithFacts(key, said);
    expect(first.turn).toMatchObject({ stored: true, memories: 2 });
    expect(first.facts).toMatchObject({ extracted: 1 });
    const calls = (await extractionCalls()).length;
    const billed = await usageTokens(key);

    await scriptFake({ host: OPENAI.host });
    const again = await chatWithFacts(key, `  ${said}\n`);
    expect(again).toEqual({
      storedMemoryTokens: 0,
      turn: { stored: false, memories: 0, reason: 'DUPLICATE' },
      facts: null,
    });
    expect((await extractionCalls()).length).toBe(calls);
    expect(await usageTokens(key)).toBe(billed);
  });

  it('GraphQL: identical turns racing store once; the others are DUPLICATE, never a negative count', async () => {
    const key = await newKey();
    const said = 'My brother Tomas plays the cello';
    const results = await Promise.all(Array.from({ length: 3 }, () => chatWithFacts(key, said)));
    const stored = results.filter(({ turn }) => turn.stored);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.turn).toEqual({ stored: true, memories: 2, reason: null });
    expect(stored[0]!.facts).not.toBeNull();
    for (const loser of results.filter(({ turn }) => !turn.stored)) {
      expect(loser).toEqual({
        storedMemoryTokens: 0,
        turn: { stored: false, memories: 0, reason: 'DUPLICATE' },
        facts: null,
      });
    }
    // The turn (question and answer) and its facts, once.
    const facts = stored[0]!.facts!.added.length;
    expect(await sessionCount(key, 'repeat')).toBe(2 + facts);
  });

  it('GraphQL: a turn repeating a demoted turn is news: stored and extracted again', async () => {
    const key = await newKey();
    const home = 'I am working from home this week';
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user works from home']);
    expect((await chatWithFacts(key, home)).turn.stored).toBe(true);
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user works at the office'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    expect((await chatWithFacts(key, 'Back at the office now')).turn.stored).toBe(true);

    // The first turn's fact was superseded: saying it again is not a retry.
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user works from home'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const before = (await extractionCalls()).length;
    const again = await chatWithFacts(key, home);
    expect(again.turn).toEqual({ stored: true, memories: 2, reason: null });
    expect(again.facts).toMatchObject({ extracted: 1 });
    expect((await extractionCalls()).length).toBe(before + 2);
    // The model saw the office fact as a candidate and replaced it.
    expect(again.facts!.updated.map(({ content }) => content)).toEqual([
      'The user works from home',
    ]);

    // Its fact stands now: the same turn once more is a repeat.
    await scriptFake({ host: OPENAI.host });
    const once = (await extractionCalls()).length;
    expect((await chatWithFacts(key, home)).turn).toEqual({
      stored: false,
      memories: 0,
      reason: 'DUPLICATE',
    });
    expect((await extractionCalls()).length).toBe(once);
  });

  it('GraphQL: a turn repeating a plain note (stored without extraction) is extracted', async () => {
    const key = await newKey();
    const said = 'My cousin Lea teaches piano in Lyon';
    const note = await post(
      'mutation ($input: StoreMemoryInput!) { storeMemory(input: $input) { id } }',
      { input: { content: said, vault: { kind: 'SESSION', id: 'repeat' } } },
      key.secret,
    );
    expect(note.errors).toBeUndefined();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user has a cousin Lea who teaches piano in Lyon']);
    const turn = await chatWithFacts(key, said);
    expect(turn.turn).toEqual({ stored: true, memories: 2, reason: null });
    expect(turn.facts).toMatchObject({ extracted: 1 });
    expect(turn.facts!.added.map(({ content }) => content)).toEqual([
      'The user has a cousin Lea who teaches piano in Lyon',
    ]);
  });

  it('GraphQL: the same question with a new answer stores and extracts the answer only', async () => {
    const key = await newKey();
    const said = 'What should I pack for Porto?';
    await scriptFake({ host: OPENAI.host, reply: 'Pack a light raincoat.' });
    await scriptExtractor([]);
    expect((await chatWithFacts(key, said)).turn).toMatchObject({ stored: true, memories: 2 });

    await scriptFake({ host: OPENAI.host, reply: 'Bring comfortable walking shoes.' });
    await scriptExtractor(['Walking shoes suit Porto']);
    const before = (await extractionCalls()).length;
    const again = await chatWithFacts(key, said);
    expect(again.turn).toEqual({ stored: true, memories: 1, reason: null });
    expect(again.facts).toMatchObject({ extracted: 1 });
    const extraction = (await extractionCalls()).slice(before)[0]!;
    const read = JSON.stringify(extraction.body.messages);
    expect(read).toContain('Bring comfortable walking shoes.');
    expect(read).not.toContain(said);
  });

  it('drop-in /v1/chat/completions with X-Memory-Extract: duplicate, no extraction call, nothing billed', async () => {
    const key = await newKey();
    const client = openAiClient(key.secret, {
      'x-session-id': 'drop-in-repeat',
      'x-memory-mode': 'write',
      'x-memory-extract': 'true',
    });
    const complete = async () => {
      const { response } = await client.chat.completions
        .create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Our wedding anniversary is 12 June' }],
        })
        .withResponse();
      return {
        turn: response.headers.get('x-memory-turn'),
        stored: Number(response.headers.get('x-memory-tokens-stored')),
      };
    };
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(['The user’s wedding anniversary is 12 June']);
    const first = await complete();
    expect(first.turn).toBe('stored');
    expect(first.stored).toBeGreaterThan(0);
    const calls = (await extractionCalls()).length;
    expect(calls).toBe(1);
    const billed = await usageTokens(key);

    await scriptFake({ host: OPENAI.host });
    expect(await complete()).toEqual({ turn: 'duplicate', stored: 0 });
    expect((await extractionCalls()).length).toBe(calls);
    expect(await usageTokens(key)).toBe(billed);
  });

  it('drop-in /v1/chat/completions with X-Memory-Extract: identical turns racing store once, the others duplicate', async () => {
    const key = await newKey();
    const client = openAiClient(key.secret, {
      'x-session-id': 'drop-in-race',
      'x-memory-mode': 'write',
      'x-memory-extract': 'true',
    });
    const turns = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const { response } = await client.chat.completions
          .create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'My niece Sofia starts school in Rome' }],
          })
          .withResponse();
        return response.headers.get('x-memory-turn');
      }),
    );
    expect(turns.sort()).toEqual(['duplicate', 'duplicate', 'stored']);
  });

  it('the vault leaves out a fact whose turn items turned out repeated as it writes (turns racing)', async () => {
    const address = freshAddress('SESSION');
    const store = async (memories: NewMemory[], retire: Retirement[] = []) =>
      ok(await vaultStub(address).store(address, { ...storeRequest(memories), retire }));
    const dog = (await store([memory('The user has a dog')])).memories[0]!;
    const item = (content: string, role: 'USER' | 'ASSISTANT' = 'USER') => ({
      ...memory(content, { role }),
      skipIfRepeated: true,
    });
    const cat = [item('I adopted a cat called Miso'), item('Congratulations!', 'ASSISTANT')];
    const catFact = { ...memory('The user has a cat called Miso'), skipWith: [0, 1] };
    const first = await store([...cat, catFact]);
    expect(first.memories).toHaveLength(3);

    // Both passed the Worker's check before either wrote: the second's cat
    // turn repeats in the write's own step, and its fact goes with it, as
    // does the DELETE of the dog that fact's turn made its model decide; its
    // new turn and that turn's fact are stored.
    const fish = [item('I also keep a goldfish'), item('Lovely!', 'ASSISTANT')];
    const fishFact = { ...memory('The user keeps a goldfish'), skipWith: [2, 3] };
    const second = await store(
      [...cat, ...fish, catFact, fishFact],
      [{ id: dog.id, byPosition: null, skipWith: [0, 1] }],
    );
    expect(second.repeated).toEqual([0, 1, 4]);
    expect(second.memories.map(({ content }) => content)).toEqual([
      'I also keep a goldfish',
      'Lovely!',
      'The user keeps a goldfish',
    ]);
    expect(second.retired ?? []).toEqual([]);
    const kept = ok(await vaultStub(address).read(address, [{ type: 'get', ids: [dog.id] }]));
    expect(kept.results[0]).toMatchObject({ memories: [{ id: dog.id, validUntil: null }] });
  });
});

describe('storeMemories with extract: refusals come before any model call', () => {
  beforeEach(resetFakes);

  it('takes a full batch of 100 inputs and the facts drawn from it (the limit is on inputs)', async () => {
    const key = await newKey();
    const inputs = Array.from({ length: 100 }, (_, index) => ({
      content: `Note ${index}: the user visited lighthouse number ${index}`,
    }));
    const facts = Array.from({ length: 10 }, (_, index) => `The user visited lighthouse ${index}`);
    await scriptExtractor(facts);
    const result = await storeWithFacts(key, inputs, null);
    expect(result.errors).toBeUndefined();
    expect(result.data!.storeMemories).toHaveLength(100);
    expect(result.extensions!.memory!.facts!.added).toHaveLength(10);
    expect(await memoryCount(key)).toBe(110);
  });

  it('refuses an input the write would refuse (createdAt in the future) without a model call', async () => {
    const key = await newKey();
    await scriptExtractor(['The user has a sister named Ana']);
    const result = (await postWithProviderKey(
      key.secret,
      `mutation ($inputs: [StoreMemoryInput!]!) {
        storeMemories(inputs: $inputs, extract: { model: "${OPENAI.model}" }) { id }
      }`,
      {
        inputs: [
          { content: 'My sister Ana is a nurse' },
          { content: 'Tomorrow is here', createdAt: new Date(Date.now() + 86_400_000) },
        ],
      },
      OPENAI.key,
    )) as StoreBody;
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(JSON.stringify(result.errors)).toContain('inputs[1].createdAt');
    expect(await extractionCalls()).toHaveLength(0);
    expect(await memoryCount(key)).toBe(0);
  });

  it('refuses extract with caller-supplied embeddings, or into a vault of them, up front (EXTRACT_OWN_EMBEDDINGS)', async () => {
    const key = await newKey();
    await scriptExtractor(['The user has a sister named Ana']);
    const ownVector = [0.1, 0.2, 0.3, 0.4];
    const store = async (inputs: unknown[], extract: boolean) => {
      return (await postWithProviderKey(
        key.secret,
        `mutation ($inputs: [StoreMemoryInput!]!, $extract: ExtractInput) {
          storeMemories(inputs: $inputs, extract: $extract) { id }
        }`,
        { inputs, extract: extract ? { model: OPENAI.model } : null },
        OPENAI.key,
      )) as StoreBody & { errors?: { message: string }[] };
    };
    const withVector = await store(
      [{ content: 'My sister Ana is a nurse', embedding: ownVector }],
      true,
    );
    expect(withVector.data ?? null).toBeNull();
    expect(withVector.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EXTRACT_OWN_EMBEDDINGS',
    });
    expect(withVector.errors?.[0]?.message).toMatch(/^inputs\[0\]\.embedding: extraction/u);
    expect(await extractionCalls()).toHaveLength(0);
    expect(await memoryCount(key)).toBe(0);

    // A vault of caller-supplied vectors: a plain input (and its facts) would
    // get the deployment's vectors; the vault refuses it before the model call.
    const first = await store([{ content: 'Ferry at nine', embedding: ownVector }], false);
    expect(first.errors).toBeUndefined();
    const intoOwn = await store([{ content: 'My sister Ana is a nurse' }], true);
    expect(intoOwn.errors?.[0]?.extensions).toMatchObject({ reason: 'EMBEDDING_MISMATCH' });
    expect(intoOwn.errors?.[0]?.message).toMatch(/^inputs\[0\]\.embedding: /u);
    expect(await extractionCalls()).toHaveLength(0);
    expect(await memoryCount(key)).toBe(1);
  });
});
