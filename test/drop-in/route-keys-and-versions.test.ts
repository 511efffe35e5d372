import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

// A request without a memory key is told the header its route's SDK sends
// (review 212 F7); Gemini's API version in the path is the one Google gets
// (F8).

const said = { role: 'user', content: 'where do I live?' };

describe('a drop-in call without a memory key names the header of the route’s SDK', () => {
  it('/v1/messages: x-api-key', async () => {
    const response = await postJson(
      '/v1/messages',
      { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [said] },
      { 'x-provider-key': 'sk-ant-test' },
    );
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; reason: string } };
    expect(body.error.reason).toBe('NO_CREDENTIAL');
    expect(body.error.message).toContain('"x-api-key: mk_…"');
    expect(body.error.message).not.toContain('Authorization');
  });

  it('Gemini’s routes: x-goog-api-key or ?key=', async () => {
    for (const path of [
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1/models/gemini-2.5-flash:streamGenerateContent',
    ]) {
      const response = await postJson(path, { contents: [{ parts: [{ text: 'hi there' }] }] });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toContain('"x-goog-api-key: mk_…" (or ?key=mk_…)');
    }
  });

  it('OpenAI’s routes: a Bearer token, as before', async () => {
    const response = await postJson('/v1/chat/completions', { model: 'gpt-4o', messages: [said] });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('"Authorization: Bearer mk_…"');
  });
});

describe('Gemini’s API version', () => {
  beforeEach(resetFakes);

  it('/v1/models/…:generateContent goes to Google’s /v1/…, /v1beta/… to /v1beta/…', async () => {
    const { secret } = await keyWithMemory();
    const headers = { 'x-goog-api-key': secret, 'x-provider-key': 'AIza-test' };
    const body = { contents: [{ role: 'user', parts: [{ text: 'where do I live?' }] }] };
    for (const version of ['v1', 'v1beta']) {
      const response = await postJson(
        `/${version}/models/gemini-2.5-flash:generateContent`,
        body,
        headers,
      );
      expect(response.status).toBe(200);
    }
    const stream = await postJson(
      '/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      body,
      headers,
    );
    await stream.text();
    const calls = await upstreamCalls('generativelanguage.googleapis.com');
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/models/gemini-2.5-flash:generateContent',
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    ]);
  });
});
