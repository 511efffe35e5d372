import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { newKey } from './helpers/graphql';
import { postWithProviderKey } from './helpers/graphql-chat';
import { OPENAI, scriptExtractor, storeExtracting, type Decision } from './helpers/facts';

/**
 * Outside review 95: once a fact is superseded, the raw turn it was drawn
 * from ("I live in Paris") must not outrank the current fact ("The user
 * lives in Berlin") in search or in what chat injects, while the turn stays
 * findable for whatever else it says.
 */

interface Hit {
  score: number;
  memory: { content: string };
}

/** Every request here carries the provider key: the stores extract facts with it. */
function graphql<T>(secret: string, query: string, variables: Record<string, unknown>) {
  return postWithProviderKey<T>(secret, query, variables, OPENAI.key);
}

/** Stores `content` in the session vault with extraction; the fake model answers as scripted. */
async function storeWithFacts(
  secret: string,
  sessionId: string,
  content: string,
  facts: string[],
  decisions?: Decision[],
) {
  await scriptExtractor(facts, decisions);
  const result = await storeExtracting(secret, [
    { content, vault: { kind: 'SESSION', id: sessionId } },
  ]);
  expect(result.errors).toBeUndefined();
  return result;
}

async function search(
  secret: string,
  sessionId: string,
  query: string,
  includeSuperseded = false,
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
    { input: { query, vaults: [{ kind: 'SESSION', id: sessionId }], includeSuperseded } },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search.hits;
}

const contents = (hits: readonly Hit[]) => hits.map((hit) => hit.memory.content);

/** "I live in Paris" (fact: Paris), then "We moved to Berlin last month" (UPDATE: Berlin). */
async function moveFromParisToBerlin(secret: string, sessionId: string, firstTurn: string) {
  // An empty vault: no candidates, so no reconciliation call.
  const first = await storeWithFacts(secret, sessionId, firstTurn, ['The user lives in Paris']);
  await storeWithFacts(
    secret,
    sessionId,
    'We moved to Berlin last month',
    ['The user lives in Berlin'],
    [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
  );
  return first.data!.storeMemories[0]!.id;
}

describe('a superseded fact demotes the turn it was drawn from', () => {
  beforeEach(resetFakes);

  it('search ranks the current fact above the turn of the fact it replaced', async () => {
    const { secret } = await newKey();
    await moveFromParisToBerlin(secret, 'facts2', 'I live in Paris');

    const hits = await search(secret, 'facts2', 'where do I live now?');
    expect(contents(hits)[0]).toBe('The user lives in Berlin');
    // Demoted, not deleted: the old turn is still there, well below.
    const paris = hits.find((hit) => hit.memory.content === 'I live in Paris');
    expect(paris).toBeDefined();
    expect(paris!.score).toBeLessThan(hits[0]!.score / 2);
    expect(contents(hits)).not.toContain('The user lives in Paris');
  });

  it('chat injects the current fact first, not the turn it superseded', async () => {
    const { secret } = await newKey();
    await moveFromParisToBerlin(secret, 'facts2', 'I live in Paris');
    await resetFakes();

    await scriptFake({ host: 'api.openai.com' });
    const chat = await graphql<{ chat: { memory: { hits: Hit[] } } }>(
      secret,
      `
        mutation ($input: ChatInput!) {
          chat(input: $input) {
            memory {
              hits {
                score
                memory {
                  content
                }
              }
            }
          }
        }
      `,
      {
        input: {
          model: 'openai/gpt-4o',
          sessionId: 'facts2',
          memoryMode: 'READ',
          messages: [{ role: 'USER', content: 'Where do I live now?' }],
        },
      },
    );
    expect(chat.errors).toBeUndefined();
    expect(contents(chat.data!.chat.memory.hits)[0]).toBe('The user lives in Berlin');

    // The memory block the provider received names Berlin before Paris.
    const [call] = await fakeCalls();
    const system = call!.body.messages[0] as { role: string; content: string };
    expect(system.role).toBe('system');
    const berlin = system.content.indexOf('"The user lives in Berlin"');
    expect(berlin).toBeGreaterThanOrEqual(0);
    const paris = system.content.indexOf('"I live in Paris"');
    expect(paris === -1 || paris > berlin).toBe(true);
  });

  it('the demoted turn is still found for what else it says', async () => {
    const { secret } = await newKey();
    await storeWithFacts(secret, 'dog', 'I live in Paris and have a dog', [
      'The user lives in Paris',
      'The user has a dog',
    ]);
    await storeWithFacts(
      secret,
      'dog',
      'We moved to Berlin last month',
      ['The user lives in Berlin'],
      [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
    );

    expect(contents(await search(secret, 'dog', 'where do I live now?'))[0]).toBe(
      'The user lives in Berlin',
    );
    const dog = contents(await search(secret, 'dog', 'dog'));
    expect(dog[0]).toBe('The user has a dog');
    expect(dog).toContain('I live in Paris and have a dog');
  });

  it('an edited stale turn stays demoted', async () => {
    const { secret } = await newKey();
    const turn = await moveFromParisToBerlin(secret, 'edit', 'I live in Paris');
    expect(contents(await search(secret, 'edit', 'where do I live now?'))[0]).toBe(
      'The user lives in Berlin',
    );
    // New content replaces the row (a new seq): the demotion must follow it.
    const edited = await graphql(
      secret,
      `
        mutation ($input: UpdateMemoryInput!) {
          updateMemory(input: $input) {
            id
          }
        }
      `,
      { input: { id: turn, content: 'I live in Paris, in the 11th' } },
    );
    expect(edited.errors).toBeUndefined();
    const hits = await search(secret, 'edit', 'where do I live now?');
    expect(contents(hits)[0]).toBe('The user lives in Berlin');
    expect(contents(hits)).toContain('I live in Paris, in the 11th');
  });

  it('a memory stored without extraction is not demoted', async () => {
    const { secret } = await newKey();
    await moveFromParisToBerlin(secret, 'p', 'I live in Paris');
    const plain = await graphql<{ storeMemory: { id: string } }>(
      secret,
      `
        mutation ($input: StoreMemoryInput!) {
          storeMemory(input: $input) {
            id
          }
        }
      `,
      {
        input: { content: 'I live in Paris, said my sister', vault: { kind: 'SESSION', id: 'p' } },
      },
    );
    expect(plain.errors).toBeUndefined();

    const hits = await search(secret, 'p', 'where do I live now?');
    expect(contents(hits).slice(0, 2)).toEqual([
      'The user lives in Berlin',
      'I live in Paris, said my sister',
    ]);
    // As it scores when nothing is demoted (superseded memories included).
    const undemoted = await search(secret, 'p', 'where do I live now?', true);
    const score = (found: Hit[], content: string) =>
      found.find((hit) => hit.memory.content === content)?.score;
    const sister = 'I live in Paris, said my sister';
    expect(score(hits, sister)).toBeDefined();
    expect(score(hits, sister)).toBe(score(undemoted, sister));
    expect(score(undemoted, 'I live in Paris')).toBeGreaterThan(score(undemoted, sister)!);
  });
});
