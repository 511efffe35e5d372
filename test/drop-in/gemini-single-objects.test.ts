import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { keyWithMemory, postJson, upstreamCalls, vaultContents } from '../helpers/drop-in';

// Google's JSON parser reads one object where a list is due, and Google's own
// REST examples write `contents`, a content's `parts` and
// `system_instruction.parts` that way. Such a body is read as its list form,
// and memory is added beside the client's content, never in its place
// (review 268 F4, F5, F7).

const GOOGLE = 'generativelanguage.googleapis.com';
const MEMORY = '"The user lives in Lisbon"';
const memoryPart = { text: expect.stringContaining(MEMORY) };
const NEKO = { text: 'You are Neko the cat, respond like one' };

const gemini = (secret: string, target: string, body: unknown, headers = {}) =>
  postJson(`/v1beta/models/${target}`, body, {
    'x-goog-api-key': secret,
    'x-provider-key': 'AIza-test',
    ...headers,
  });

/** The body the Google fake received last, as it arrived. */
const lastGoogleBody = async () => (await upstreamCalls(GOOGLE)).at(-1)!.body;

const CALLS = [
  'gemini-2.5-flash:generateContent',
  'gemini-2.5-flash:streamGenerateContent?alt=sse',
  'gemini-2.5-flash:streamGenerateContent',
];

describe('Gemini bodies with single objects for lists, as Google’s curl examples write them', () => {
  beforeEach(resetFakes);

  it('keeps the client’s system instruction whose `parts` is one object, memory beside it', async () => {
    const { secret } = await keyWithMemory();
    for (const target of CALLS) {
      for (const key of ['system_instruction', 'systemInstruction']) {
        const sent = {
          [key]: { parts: NEKO },
          contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
        };
        const response = await gemini(secret, target, sent);
        expect(response.status, target).toBe(200);
        await response.text();
        expect(await lastGoogleBody(), `${target} ${key}`).toEqual({
          ...sent,
          [key]: { parts: [NEKO, memoryPart] },
        });
      }
    }
  });

  it('reads `contents` as one object (Google’s curl example): memory added, contents forwarded as sent, the turn stored', async () => {
    const { secret, api } = await keyWithMemory();
    for (const [at, target] of CALLS.entries()) {
      const question = { text: `where do I live? Porto cat ${at}` };
      const sent = { system_instruction: { parts: NEKO }, contents: { parts: question } };
      const response = await gemini(secret, target, sent, { 'x-session-id': `one-content-${at}` });
      expect(response.status, target).toBe(200);
      // A streamed turn is stored after its end, without the header.
      if (at === 0) expect(response.headers.get('x-memory-turn'), target).toBe('stored');
      await response.text();
      expect(await lastGoogleBody(), target).toEqual({
        ...sent,
        system_instruction: { parts: [NEKO, memoryPart] },
      });
      await eventually(async () =>
        expect(
          await vaultContents(api, 'Porto', { kind: 'SESSION', id: `one-content-${at}` }),
        ).toContain(question.text),
      );
    }
    // countTokens passes the same body on unchanged.
    const counted = await gemini(secret, 'gemini-2.5-flash:countTokens', {
      contents: { parts: { text: 'where do I live?' } },
    });
    expect(counted.status).toBe(200);
    expect(await lastGoogleBody()).toEqual({ contents: { parts: { text: 'where do I live?' } } });
  });

  it('with cachedContent, memory leads a last user turn whose `parts` is one object: the user’s words stay, and are what is stored', async () => {
    const { secret, api } = await keyWithMemory();
    const earlier = [
      { role: 'user', parts: [{ text: 'what is my cat called?' }] },
      { role: 'model', parts: [{ text: 'Neko.' }] },
    ];
    const latest = { role: 'user', parts: { text: 'and where do I live?' } };
    const sent = { cachedContent: 'cachedContents/abc', contents: [...earlier, latest] };
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', sent, {
      'x-session-id': 'cached-one-part',
    });
    expect(response.status).toBe(200);
    expect(await lastGoogleBody()).toEqual({
      ...sent,
      contents: [...earlier, { role: 'user', parts: [memoryPart, latest.parts] }],
    });
    const session = { kind: 'SESSION', id: 'cached-one-part' } as const;
    await eventually(async () =>
      expect(await vaultContents(api, 'where live', session)).toContain('and where do I live?'),
    );
    expect(await vaultContents(api, 'what cat called', session)).not.toContain(
      'what is my cat called?',
    );
  });

  it('without cachedContent, a last user turn whose `parts` is one object is the one searched and stored', async () => {
    const { secret, api } = await keyWithMemory();
    const earlier = [
      { role: 'user', parts: [{ text: 'what is my cat called?' }] },
      { role: 'model', parts: [{ text: 'Neko.' }] },
    ];
    const sent = { contents: [...earlier, { role: 'user', parts: { text: 'where do I live?' } }] };
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', sent, {
      'x-session-id': 'one-part',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      candidates: [{ content: { parts: [{ text: `Fake ${GOOGLE} heard: where do I live?` }] } }],
    });
    expect(await lastGoogleBody()).toEqual({ ...sent, systemInstruction: { parts: [memoryPart] } });
    const session = { kind: 'SESSION', id: 'one-part' } as const;
    await eventually(async () =>
      expect(await vaultContents(api, 'where live', session)).toEqual([
        `Fake ${GOOGLE} heard: where do I live?`,
        'where do I live?',
      ]),
    );
  });

  it('Gemma: memory leads the parts of a single content object whose `parts` is one object', async () => {
    const { secret } = await keyWithMemory();
    const sent = { contents: { parts: { text: 'where do I live?' } } };
    const response = await gemini(secret, 'gemma-3-27b-it:generateContent', sent);
    expect(response.status).toBe(200);
    expect(await lastGoogleBody()).toEqual({
      contents: { parts: [{ text: expect.stringMatching(/Lisbon.*\n\n$/s) }, sent.contents.parts] },
    });
  });

  it('`memory: false` on a single content object is taken off before forwarding', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', {
      contents: { parts: { text: 'where do I live?' }, memory: false },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-memory-turn-reason')).toBe('EXCLUDED_BY_CALLER');
    expect((await lastGoogleBody()).contents).toEqual({ parts: { text: 'where do I live?' } });
  });

  it('leaves out of the block a memory the snake_case system_instruction already holds', async () => {
    const { secret } = await keyWithMemory();
    const sent = {
      system_instruction: { parts: { text: 'The user lives in Lisbon' } },
      contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
    };
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', sent);
    expect(response.status).toBe(200);
    expect(await lastGoogleBody()).toEqual(sent);
  });

  it('refuses `contents` that is neither a list nor an object, and forwards nothing', async () => {
    const { secret } = await keyWithMemory();
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', {
      contents: 'where do I live?',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: '`contents` must be a list of contents (or one content object)',
      },
    });
    expect(await upstreamCalls(GOOGLE)).toEqual([]);
  });
});
describe('A whole (not streamed) Gemini answer cut short', () => {
  beforeEach(resetFakes);

  it('is reported as a broken answer, not a broken stream (review 268 F6)', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: GOOGLE, mode: 'malformed' });
    const response = await gemini(secret, 'gemini-2.5-flash:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }],
    });
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(/^google answer broke: malformed data: /);
    expect(error).toMatchObject({
      details: expect.arrayContaining([expect.objectContaining({ reason: 'STREAM_BROKEN' })]),
    });
  });
});
