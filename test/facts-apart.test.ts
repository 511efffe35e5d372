import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHistoryDocument, StoreMemoryDocument } from './generated/graphql';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { newKey, post } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';
import {
  warmEmbedder,
  factsOf,
  OPENAI,
  scriptExtractor,
  storeExtracting,
  type FactsReceipt,
} from './helpers/facts';
import { openAiClient } from './helpers/drop-in';
import { vaultStub, writeMetaBeneath } from './helpers/vaults';
import { runAlarm } from './helpers/alarms';
import { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultAddress } from '../src/vaults/address';

// Facts kept apart from their turn (factsVault: CORE) behave as facts kept
// beside it: the turn of a fact retired in CORE is demoted and outdated in
// its own vault, and is news when said again; a same-fact UPDATE stores no
// version; a keyed replay names a fact deleted since.

interface ChatMemory {
  facts: FactsReceipt | null;
  turn: { stored: boolean; memories: number; reason: string | null } | null;
}

const CHAT = `mutation ($input: ChatInput!) {
  chat(input: $input) {
    memory {
      facts { extracted added { id content } updated { id content supersedes } superseded deleted unchanged }
      turn { stored memories reason }
    }
  }
}`;

/** A chat turn in `session` whose facts go to CORE (or `factsVault`). */
async function chatApart(
  secret: string,
  session: string,
  content: string,
  factsVault: object = { kind: 'CORE' },
): Promise<ChatMemory> {
  const result = await postChat<{ chat: { memory: ChatMemory } }>(
    secret,
    CHAT,
    {
      model: OPENAI.model,
      sessionId: session,
      extract: true,
      factsVault,
      messages: [{ role: 'USER', content }],
    },
    OPENAI.key,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

interface Hit {
  score: number;
  memory: { content: string; vault: { kind: string } };
  outdated: { since: string; replacedBy: { content: string; vault: { kind: string } }[] } | null;
}

async function search(
  secret: string,
  query: string,
  vaults: object[],
  now?: string,
): Promise<Hit[]> {
  const result = await post<{ search: { hits: Hit[] } }>(
    `query ($input: SearchInput!) {
      search(input: $input) {
        hits {
          score
          memory { content vault { kind } }
          outdated { since replacedBy { content vault { kind } } }
        }
      }
    }`,
    {
      input: {
        query,
        ...(now === undefined ? {} : { now }),
        vaults,
        windows: ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'].map((window) => ({
          window,
          limit: 10,
        })),
      },
    },
    secret,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search.hits;
}

async function extractionCalls(): Promise<number> {
  return (await fakeCalls()).filter(
    (call) => call.host === OPENAI.host && JSON.stringify(call.body).includes('_facts'),
  ).length;
}

const PARIS = 'I live in Paris, near the canal.';
const SESSION_A = { kind: 'SESSION', id: 'session-a' };

/** Paris said in session A, then Madrid in session B superseding it in CORE (or `factsVault`). */
async function parisThenMadrid(secret: string, factsVault: object = { kind: 'CORE' }) {
  await scriptFake({ host: OPENAI.host });
  await scriptExtractor(['The user lives in Paris']);
  const a = await chatApart(secret, 'session-a', PARIS, factsVault);
  expect(a.facts!.added).toHaveLength(1);
  const before = await search(secret, 'Paris canal', [SESSION_A]);
  await scriptFake({ host: OPENAI.host });
  await scriptExtractor(
    ['The user lives in Madrid'],
    [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
  );
  const b = await chatApart(secret, 'session-b', 'I moved to Madrid last week.', factsVault);
  expect(b.facts!.superseded).toEqual([a.facts!.added[0]!.id]);
  return { paris: a.facts!.added[0]!, madrid: b.facts!.updated[0]!, before };
}

describe('facts apart from their turn (factsVault)', () => {
  beforeAll(warmEmbedder);
  beforeEach(resetFakes);

  it('the source turn is demoted and outdated in its own vault when CORE supersedes its fact', async () => {
    const { secret } = await newKey();
    const { before } = await parisThenMadrid(secret);
    const turnBefore = before.find((hit) => hit.memory.content === PARIS)!;
    expect(turnBefore.outdated).toBeNull();

    const after = await search(secret, 'Paris canal', [SESSION_A]);
    const turn = after.find((hit) => hit.memory.content === PARIS)!;
    // Outdated as beside its fact, replaced by the fact that lives in CORE.
    expect(turn.outdated).toMatchObject({ replacedBy: [{ content: 'The user lives in Madrid' }] });
    expect(Date.parse(turn.outdated!.since)).toBeGreaterThan(0);
    // Demoted by STALE_TURN_WEIGHT (a quarter), the same words matched.
    expect(turn.score).toBeLessThan(turnBefore.score * 0.5);

    // Over both vaults, where do I live: Madrid's fact ranks above Paris's turn.
    const both = await search(secret, 'where do I live, Paris or Madrid', [
      SESSION_A,
      { kind: 'CORE' },
    ]);
    const rank = (content: string) => both.findIndex((hit) => hit.memory.content === content);
    expect(rank('The user lives in Madrid')).toBeGreaterThanOrEqual(0);
    expect(rank('The user lives in Madrid')).toBeLessThan(rank(PARIS));
  });

  for (const [how, remove] of [
    [
      'deleteMemory',
      (secret: string, id: string) =>
        post('mutation ($id: ID!) { deleteMemory(id: $id) }', { id }, secret),
    ],
    [
      'deleteMemories',
      (secret: string, id: string) =>
        post(
          'mutation ($ids: [ID!]!) { deleteMemories(ids: $ids) { deletedIds } }',
          { ids: [id] },
          secret,
        ),
    ],
  ] as const) {
    it(`${how} of the fact that superseded it: the turn is no longer outdated in its own vault`, async () => {
      const { secret } = await newKey();
      const { madrid, before } = await parisThenMadrid(secret);
      const outdated = await search(secret, 'Paris canal', [SESSION_A]);
      expect(outdated.find((hit) => hit.memory.content === PARIS)!.outdated).not.toBeNull();

      // Madrid goes: Paris is current again in CORE, so its turn is too.
      expect((await remove(secret, madrid.id)).errors).toBeUndefined();
      const after = await search(secret, 'Paris canal', [SESSION_A]);
      const turn = after.find((hit) => hit.memory.content === PARIS)!;
      expect(turn.outdated).toBeNull();
      expect(turn.score).toBeCloseTo(before.find((hit) => hit.memory.content === PARIS)!.score, 6);
    });
  }

  it("replacedBy names the latest version in CORE, and the search's now reads it as it was", async () => {
    const { secret } = await newKey();
    await parisThenMadrid(secret);
    const beforeRome = new Date().toISOString();
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Rome'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const c = await chatApart(secret, 'session-c', 'We moved on to Rome.');
    expect(c.facts!.updated.map(({ content }) => content)).toEqual(['The user lives in Rome']);

    const replacedBy = async (now?: string) => {
      const hits = await search(secret, 'Paris canal', [SESSION_A], now);
      return hits.find((hit) => hit.memory.content === PARIS)!.outdated!.replacedBy;
    };
    expect(await replacedBy()).toEqual([
      { content: 'The user lives in Rome', vault: { kind: 'CORE' } },
    ]);
    expect(await replacedBy(beforeRome)).toEqual([
      { content: 'The user lives in Madrid', vault: { kind: 'CORE' } },
    ]);
  });

  it('deleting the superseded fact itself: its turn is no longer outdated', async () => {
    const { secret } = await newKey();
    const { paris } = await parisThenMadrid(secret);
    const deleted = await post(
      'mutation ($id: ID!) { deleteMemory(id: $id) }',
      { id: paris.id },
      secret,
    );
    expect(deleted.errors).toBeUndefined();
    const turn = (await search(secret, 'Paris canal', [SESSION_A])).find(
      (hit) => hit.memory.content === PARIS,
    )!;
    expect(turn.outdated).toBeNull();
  });

  it("updateMemory of the superseded fact's sourceTurns: its turn's mark follows them", async () => {
    const { secret } = await newKey();
    const { paris } = await parisThenMadrid(secret);
    const read = await post<{ memory: { metadata: unknown } }>(
      'query ($id: ID!) { memory(id: $id) { metadata } }',
      { id: paris.id },
      secret,
    );
    const metadata = read.data!.memory.metadata as { sourceTurns: string[] };
    expect(metadata.sourceTurns).toHaveLength(2); // the user's words and the answer
    const edit = async (next: object) => {
      const edited = await post(
        'mutation ($input: UpdateMemoryInput!) { updateMemory(input: $input) { id } }',
        { input: { id: paris.id, metadata: next } },
        secret,
      );
      expect(edited.errors).toBeUndefined();
      return (await search(secret, 'Paris canal', [SESSION_A])).find(
        (hit) => hit.memory.content === PARIS,
      )!.outdated;
    };
    // It no longer names the turn: the turn is not outdated by it.
    expect(await edit({ kind: 'fact' })).toBeNull();
    // It names the turn again: outdated again, since the fact's end.
    expect(await edit(metadata)).not.toBeNull();
  });

  it('a turn said again after CORE superseded its fact is stored and extracted again, not DUPLICATE', async () => {
    const { secret } = await newKey();
    await parisThenMadrid(secret);
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Paris'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const calls = await extractionCalls();
    const again = await chatApart(secret, 'session-a', PARIS);
    expect(again.turn).toEqual({ stored: true, memories: 2, reason: null });
    expect(await extractionCalls()).toBe(calls + 2);
    expect(again.facts!.updated.map(({ content }) => content)).toEqual(['The user lives in Paris']);

    // Its fact stands again: once more is a repeat.
    await scriptFake({ host: OPENAI.host });
    expect((await chatApart(secret, 'session-a', PARIS)).turn).toEqual({
      stored: false,
      memories: 0,
      reason: 'DUPLICATE',
    });
  });

  it('drop-in: a turn said again after CORE superseded its fact is stored', async () => {
    const { secret } = await newKey();
    await parisThenMadrid(secret);
    const client = openAiClient(secret, {
      'x-session-id': 'session-a',
      'x-memory-extract': 'true',
      'x-memory-facts-vault': 'core',
    });
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Paris'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PARIS }] })
      .withResponse();
    expect(response.headers.get('x-memory-turn')).toBe('stored');
  });

  it('an UPDATE to the same text as the current fact stores no new version (unchanged)', async () => {
    const { secret, api } = await newKey();
    const fact = await api.request(StoreMemoryDocument, {
      input: { content: 'The user lives in Paris', metadata: { kind: 'fact' } },
    });
    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Paris.'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const turn = await chatApart(secret, 'session-a', 'Still in Paris, as ever.');
    expect(turn.facts).toMatchObject({
      extracted: 1,
      added: [],
      updated: [],
      superseded: [],
      unchanged: 1,
    });
    const history = await api.request(MemoryHistoryDocument, { id: fact.storeMemory.id });
    expect(history.memory!.history.map((version) => version.content)).toEqual([
      'The user lives in Paris',
    ]);
  });

  it('a keyed replay names a fact deleted since in replay.deletedSince', async () => {
    const { secret } = await newKey();
    const store = () =>
      storeExtracting(
        secret,
        [{ content: 'My dog is called Rex', vault: { kind: 'SESSION', id: 'notes' } }],
        { key: 'rex-1', extract: { factsVault: { kind: 'CORE' } } },
      );
    await scriptExtractor(['The user has a dog called Rex']);
    const first = await store();
    expect(first.errors).toBeUndefined();
    const added = factsOf(first)!.added;
    expect(added).toHaveLength(1);
    const deleted = await post<{ deleteMemory: boolean }>(
      'mutation ($id: ID!) { deleteMemory(id: $id) }',
      { id: added[0]!.id },
      secret,
    );
    expect(deleted.data).toEqual({ deleteMemory: true });

    const again = await store();
    expect(again.errors).toBeUndefined();
    const memory = (
      again.extensions as { memory: { facts: FactsReceipt; replay: { deletedSince: string[] } } }
    ).memory;
    expect(memory.replay.deletedSince).toEqual([added[0]!.id]);
    // Kept in the receipt by id, without the text the vault no longer holds.
    expect(memory.facts.added).toEqual([{ id: added[0]!.id, content: '' }]);
  });
});

type MarkMethod = 'markOutdatedElsewhere' | 'unmarkOutdatedElsewhere';

/**
 * Runs `act` while every call the vault objects receive of `method` is
 * kept (address and marks, as the Worker sent them), so a test can deliver
 * one again later: the arrival a concurrent request's call could have.
 */
async function recording(method: MarkMethod, act: () => Promise<unknown>): Promise<unknown[][]> {
  const prototype = VaultObject.prototype as unknown as Record<
    MarkMethod,
    (this: VaultObject, ...args: unknown[]) => Promise<unknown>
  >;
  const original = prototype[method];
  const calls: unknown[][] = [];
  prototype[method] = async function (...args: unknown[]) {
    calls.push(structuredClone(args));
    return original.apply(this, args);
  };
  try {
    await act();
  } finally {
    prototype[method] = original;
  }
  return calls;
}

/** Delivers a recorded call again, to the vault it was sent to. */
async function deliverLate(method: MarkMethod, call: unknown[]): Promise<void> {
  const stub = vaultStub(call[0] as VaultAddress) as unknown as Record<
    MarkMethod,
    (...args: unknown[]) => Promise<{ ok: boolean }>
  >;
  expect((await stub[method](...call)).ok).toBe(true);
}

const turnOutdated = async (secret: string) =>
  (await search(secret, 'Paris canal', [SESSION_A])).find((hit) => hit.memory.content === PARIS)!
    .outdated;

describe("facts apart: the turns' vault keeps the facts' vault's order", () => {
  beforeAll(warmEmbedder);
  beforeEach(resetFakes);

  // Two requests change the same fact one after the other in CORE, and each
  // then tells the turn's vault; nothing orders those calls, so the turn's
  // vault must not let the earlier change's call undo the later one's.
  it('an unmark (Madrid deleted, Paris current) arriving after the re-mark (Rome supersedes Paris) is ignored', async () => {
    const { secret } = await newKey();
    const { madrid } = await parisThenMadrid(secret);
    const unmarks = await recording('unmarkOutdatedElsewhere', async () => {
      const deleted = await post(
        'mutation ($id: ID!) { deleteMemory(id: $id) }',
        {
          id: madrid.id,
        },
        secret,
      );
      expect(deleted.errors).toBeUndefined();
    });
    expect(unmarks).toHaveLength(1);
    expect(await turnOutdated(secret)).toBeNull();

    await scriptFake({ host: OPENAI.host });
    await scriptExtractor(
      ['The user lives in Rome'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    const rome = await chatApart(secret, 'session-c', 'We moved on to Rome.');
    expect(rome.facts!.updated.map(({ content }) => content)).toEqual(['The user lives in Rome']);
    expect(await turnOutdated(secret)).not.toBeNull();

    // The delete's call comes in last: Paris still stands superseded by Rome.
    await deliverLate('unmarkOutdatedElsewhere', unmarks[0]!);
    expect(await turnOutdated(secret)).toMatchObject({
      replacedBy: [{ content: 'The user lives in Rome' }],
    });
  });

  it('a mark (Madrid supersedes Paris) arriving after the unmark (Madrid deleted) is ignored', async () => {
    const { secret } = await newKey();
    let madridId = '';
    const marks = await recording('markOutdatedElsewhere', async () => {
      madridId = (await parisThenMadrid(secret)).madrid.id;
    });
    expect(marks).toHaveLength(1);
    const deleted = await post(
      'mutation ($id: ID!) { deleteMemory(id: $id) }',
      {
        id: madridId,
      },
      secret,
    );
    expect(deleted.errors).toBeUndefined();
    expect(await turnOutdated(secret)).toBeNull();

    // The supersede's call comes in last: Paris is current, its turn too.
    await deliverLate('markOutdatedElsewhere', marks[0]!);
    expect(await turnOutdated(secret)).toBeNull();
  });
});

describe('facts apart: a facts vault that goes takes its marks with it', () => {
  beforeAll(warmEmbedder);
  beforeEach(resetFakes);

  it('clearVault of the facts vault: the turn is no longer outdated in its own vault', async () => {
    const { secret } = await newKey();
    const { before } = await parisThenMadrid(secret);
    expect(await turnOutdated(secret)).not.toBeNull();

    const cleared = await post<{ clearVault: number }>(
      'mutation { clearVault(selector: { kind: CORE }) }',
      {},
      secret,
    );
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data!.clearVault).toBeGreaterThan(0);
    // No fact says otherwise any more: the turn ranks and reads as before.
    const turn = (await search(secret, 'Paris canal', [SESSION_A])).find(
      (hit) => hit.memory.content === PARIS,
    )!;
    expect(turn.outdated).toBeNull();
    expect(turn.score).toBeCloseTo(before.find((hit) => hit.memory.content === PARIS)!.score, 6);
  });

  it('an EPHEMERAL facts vault expiring: the turn is no longer outdated in its own vault', async () => {
    const { secret, keyId } = await newKey();
    const facts = { kind: 'EPHEMERAL', id: 'facts-call' };
    await parisThenMadrid(secret, facts);
    expect(await turnOutdated(secret)).not.toBeNull();

    // Its time is up and its alarm runs, as in production: no request comes.
    const vault = vaultStub({ kind: 'EPHEMERAL', keyId, externalId: facts.id });
    await runAlarm(vault, (state, object) =>
      writeMetaBeneath(object, state, ({ meta }) => meta.update({ expiresAt: Date.now() - 1 })),
    );
    expect(await turnOutdated(secret)).toBeNull();
  });
});
