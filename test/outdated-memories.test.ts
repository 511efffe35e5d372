import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { newKey } from './helpers/graphql';
import { postWithProviderKey } from './helpers/graphql-chat';

/**
 * Outside review 213 #2 and #3: once a fact is superseded, what an app's
 * chat shows the model must not be the old fact alone. A question naming the
 * old value found only the demoted turn ("I live in Lisbon…"), marked as
 * nothing; the assistant's own earlier answers restating the old fact ("You
 * live in Paris…") were not demoted at all, and outranked the current fact
 * until chat's floor cut it.
 */
const OPENAI = { model: 'openai/gpt-4o-mini', key: 'sk-test', host: 'api.openai.com' };

interface Hit {
  score: number;
  memory: { id: string; content: string };
  outdated: { since: string; replacedBy: { id: string; content: string }[] } | null;
}

const HIT = 'score memory { id content } outdated { since replacedBy { id content } }';

function graphql<T>(secret: string, query: string, variables: Record<string, unknown>) {
  return postWithProviderKey<T>(secret, query, variables, OPENAI.key);
}

/** One chat turn with extraction: the model answers `reply`, then finds `facts` (and decides). */
async function say(
  secret: string,
  sessionId: string | undefined,
  content: string,
  reply: string,
  facts: string[],
  decisions?: { fact: number; action: string; target: string }[],
) {
  await scriptFake({ host: OPENAI.host, reply });
  await scriptFake({ host: OPENAI.host, toolArguments: JSON.stringify({ facts }) });
  if (decisions)
    await scriptFake({ host: OPENAI.host, toolArguments: JSON.stringify({ decisions }) });
  const result = await graphql<{ chat: { memory: { facts: { updated: unknown[] } | null } } }>(
    secret,
    `
      mutation ($input: ChatInput!) {
        chat(input: $input) {
          memory {
            facts {
              updated {
                content
              }
            }
          }
        }
      }
    `,
    {
      input: {
        model: OPENAI.model,
        ...(sessionId === undefined ? {} : { sessionId }),
        extract: true,
        messages: [{ role: 'USER', content }],
      },
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory.facts;
}

/** A chat that only reads memory: the hits it injected and the system block the model got. */
async function ask(secret: string, sessionId: string, question: string) {
  await resetFakes();
  await scriptFake({ host: OPENAI.host });
  const result = await graphql<{ chat: { memory: { hits: Hit[] } } }>(
    secret,
    `mutation ($input: ChatInput!) { chat(input: $input) { memory { hits { ${HIT} } } } }`,
    {
      input: {
        model: OPENAI.model,
        sessionId,
        memoryMode: 'READ',
        messages: [{ role: 'USER', content: question }],
      },
    },
  );
  expect(result.errors).toBeUndefined();
  const [call] = await fakeCalls();
  const first = call!.body.messages[0] as { role: string; content: string };
  return {
    hits: result.data!.chat.memory.hits,
    block: first.role === 'system' ? first.content : '',
  };
}

async function search(secret: string, sessionId: string, query: string): Promise<Hit[]> {
  const result = await graphql<{ search: { hits: Hit[] } }>(
    secret,
    `query ($input: SearchInput!) { search(input: $input) { hits { ${HIT} } } }`,
    {
      input: {
        query,
        vaults: [{ kind: 'SESSION', id: sessionId }],
        windows: [{ window: 'HOT', limit: 10 }],
      },
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search.hits;
}

const contents = (hits: readonly Hit[]) => hits.map((hit) => hit.memory.content);
/** The block's line quoting `content`, or undefined. */
const lineOf = (block: string, content: string) =>
  block.split('\n').find((line) => line.endsWith(JSON.stringify(content)));

describe('a superseded fact does not reach chat alone', () => {
  beforeEach(resetFakes);

  it('a question naming the old value gets the old turn marked outdated, and the fact that replaced it', async () => {
    const { secret } = await newKey();
    await say(secret, 'u2', 'I live in Lisbon, near the river.', 'Noted.', [
      'The user lives in Lisbon',
    ]);
    const moved = await say(
      secret,
      'u2',
      'Quick update: I moved to Porto last week.',
      'Noted.',
      ['The user lives in Porto'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );
    expect(moved!.updated).toHaveLength(1);

    // Nothing in the question names Porto: the old turn brings it.
    const { hits, block } = await ask(secret, 'u2', 'Is Lisbon still my home?');
    expect(contents(hits)).toContain('I live in Lisbon, near the river.');
    expect(contents(hits)).toContain('The user lives in Porto');
    expect(lineOf(block, 'The user lives in Porto')).toBeDefined();
    expect(lineOf(block, 'I live in Lisbon, near the river.')).toMatch(
      / · outdated since \w{3} \S+Z\] /,
    );
    expect(lineOf(block, 'The user lives in Porto')).not.toContain('outdated');

    // A search lists what its windows hold, and says which hit is outdated by what.
    const found = await search(secret, 'u2', 'Is Lisbon still my home?');
    const lisbon = found.find((hit) => hit.memory.content === 'I live in Lisbon, near the river.');
    expect(lisbon!.outdated!.replacedBy.map((memory) => memory.content)).toEqual([
      'The user lives in Porto',
    ]);
    expect(Date.parse(lisbon!.outdated!.since)).toBeGreaterThan(0);
    for (const hit of found.filter((other) => other !== lisbon)) expect(hit.outdated).toBeNull();
  });

  it('a current fact brought by two outdated turns of two vaults, each with its own copy, is injected once', async () => {
    const { secret } = await newKey();
    // The same move said in a session and in CORE (no sessionId): each vault
    // keeps its own "The user lives in Porto", and a turn made outdated by it.
    for (const [session, said] of [
      ['u3', 'I live in Lisbon, near the river.'],
      [undefined, 'Lisbon has been my home for years.'],
    ] as const) {
      await say(secret, session, said, 'Noted.', ['The user lives in Lisbon']);
      const moved = await say(
        secret,
        session,
        'Quick update: I moved to Porto last week.',
        'Noted.',
        ['The user lives in Porto'],
        [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
      );
      expect(moved!.updated).toHaveLength(1);
    }

    // Both outdated turns are read (the session's and CORE's); each brings
    // the fact that replaced it, the same words in two vaults: one place.
    const { hits, block } = await ask(secret, 'u3', 'Is Lisbon still my home?');
    expect(contents(hits)).toContain('I live in Lisbon, near the river.');
    expect(contents(hits)).toContain('Lisbon has been my home for years.');
    expect(contents(hits).filter((content) => content === 'The user lives in Porto')).toHaveLength(
      1,
    );
    expect(
      block.split('\n').filter((line) => line.endsWith(JSON.stringify('The user lives in Porto'))),
    ).toHaveLength(1);
  });

  it("the assistant's own answers restating the old fact are outdated too, and the current fact is injected above them", async () => {
    const { secret } = await newKey();
    await say(secret, 's4', 'I live in Paris, in the 11th arrondissement.', 'Noted.', [
      'The user lives in Paris',
    ]);
    const echo = 'From what you told me: I live in Paris, in the 11th arrondissement.';
    await say(secret, 's4', 'Where do I live?', echo, []);
    const again = 'You live in Paris, in the 11th arrondissement.';
    await say(secret, 's4', 'Remind me which city I live in', again, []);
    await say(
      secret,
      's4',
      'I moved to Berlin, Kreuzberg.',
      'Noted.',
      ['The user lives in Berlin'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );

    for (const question of [
      'Which city do I live in?',
      'What city am I living in these days?',
      'Where do I live now?',
    ]) {
      const { hits, block } = await ask(secret, 's4', question);
      expect(lineOf(block, 'The user lives in Berlin'), question).toBeDefined();
      const berlin = contents(hits).indexOf('The user lives in Berlin');
      for (const [at, hit] of hits.entries())
        if (hit.memory.content.includes('Paris')) {
          expect(at, `${question}: ${hit.memory.content}`).toBeGreaterThan(berlin);
          expect(hit.outdated, hit.memory.content).not.toBeNull();
        }
    }

    // The restating answers are outdated by the move, and name what replaced them.
    const found = await search(secret, 's4', 'Paris arrondissement');
    for (const content of [echo, again]) {
      const hit = found.find((other) => other.memory.content === content);
      expect(
        hit?.outdated?.replacedBy.map((memory) => memory.content),
        content,
      ).toEqual(['The user lives in Berlin']);
    }
    // The questions restate nothing: they say no old value.
    const questions = await search(secret, 's4', 'live');
    for (const hit of questions)
      if (!hit.memory.content.includes('Paris'))
        expect(hit.outdated, hit.memory.content).toBeNull();
  });
});
