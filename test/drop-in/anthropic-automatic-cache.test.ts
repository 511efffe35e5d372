import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { anthropicClient, keyWithMemory, upstreamCalls } from '../helpers/drop-in';

// Anthropic's automatic prompt caching (review 248 A6): a top-level
// `cache_control` puts the breakpoint on the last block of the last message.
// Memory must not sit before that cached prefix (in `system` it changed the
// prefix of every call whose memory changed): the breakpoint is set on that
// block explicitly, and memory follows it, as for block-level breakpoints.

describe('Anthropic top-level cache_control', () => {
  beforeEach(resetFakes);

  it('memory goes after the last block, which carries the breakpoint; system is the client’s', async () => {
    const key = await keyWithMemory('The user lives in Lisbon with a cat called Tom');
    const system = 'You are a helpful assistant with a long static prompt.';
    const { response } = await anthropicClient(key.secret)
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        cache_control: { type: 'ephemeral' },
        system,
        messages: [
          { role: 'user', content: 'Where do I live with my cat?' },
          { role: 'assistant', content: 'Lisbon.' },
          { role: 'user', content: 'And what is my cat called?' },
        ],
      } as Parameters<ReturnType<typeof anthropicClient>['messages']['create']>[0])
      .withResponse();
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    const sent = (await upstreamCalls('api.anthropic.com')).at(-1)!.body;
    expect(sent.system).toBe(system);
    expect(sent.cache_control).toBeUndefined();
    const last = sent.messages.at(-1) as { role: string; content: Record<string, unknown>[] };
    expect(last.role).toBe('user');
    expect(last.content[0]).toEqual({
      type: 'text',
      text: 'And what is my cat called?',
      cache_control: { type: 'ephemeral' },
    });
    expect(last.content).toHaveLength(2);
    expect(String(last.content[1]!.text)).toContain('Tom');
    expect(last.content[1]!.cache_control).toBeUndefined();
  });
});
