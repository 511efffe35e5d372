import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { settleWorkerTasks } from '../helpers/worker-tasks';
import { anthropicClient, openAiClient, postJson, sessionMemories } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { postChat } from '../helpers/graphql-chat';

// An answer the model refused, or a safety filter cut, is no turn to keep
// (review 248 A5): Anthropic asks that a refused turn be removed before the
// conversation goes on, and memory would otherwise put the refused prompt
// and the cut-off text back into every later call. Streamed or not, on every
// provider's wire, and on GraphQL `chat`: not stored, reason ANSWER_REFUSED.

const ASKED = 'Explain how my chemistry lab synthesises compound X';

const turnOf = (headers: Headers) => ({
  turn: headers.get('x-memory-turn'),
  reason: headers.get('x-memory-turn-reason'),
});

const sessionHeaders = (session: string) => ({
  'x-session-id': session,
  'x-memory-mode': 'write',
});

describe('a refused or safety-stopped answer is not stored', () => {
  beforeEach(resetFakes);

  it('Anthropic stop_reason refusal (SDK, not streamed): not-stored ANSWER_REFUSED, vault empty', async () => {
    const key = await newKey();
    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'Step one: obtain the precursor chem',
      finish: 'refusal',
    });
    const { data, response } = await anthropicClient(key.secret, sessionHeaders('refused-a'))
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: ASKED }],
      })
      .withResponse();
    // The client still gets the answer as the provider sent it.
    expect(data.stop_reason).toBe('refusal');
    expect(turnOf(response.headers)).toEqual({ turn: 'not-stored', reason: 'ANSWER_REFUSED' });
    const receipt = JSON.parse(
      atob(response.headers.get('x-memory-receipt')!.replace(/-/g, '+').replace(/_/g, '/')),
    ) as { turn?: { reason: string } };
    expect(receipt.turn?.reason).toBe('ANSWER_REFUSED');
    expect(await sessionMemories(key, 'refused-a')).toEqual([]);
  });

  it('Anthropic refusal streamed (SDK): nothing stored', async () => {
    const key = await newKey();
    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'Step one: obtain the precursor chem',
      finish: 'refusal',
    });
    const final = await anthropicClient(key.secret, sessionHeaders('refused-s'))
      .messages.stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: ASKED }],
      })
      .finalMessage();
    expect(final.stop_reason).toBe('refusal');
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'refused-s')).toEqual([]);
  });

  it('OpenAI finish_reason content_filter, streamed and not (SDK): nothing stored', async () => {
    const key = await newKey();
    const client = openAiClient(key.secret, sessionHeaders('refused-o'));
    await scriptFake({
      host: 'api.openai.com',
      reply: 'Step one: obtain',
      finish: 'content_filter',
    });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: ASKED }] })
      .withResponse();
    expect(turnOf(response.headers)).toEqual({ turn: 'not-stored', reason: 'ANSWER_REFUSED' });
    await scriptFake({
      host: 'api.openai.com',
      reply: 'Step one: obtain',
      finish: 'content_filter',
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: `${ASKED} at night` }],
    });
    for await (const chunk of stream) void chunk;
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'refused-o')).toEqual([]);
  });

  it('OpenAI Responses left incomplete by the content filter (SDK): not stored', async () => {
    const key = await newKey();
    await scriptFake({
      host: 'api.openai.com',
      reply: 'Step one: obtain',
      finish: 'content_filter',
    });
    const { data, response } = await openAiClient(key.secret, sessionHeaders('refused-r'))
      .responses.create({ model: 'gpt-4o', input: ASKED })
      .withResponse();
    expect(data.status).toBe('incomplete');
    expect(turnOf(response.headers)).toEqual({ turn: 'not-stored', reason: 'ANSWER_REFUSED' });
    expect(await sessionMemories(key, 'refused-r')).toEqual([]);
  });

  it('Gemini finishReason SAFETY (not streamed) and PROHIBITED_CONTENT (streamed): nothing stored', async () => {
    const key = await newKey();
    const headers = {
      'x-goog-api-key': key.secret,
      'x-provider-key': 'AIza-test',
      ...sessionHeaders('refused-g'),
    };
    const body = { contents: [{ role: 'user', parts: [{ text: ASKED }] }] };
    await scriptFake({
      host: 'generativelanguage.googleapis.com',
      reply: 'Step one',
      finish: 'SAFETY',
    });
    const plain = await postJson('/v1beta/models/gemini-2.5-flash:generateContent', body, headers);
    expect(plain.status).toBe(200);
    expect(turnOf(plain.headers)).toEqual({ turn: 'not-stored', reason: 'ANSWER_REFUSED' });
    await scriptFake({
      host: 'generativelanguage.googleapis.com',
      reply: 'Step one: obtain the precursor',
      finish: 'PROHIBITED_CONTENT',
    });
    const streamed = await postJson(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      { contents: [{ role: 'user', parts: [{ text: `${ASKED} quickly` }] }] },
      headers,
    );
    expect(await streamed.text()).toContain('PROHIBITED_CONTENT');
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'refused-g')).toEqual([]);
  });

  it('GraphQL chat: memory.turn says ANSWER_REFUSED, nothing stored', async () => {
    const key = await newKey();
    await scriptFake({ host: 'api.anthropic.com', reply: 'Step one', finish: 'refusal' });
    const result = await postChat<{
      chat: { memory: { turn: { stored: boolean; reason: string | null } } };
    }>(
      key.secret,
      `mutation($input: ChatInput!) { chat(input: $input) { memory { turn { stored reason } } } }`,
      {
        model: 'anthropic/claude-sonnet-4-5',
        sessionId: 'refused-q',
        memoryMode: 'WRITE',
        messages: [{ role: 'USER', content: ASKED }],
      },
      'sk-ant-test',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.chat.memory.turn).toEqual({ stored: false, reason: 'ANSWER_REFUSED' });
    expect(await sessionMemories(key, 'refused-q')).toEqual([]);
  });

  it('an ordinary answer in the same shape is stored (the fakes’ usual finish)', async () => {
    const key = await newKey();
    const { response } = await anthropicClient(key.secret, sessionHeaders('refused-n'))
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: ASKED }],
      })
      .withResponse();
    expect(turnOf(response.headers)).toEqual({ turn: 'stored', reason: null });
  });
});
