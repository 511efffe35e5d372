import type Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient, replay, sessionMemories, upstreamCalls } from '../helpers/drop-in';
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

  it('streamed with server tool blocks: every event passes through, the turn is stored once by the continuation', async () => {
    const key = await newKey();
    const client = anthropicClient(key.secret, {
      'x-session-id': 'paused-stream',
      'x-memory-mode': 'write',
    });
    const asked: Anthropic.MessageParam = {
      role: 'user',
      content: 'Find museums I would enjoy near where I live with my cat Mimi',
    };
    const tools: Anthropic.Messages.ToolUnion[] = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ];
    const paused = {
      host: 'api.anthropic.com',
      reply: 'Searching museums near you in Lyon',
      finish: 'pause_turn',
    };
    // Once for the call through MemoryRouter, once for the same call replayed at the fake.
    await scriptFake(paused);
    await scriptFake(paused);
    const response = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 500,
        tools,
        messages: [asked],
        stream: true,
      })
      .asResponse();
    const received = await response.text();
    const [call] = await upstreamCalls('api.anthropic.com');
    expect(received).toBe(await (await replay(call!)).text());

    // Anthropic's events for the server tool, each kept: its call's input
    // in pieces, its result whole, then the text so far and pause_turn.
    const events = received
      .split('\n\n')
      .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const starts = events.filter((event) => event.type === 'content_block_start');
    expect(starts.map((event) => event.content_block.type)).toEqual([
      'server_tool_use',
      'web_search_tool_result',
      'text',
    ]);
    expect(starts[1]!.content_block.content[0]).toMatchObject({
      type: 'web_search_result',
      url: 'https://www.museedesconfluences.fr/',
    });
    const input = events
      .filter((event) => event.index === 0 && event.delta?.type === 'input_json_delta')
      .map((event) => event.delta.partial_json as string);
    expect(input.length).toBeGreaterThan(1);
    expect(JSON.parse(input.join(''))).toEqual({ query: 'museums' });
    expect(events.find((event) => event.type === 'message_delta')!.delta.stop_reason).toBe(
      'pause_turn',
    );

    // The SDK assembles the same paused answer, which the client resends.
    await scriptFake(paused);
    const assembled = await client.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 500, tools, messages: [asked] })
      .finalMessage();
    expect(assembled.stop_reason).toBe('pause_turn');
    expect(assembled.content.map((block) => block.type)).toEqual([
      'server_tool_use',
      'web_search_tool_result',
      'text',
    ]);
    expect(assembled.content[0]).toMatchObject({ input: { query: 'museums' } });

    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'The Musée des Confluences is a good pick.',
    });
    const done = await client.messages
      .stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 500,
        tools,
        messages: [asked, { role: 'assistant', content: assembled.content }],
      })
      .finalMessage();
    expect(done.stop_reason).toBe('end_turn');
    // Nothing was stored for the paused calls; the continuation stores the whole turn once.
    await eventually(async () =>
      expect(await sessionMemories(key, 'paused-stream')).toEqual([
        'USER: Find museums I would enjoy near where I live with my cat Mimi',
        'ASSISTANT: Searching museums near you in Lyon\nThe Musée des Confluences is a good pick.',
      ]),
    );
  });
});
