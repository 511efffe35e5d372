import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient, sessionMemories } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// Anthropic's prefill (review 248 A8): the last message is the assistant's,
// and the model's answer continues it. The stored answer is the model's whole
// answer, prefill then completion, not the completion alone (broken JSON).

describe('Anthropic prefill', () => {
  beforeEach(resetFakes);

  it('stores the prefill followed by the completion (SDK)', async () => {
    const key = await newKey();
    await scriptFake({ host: 'api.anthropic.com', reply: '"city": "Lyon", "pet": "Mimi"}' });
    const { data, response } = await anthropicClient(key.secret, {
      'x-session-id': 'prefill',
      'x-memory-mode': 'write',
    })
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Give my home city Lyon and my pet Mimi as JSON' },
          { role: 'assistant', content: '{' },
        ],
      })
      .withResponse();
    // The client gets the completion as Anthropic sends it.
    expect(data.content).toEqual([{ type: 'text', text: '"city": "Lyon", "pet": "Mimi"}' }]);
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    expect(await sessionMemories(key, 'prefill')).toEqual([
      'USER: Give my home city Lyon and my pet Mimi as JSON',
      'ASSISTANT: {"city": "Lyon", "pet": "Mimi"}',
    ]);
  });
});
