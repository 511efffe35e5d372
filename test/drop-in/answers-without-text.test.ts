import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { settleWorkerTasks } from '../helpers/worker-tasks';
import { openAiClient, postJson, sessionMemories } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// Answers that are not text (review 248 A1). An OpenAI audio answer's words
// are its transcript: stored as the answer. An answer with no text at all
// (Gemini image or speech models) still stores the user's words: one odd part
// never costs the whole turn (docs/chat.md, What a turn stores).

const sessionHeaders = (session: string) => ({
  'x-session-id': session,
  'x-memory-mode': 'write',
});

const turnOf = (headers: Headers) => ({
  turn: headers.get('x-memory-turn'),
  reason: headers.get('x-memory-turn-reason'),
});

describe('answers without text', () => {
  beforeEach(resetFakes);

  it('an OpenAI audio answer is stored with its transcript (SDK, not streamed)', async () => {
    const key = await newKey();
    const { data, response } = await openAiClient(key.secret, sessionHeaders('audio-a'))
      .chat.completions.create({
        model: 'gpt-4o-audio-preview',
        modalities: ['text', 'audio'],
        audio: { voice: 'alloy', format: 'wav' },
        messages: [{ role: 'user', content: 'My cat Mimi sleeps on the red sofa' }],
      })
      .withResponse();
    const transcript = data.choices[0]!.message.audio!.transcript;
    expect(data.choices[0]!.message.content).toBeNull();
    expect(turnOf(response.headers)).toEqual({ turn: 'stored', reason: null });
    expect(await sessionMemories(key, 'audio-a')).toEqual([
      'USER: My cat Mimi sleeps on the red sofa',
      `ASSISTANT: ${transcript}`,
    ]);
  });

  it('an OpenAI audio answer streamed is stored with the transcript pieces joined', async () => {
    const key = await newKey();
    const stream = await openAiClient(
      key.secret,
      sessionHeaders('audio-s'),
    ).chat.completions.create({
      model: 'gpt-4o-audio-preview',
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'pcm16' },
      stream: true,
      messages: [{ role: 'user', content: 'My sister Ana arrives on Tuesday' }],
    });
    let transcript = '';
    for await (const chunk of stream) {
      const audio = (chunk.choices[0]?.delta as { audio?: { transcript?: string } } | undefined)
        ?.audio;
      transcript += audio?.transcript ?? '';
    }
    expect(transcript).not.toBe('');
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'audio-s')).toEqual([
      'USER: My sister Ana arrives on Tuesday',
      `ASSISTANT: ${transcript}`,
    ]);
  });

  it('a Gemini image-only answer stores the user’s words (not streamed and streamed)', async () => {
    const key = await newKey();
    const headers = {
      'x-goog-api-key': key.secret,
      'x-provider-key': 'AIza-test',
      ...sessionHeaders('image-g'),
    };
    const drawn = await postJson(
      '/v1beta/models/gemini-2.5-flash-image:generateContent',
      {
        contents: [
          { role: 'user', parts: [{ text: 'Draw my cat Mimi sleeping on the red sofa' }] },
        ],
        generationConfig: { responseModalities: ['IMAGE'] },
      },
      headers,
    );
    expect(drawn.status).toBe(200);
    const body = (await drawn.json()) as {
      candidates: { content: { parts: { inlineData?: unknown; text?: string }[] } }[];
    };
    expect(body.candidates[0]!.content.parts[0]!.inlineData).toBeDefined();
    expect(turnOf(drawn.headers)).toEqual({ turn: 'stored', reason: null });
    const spoken = await postJson(
      '/v1beta/models/gemini-2.5-flash-preview-tts:streamGenerateContent?alt=sse',
      {
        contents: [
          { role: 'user', parts: [{ text: 'Say cheerfully: my sister Ana arrives Tuesday' }] },
        ],
        generationConfig: { responseModalities: ['AUDIO'] },
      },
      headers,
    );
    expect(await spoken.text()).toContain('inlineData');
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'image-g')).toEqual([
      'USER: Draw my cat Mimi sleeping on the red sofa',
      'USER: Say cheerfully: my sister Ana arrives Tuesday',
    ]);
  });

  // A guard, true before too: with the user's words kept out, nothing is left.
  it('no user words and no answer text: EMPTY_ANSWER, nothing stored', async () => {
    const key = await newKey();
    const response = await postJson(
      '/v1beta/models/gemini-2.5-flash-image:generateContent',
      {
        contents: [{ role: 'user', parts: [{ text: 'Draw my cat Mimi' }] }],
        generationConfig: { responseModalities: ['IMAGE'] },
      },
      {
        'x-goog-api-key': key.secret,
        'x-provider-key': 'AIza-test',
        ...sessionHeaders('image-e'),
        'x-memory-store': 'false',
      },
    );
    expect(response.status).toBe(200);
    expect(turnOf(response.headers)).toEqual({ turn: 'not-stored', reason: 'EMPTY_ANSWER' });
    expect(await sessionMemories(key, 'image-e')).toEqual([]);
  });
});
