import { createClient as createSseClient } from 'graphql-sse';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { postWithProviderKey } from './helpers/graphql-chat';
import {
  factsOf,
  OPENAI,
  scriptExtractor,
  storeExtracting,
  type Decision,
  type FactsReceipt,
} from './helpers/facts';
import { decodeMemoryId } from '../src/vaults/ids';

/**
 * Outside review 98: facts over a dated history. A batch is read in order
 * with its dates and reconciled within itself; deleting a wrong successor
 * re-opens what it replaced; a search as of a past `now` sees what was true
 * then.
 */
const VAULT = (id: string) => ({ kind: 'SESSION', id }) as const;
const MARCH = '2026-03-01T10:00:00.000Z';
const JULY = '2026-07-01T09:00:00.000Z';
const SEPTEMBER = '2026-09-01T09:00:00.000Z';
const OCTOBER = '2026-10-01T09:00:00.000Z';

interface Version {
  id: string;
  content: string;
  createdAt: string;
  validUntil: string | null;
  supersededBy: { id: string } | null;
}

async function graphql<T>(
  secret: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: unknown[]; extensions?: { memory?: { facts?: FactsReceipt } } }> {
  // Every request here carries the provider key: the stores extract facts with it.
  return (await postWithProviderKey<T>(secret, query, variables, OPENAI.key)) as Awaited<
    ReturnType<typeof graphql<T>>
  >;
}

/** Stores `inputs` in a session vault with extraction; the fake model answers as scripted. */
async function storeWithFacts(
  secret: string,
  vault: string,
  inputs: { content: string; createdAt: string }[],
  facts: unknown[],
  decisions?: Decision[],
): Promise<{ stored: { id: string }[]; facts: FactsReceipt }> {
  await scriptExtractor(facts, decisions);
  const result = await storeExtracting(
    secret,
    inputs.map((input) => ({ ...input, vault: VAULT(vault) })),
  );
  expect(result.errors).toBeUndefined();
  return { stored: result.data!.storeMemories, facts: factsOf(result)! };
}

async function history(secret: string, id: string): Promise<Version[]> {
  const result = await graphql<{ memory: { history: Version[] } }>(
    secret,
    `
      query ($id: ID!) {
        memory(id: $id) {
          history {
            id
            content
            createdAt
            validUntil
            supersededBy {
              id
            }
          }
        }
      }
    `,
    { id },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.memory.history;
}

interface Hit {
  score: number;
  memory: { content: string };
}

async function search(
  secret: string,
  vault: string,
  input: Record<string, unknown>,
): Promise<Hit[]> {
  const result = await graphql<{ search: { hits: Hit[] } }>(
    secret,
    `
      query ($input: SearchInput!) {
        search(input: $input) {
          hits {
            score
            memory {
              content
            }
          }
        }
      }
    `,
    {
      input: {
        query: 'where does the user live',
        vaults: [VAULT(vault)],
        windows: ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'].map((window) => ({
          window,
          limit: 10,
        })),
        ...input,
      },
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search.hits;
}

const contents = (hits: readonly Hit[]) => hits.map((hit) => hit.memory.content);
const FACTS_ONLY = { metadata: { kind: 'fact' } };

/** Paris (March), then Berlin (July) superseding it: two stores, each its own turn. */
async function parisThenBerlin(secret: string, vault: string) {
  const paris = await storeWithFacts(
    secret,
    vault,
    [{ content: 'I live in Paris near the canal', createdAt: MARCH }],
    ['The user lives in Paris'],
  );
  const berlin = await storeWithFacts(
    secret,
    vault,
    [{ content: 'We moved to Berlin last month', createdAt: JULY }],
    ['The user lives in Berlin'],
    [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
  );
  return { paris: paris.facts.added[0]!, berlin: berlin.facts.updated[0]! };
}

describe('facts over a dated history', () => {
  beforeEach(resetFakes);

  it('one batch is read in order with its dates, and a later fact supersedes an earlier one', async () => {
    const { secret } = await newKey();
    const { stored, facts } = await storeWithFacts(
      secret,
      'batch',
      [
        { content: 'I live in Paris near the canal', createdAt: MARCH },
        { content: 'We moved to Berlin last month', createdAt: JULY },
      ],
      [
        { input: 1, fact: 'The user lives in Paris' },
        { input: 2, fact: 'The user lives in Berlin' },
      ],
      [
        { fact: 1, action: 'ADD', target: '' },
        { fact: 2, action: 'UPDATE', target: 'f1' },
      ],
    );

    // The model read each input numbered, with its own date.
    const calls = (await fakeCalls()).filter((call) => call.host === OPENAI.host);
    expect(calls).toHaveLength(2);
    const extraction = JSON.stringify(calls[0]!.body.messages);
    expect(extraction).toContain(`1. ${MARCH} user: \\"I live in Paris near the canal\\"`);
    expect(extraction).toContain(`2. ${JULY} user: \\"We moved to Berlin last month\\"`);
    // The Berlin fact was shown the Paris fact of the same batch, dated.
    const reconcile = JSON.stringify(calls[1]!.body.messages);
    expect(reconcile).toContain(`Fact 2 (${JULY}): \\"The user lives in Berlin\\"`);
    expect(reconcile).toContain(`id f1 (${MARCH}): \\"The user lives in Paris\\"`);

    expect(facts).toMatchObject({
      extracted: 2,
      added: [{ content: 'The user lives in Paris' }],
      rejected: 0,
    });
    const paris = facts.added[0]!;
    expect(facts.updated).toMatchObject([
      { content: 'The user lives in Berlin', supersedes: paris.id },
    ]);
    expect(facts.superseded).toEqual([paris.id]);

    // Each fact has its turn's time; Paris closed when Berlin was said.
    const versions = await history(secret, facts.updated[0]!.id);
    expect(versions).toMatchObject([
      {
        content: 'The user lives in Paris',
        createdAt: MARCH,
        validUntil: JULY,
        supersededBy: { id: facts.updated[0]!.id },
      },
      { content: 'The user lives in Berlin', createdAt: JULY, validUntil: null },
    ]);
    // "Where do I live?" no longer ties: Berlin is the current fact.
    expect(contents(await search(secret, 'batch', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);
    // Each fact names the turn that states it, so only Paris's turn is stale.
    const metadata = await graphql<{ memory: { metadata: { turns: string[] } } }>(
      secret,
      `
        query ($id: ID!) {
          memory(id: $id) {
            metadata
          }
        }
      `,
      { id: paris.id },
    );
    expect(metadata.data!.memory.metadata.turns).toEqual([decodeMemoryId(stored[0]!.id).localId]);
  });

  it('a later fact naming a vault memory the batch already replaced supersedes its replacement', async () => {
    const { secret } = await newKey();
    const old = await storeWithFacts(
      secret,
      'chain',
      [{ content: 'I live in Paris', createdAt: '2026-01-10T00:00:00.000Z' }],
      ['The user lives in Paris'],
    );
    const paris = old.facts.added[0]!;
    const { facts } = await storeWithFacts(
      secret,
      'chain',
      [
        { content: 'I moved to Lyon', createdAt: MARCH },
        { content: 'Now I live in Berlin', createdAt: JULY },
      ],
      [
        { input: 1, fact: 'The user lives in Lyon' },
        // A tag outside the batch is taken as the last input's.
        { input: 9, fact: 'The user lives in Berlin' },
      ],
      [
        { fact: 1, action: 'UPDATE', target: 'm1.1' },
        { fact: 2, action: 'UPDATE', target: 'm2.1' },
      ],
    );
    expect(facts.rejected).toBe(0);
    const berlin = facts.updated.find((fact) => fact.content === 'The user lives in Berlin')!;
    // Paris → Lyon (March) → Berlin (July), not two successors of Paris.
    expect(await history(secret, berlin.id)).toMatchObject([
      { id: paris.id, validUntil: MARCH },
      { content: 'The user lives in Lyon', createdAt: MARCH, validUntil: JULY },
      { id: berlin.id, createdAt: JULY, validUntil: null },
    ]);
    expect(contents(await search(secret, 'chain', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);

    // Deleting a version that was itself replaced re-opens nothing: Berlin
    // stands, and Paris is now replaced by it (review 226 F4).
    const lyon = facts.updated.find((fact) => fact.content === 'The user lives in Lyon')!;
    await graphql(
      secret,
      `
        mutation ($id: ID!) {
          deleteMemory(id: $id)
        }
      `,
      { id: lyon.id },
    );
    expect(await history(secret, paris.id)).toMatchObject([
      { id: paris.id, validUntil: MARCH, supersededBy: { id: berlin.id } },
      { id: berlin.id, validUntil: null },
    ]);
    expect(contents(await search(secret, 'chain', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);
  });

  it('deleting a middle version links the one before it to the one after it (review 226 F4)', async () => {
    const { secret } = await newKey();
    const { paris, berlin } = await parisThenBerlin(secret, 'middle');
    const munich = (
      await storeWithFacts(
        secret,
        'middle',
        [{ content: 'Now we are in Munich', createdAt: SEPTEMBER }],
        ['The user lives in Munich'],
        [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
      )
    ).facts.updated[0]!;
    expect(munich.supersedes).toBe(berlin.id);
    const deleted = await graphql(
      secret,
      `
        mutation ($id: ID!) {
          deleteMemory(id: $id)
        }
      `,
      {
        id: berlin.id,
      },
    );
    expect(deleted.data).toEqual({ deleteMemory: true });

    // Paris stays closed as of July, now replaced by Munich; both histories agree.
    const versions = [
      { id: paris.id, validUntil: JULY, supersededBy: { id: munich.id } },
      { id: munich.id, validUntil: null, supersededBy: null },
    ];
    expect(await history(secret, munich.id)).toMatchObject(versions);
    expect(await history(secret, paris.id)).toMatchObject(versions);
    // Paris's turn is outdated, replaced by Munich: not "declared no longer true".
    const found = await graphql<{
      search: {
        hits: {
          memory: { content: string };
          outdated: { since: string; replacedBy: { content: string }[] } | null;
        }[];
      };
    }>(
      secret,
      `
        query ($input: SearchInput!) {
          search(input: $input) {
            hits {
              memory {
                content
              }
              outdated {
                since
                replacedBy {
                  content
                }
              }
            }
          }
        }
      `,
      {
        input: {
          query: 'Paris canal',
          vaults: [VAULT('middle')],
          windows: ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'].map((window) => ({
            window,
            limit: 10,
          })),
        },
      },
    );
    expect(
      found.data!.search.hits.find((hit) => hit.memory.content === 'I live in Paris near the canal')
        ?.outdated,
    ).toEqual({ since: JULY, replacedBy: [{ content: 'The user lives in Munich' }] });

    // Subscribers hear it: after Berlin's DELETED, Paris's UPDATED naming Munich.
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
    });
    type Event = { type: string; memoryId: string; supersededBy: string | null };
    const events = client.iterate<{ memoryEvents: Event }>({
      query: `subscription { memoryEvents(vault: { kind: SESSION, id: "middle" }, lastEventId: "0") { type memoryId supersededBy } }`,
    });
    try {
      const seen: Event[] = [];
      while (!seen.some((event) => event.type === 'DELETED')) {
        const next = await events.next();
        expect(next.done).toBe(false);
        seen.push(next.value!.data!.memoryEvents);
      }
      const next = await events.next();
      expect(next.done).toBe(false);
      expect([seen.at(-1), next.value!.data!.memoryEvents]).toEqual([
        { type: 'DELETED', memoryId: berlin.id, supersededBy: null },
        { type: 'UPDATED', memoryId: paris.id, supersededBy: munich.id },
      ]);
    } finally {
      await events.return?.();
      client.dispose();
    }
  });

  it('deleting two middle versions in one call links past both', async () => {
    const { secret } = await newKey();
    const { paris, berlin } = await parisThenBerlin(secret, 'middles');
    const next = async (content: string, createdAt: string) =>
      (
        await storeWithFacts(
          secret,
          'middles',
          [{ content, createdAt }],
          [`The user lives in ${content}`],
          [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
        )
      ).facts.updated[0]!;
    const munich = await next('Munich', SEPTEMBER);
    const rome = await next('Rome', OCTOBER);
    expect(rome.supersedes).toBe(munich.id);
    const deleted = await graphql(
      secret,
      `
        mutation ($ids: [ID!]!) {
          deleteMemories(ids: $ids) {
            count
          }
        }
      `,
      { ids: [berlin.id, munich.id] },
    );
    expect(deleted.errors).toBeUndefined();
    expect(await history(secret, rome.id)).toMatchObject([
      { id: paris.id, validUntil: JULY, supersededBy: { id: rome.id } },
      { id: rome.id, validUntil: null },
    ]);
  });

  it('deleting a wrong successor re-opens the fact it replaced, with an event', async () => {
    const { secret } = await newKey();
    const { paris, berlin } = await parisThenBerlin(secret, 'reopen');
    const turnScore = async (includeSuperseded: boolean) =>
      (await search(secret, 'reopen', { query: 'Paris canal', includeSuperseded })).find(
        (hit) => hit.memory.content === 'I live in Paris near the canal',
      )!.score;
    // Stale while Berlin stands: scored below its own undemoted score.
    expect(await turnScore(false)).toBeLessThan(await turnScore(true));

    const deleted = await graphql<{ deleteMemory: boolean }>(
      secret,
      `
        mutation ($id: ID!) {
          deleteMemory(id: $id)
        }
      `,
      { id: berlin.id },
    );
    expect(deleted.data).toEqual({ deleteMemory: true });

    // Paris is current again, from the time it was said.
    expect(await history(secret, paris.id)).toMatchObject([
      { id: paris.id, createdAt: MARCH, validUntil: null, supersededBy: null },
    ]);
    expect(contents(await search(secret, 'reopen', FACTS_ONLY))).toEqual([
      'The user lives in Paris',
    ]);
    // Its turn is no longer demoted.
    expect(await turnScore(false)).toBe(await turnScore(true));

    // Subscribers hear it: after Berlin's DELETED, Paris's REOPENED.
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
    });
    const events = client.iterate<{ memoryEvents: { type: string; memoryId: string } }>({
      query: `subscription { memoryEvents(vault: { kind: SESSION, id: "reopen" }, lastEventId: "0") { type memoryId } }`,
    });
    try {
      const seen: { type: string; memoryId: string }[] = [];
      while (!seen.some((event) => event.type === 'REOPENED')) {
        const next = await events.next();
        expect(next.done).toBe(false);
        seen.push(next.value!.data!.memoryEvents);
      }
      expect(seen.slice(-2)).toEqual([
        { type: 'DELETED', memoryId: berlin.id },
        { type: 'REOPENED', memoryId: paris.id },
      ]);
    } finally {
      await events.return?.();
      client.dispose();
    }
  });

  it('a search as of an earlier now finds the memory that was current then', async () => {
    const { secret } = await newKey();
    await parisThenBerlin(secret, 'asof');
    const asOf = (now: string) => search(secret, 'asof', { ...FACTS_ONLY, now });

    // In April, Paris was still true (Berlin had not been said).
    expect(contents(await asOf('2026-04-01T00:00:00.000Z'))).toEqual(['The user lives in Paris']);
    // From July it is Berlin's; without `now`, too.
    expect(contents(await asOf('2026-08-01T00:00:00.000Z'))).toEqual(['The user lives in Berlin']);
    expect(contents(await search(secret, 'asof', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);
    // Paris's turn was not stale yet in April: ranked as it was then.
    const turn = async (includeSuperseded: boolean) =>
      (
        await search(secret, 'asof', {
          query: 'Paris canal',
          now: '2026-04-01T00:00:00.000Z',
          includeSuperseded,
        })
      ).find((hit) => hit.memory.content === 'I live in Paris near the canal')!.score;
    expect(await turn(false)).toBe(await turn(true));
  });

  it('a batch given newest first is read in time order: the March fact is the one replaced', async () => {
    // Review 98: listings are newest first, and so are many backfills. Before,
    // the model read Berlin (July) first and Paris (March) "updated" it.
    const { secret } = await newKey();
    const { facts } = await storeWithFacts(
      secret,
      'newest-first',
      [
        { content: 'We moved to Berlin last month', createdAt: JULY },
        { content: 'I live in Paris near the canal', createdAt: MARCH },
      ],
      [
        { input: 1, fact: 'The user lives in Paris' },
        { input: 2, fact: 'The user lives in Berlin' },
      ],
      [
        { fact: 1, action: 'ADD', target: '' },
        { fact: 2, action: 'UPDATE', target: 'f1' },
      ],
    );
    const extraction = JSON.stringify(
      (await fakeCalls()).filter((call) => call.host === OPENAI.host)[0]!.body.messages,
    );
    expect(extraction).toContain(`1. ${MARCH} user: \\"I live in Paris near the canal\\"`);
    expect(extraction).toContain(`2. ${JULY} user: \\"We moved to Berlin last month\\"`);
    expect(facts.updated).toMatchObject([{ content: 'The user lives in Berlin' }]);
    expect(await history(secret, facts.updated[0]!.id)).toMatchObject([
      { content: 'The user lives in Paris', createdAt: MARCH, validUntil: JULY },
      { content: 'The user lives in Berlin', createdAt: JULY, validUntil: null },
    ]);
    expect(contents(await search(secret, 'newest-first', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);
  });

  it('a backfilled fact older than the vault memory it would update arrives replaced by it', async () => {
    const { secret } = await newKey();
    const july = await storeWithFacts(
      secret,
      'backfill',
      [{ content: 'We moved to Berlin last month', createdAt: JULY }],
      ['The user lives in Berlin'],
    );
    const berlin = july.facts.added[0]!;
    // The model answers UPDATE Berlin for a fact said in March.
    const { facts } = await storeWithFacts(
      secret,
      'backfill',
      [{ content: 'I live in Paris near the canal', createdAt: MARCH }],
      ['The user lives in Paris'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    // Paris is stored, and arrives superseded by Berlin; Berlin stays current.
    expect(facts.added).toMatchObject([{ content: 'The user lives in Paris' }]);
    expect(facts.superseded).toEqual([facts.added[0]!.id]);
    expect(await history(secret, berlin.id)).toMatchObject([
      { content: 'The user lives in Paris', createdAt: MARCH, validUntil: JULY },
      { content: 'The user lives in Berlin', createdAt: JULY, validUntil: null },
    ]);
    expect(contents(await search(secret, 'backfill', FACTS_ONLY))).toEqual([
      'The user lives in Berlin',
    ]);
  });

  it('deleting a chain of successors together re-opens what the first replaced, whatever the order of ids', async () => {
    // Review 98: deleteMemories([Munich, Berlin]) of Paris → Berlin → Munich
    // left Paris closed, with no current fact; one by one re-opened it.
    for (const order of ['successor first', 'predecessor first'] as const) {
      const { secret } = await newKey();
      const vault = order === 'successor first' ? 'chain-a' : 'chain-b';
      const { paris, berlin } = await parisThenBerlin(secret, vault);
      const munich = (
        await storeWithFacts(
          secret,
          vault,
          [{ content: 'We moved on to Munich', createdAt: '2026-09-01T09:00:00.000Z' }],
          ['The user lives in Munich'],
          [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
        )
      ).facts.updated[0]!;
      expect(munich.supersedes).toBe(berlin.id);

      const ids = order === 'successor first' ? [munich.id, berlin.id] : [berlin.id, munich.id];
      const deleted = await graphql<{ deleteMemories: { count: number } }>(
        secret,
        `
          mutation ($ids: [ID!]!) {
            deleteMemories(ids: $ids) {
              count
            }
          }
        `,
        { ids },
      );
      expect(deleted.data).toEqual({ deleteMemories: { count: 2 } });
      expect(await history(secret, paris.id)).toMatchObject([
        { id: paris.id, validUntil: null, supersededBy: null },
      ]);
      expect(contents(await search(secret, vault, FACTS_ONLY))).toEqual([
        'The user lives in Paris',
      ]);
    }
  });
});
