import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

// With a cachedContent (no system instruction allowed beside it), memory goes
// at the start of the last user turn, after its functionResponse parts, even
// when that turn holds nothing else (a function-calling loop) (review 212 F6).

describe('Gemini cachedContent in a function-calling loop', () => {
  beforeEach(resetFakes);

  it('memory follows the functionResponse of the last user turn, not the first turn', async () => {
    const { secret } = await keyWithMemory();
    const asked = { role: 'user', parts: [{ text: 'where do I live?' }] };
    const called = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] };
    const answered = { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] };
    const response = await postJson(
      '/v1beta/models/gemini-2.5-flash:generateContent',
      { contents: [asked, called, answered], cachedContent: 'cachedContents/abc' },
      { 'x-goog-api-key': secret, 'x-provider-key': 'AIza-test' },
    );
    expect(response.status).toBe(200);
    const [call] = await upstreamCalls('generativelanguage.googleapis.com');
    const contents = call!.body.contents;
    expect(contents[0]).toEqual(asked);
    expect(contents[1]).toEqual(called);
    expect(contents[2].parts[0]).toEqual(answered.parts[0]);
    expect(contents[2].parts[1].text).toContain('"The user lives in Lisbon"');
    expect(call!.body.systemInstruction).toBeUndefined();
  });
});
