import type Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient, sessionMemories } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// Anthropic's pause_turn (review 248 A4): a long turn of server tools paused;
// the client resends with the paused content as the last assistant message
// and the model goes on. The paused answer is no final answer: the turn is
// stored once, whole (the user's words, then the text before and after the
// pause), by the call that finishes it.

describe('Anthropic pause_turn', () => {
  beforeEach(resetFakes);

  it('stores nothing on the pause, then the whole turn once on the continuation (SDK)', async () => {
    const key = await newKey();
    const client = anthropicClient(key.secret, {
      'x-session-id': 'paused',
      'x-memory-mode': 'write',
    });
    const asked: Anthropic.MessageParam = {
      role: 'user',
      content: 'Find museums I would enjoy near where I live with my cat Mimi',
    };
    const tools: Anthropic.Messages.ToolUnion[] = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ];
    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'Searching museums near you in Lyon',
      finish: 'pause_turn',
    });
    const first = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 500, tools, messages: [asked] })
      .withResponse();
    expect(first.data.stop_reason).toBe('pause_turn');
    expect(first.response.headers.get('x-memory-turn')).toBe('not-stored');
    expect(first.response.headers.get('x-memory-turn-reason')).toBe('ANSWER_PAUSED');
    expect(await sessionMemories(key, 'paused')).toEqual([]);

    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'The Musée des Confluences is a good pick.',
    });
    const second = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 500,
        tools,
        messages: [asked, { role: 'assistant', content: first.data.content }],
      })
      .withResponse();
    expect(second.response.headers.get('x-memory-turn')).toBe('stored');
    expect(await sessionMemories(key, 'paused')).toEqual([
      'USER: Find museums I would enjoy near where I live with my cat Mimi',
      'ASSISTANT: Searching museums near you in Lyon\nThe Musée des Confluences is a good pick.',
    ]);
  });
});
