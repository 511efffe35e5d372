import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { newKey } from '../helpers/graphql';
import { postJson } from '../helpers/drop-in';

// Memory takes at most a quarter of the model's context, whatever limit the
// caller raises it to (outside review 256 F11): older OpenAI models were
// taken to have 32,000 tokens, so gpt-4 (8,192) got over 5,000 tokens of
// memory and the provider refused every call for its length.

/** A long note about the user's garden: a few hundred words, each its own token or two. */
const note = (n: number) =>
  `Garden note ${n}: ` +
  Array.from({ length: 200 }, (_, i) => `tomato${(i * 7 + n) % 97} bed${i % 13}`).join(' ');

describe('the memory budget follows the model’s context', () => {
  beforeEach(resetFakes);

  it('gpt-4 (8,192 tokens) gets at most 2,048 tokens of memory; gpt-4o (128k) gets the raised limit', async () => {
    const key = await newKey();
    await key.api.request(StoreMemoriesDocument, {
      inputs: [1, 2, 3, 4].map((n) => ({ content: note(n) })),
    });
    const injected = async (model: string) => {
      const response = await postJson(
        '/v1/chat/completions',
        { model, messages: [{ role: 'user', content: 'What is in my garden note?' }] },
        {
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-test',
          'x-memory-mode': 'read',
          'x-memory-context-limit': '100000',
        },
      );
      expect(response.status).toBe(200);
      return Number(response.headers.get('x-memory-tokens'));
    };
    const roomy = await injected('gpt-4o');
    const small = await injected('gpt-4');
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThanOrEqual(8_192 / 4);
    expect(roomy).toBeGreaterThan(8_192 / 4);
    expect(await injected('gpt-3.5-turbo')).toBeLessThanOrEqual(Math.floor(16_385 / 4));
  });
});
