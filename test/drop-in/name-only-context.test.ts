import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { injectedMemories, postJson } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { NOW, storeFourFriends } from '../helpers/four-friends';

/**
 * What a one-line question injects (outside review 103 #6): the memories
 * that answer it, not every turn of the person it names. The four friends'
 * vaults as the review stored them, asked through /v1/chat/completions at
 * the fixture's `now` (X-Memory-Now), so the windows are the same on any day.
 */
async function injected(question: string, session: string): Promise<string[]> {
  const key = await newKey();
  await storeFourFriends(key);
  const response = await postJson(
    '/v1/chat/completions',
    { model: 'gpt-4o', messages: [{ role: 'user', content: question }] },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-memory-mode': 'read',
      'x-session-id': session,
      'x-memory-now': NOW,
    },
  );
  expect(response.status).toBe(200);
  return injectedMemories();
}

describe('a one-line question in chat', () => {
  beforeEach(resetFakes);

  it('injects the answer, not turns that only name the person asked about', async () => {
    // Before: the note and ten of Jon's turns (each about a third of its score).
    expect(await injected('Is Jon allergic to anything?', 'maya-jon')).toEqual([
      'Jon is allergic to shellfish',
    ]);
    // Before: the three turns about the plants, then six of Siobhan's others.
    const plants = await injected('who is watering Siobhan plants', 'siobhan-priya');
    expect(plants).toContain('Siobhan: Mariah from next door is watering them.');
    expect(
      plants.every((content) => /plants|watering|Galway/u.test(content)),
      plants.join('\n'),
    ).toBe(true);
  });

  it('still injects a changed fact found by the name alone', async () => {
    // "Moved to Denver" shares no word with the question but "Carlos": it
    // scores 0.45 of the best, above the floor.
    expect(await injected('where does carlos live', 'carlos-kenji')).toContain(
      'Carlos: Moved to Denver last weekend, the altitude is killing me.',
    );
  });
});
