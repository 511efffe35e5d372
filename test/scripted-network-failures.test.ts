// The fakes' scripted network failures reach the Worker as fetch failures,
// as workerd raises them (test/setup/network-failures.ts), and not as an
// answer: the failure tests (upstream-failures.test.ts) depend on it, and
// a reset that arrived as a body merely cut short would pass them unseen.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeCalls, resetFakes, scriptFake } from './helpers/fakes';

const CHAT_URL = 'https://api.openai.com/v1/chat/completions';

function chat(stream: boolean): Promise<Response> {
  return fetch(CHAT_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello' }],
      stream,
    }),
  });
}

describe('scripted network failures', () => {
  beforeEach(resetFakes);

  it('unreachable: fetch rejects as a lost connection, after the call reached the fake', async () => {
    await scriptFake({ host: 'api.openai.com', mode: 'unreachable' });
    await expect(chat(false)).rejects.toThrow('Network connection lost.');
    expect(await fakeCalls()).toHaveLength(1);
  });

  for (const stream of [true, false]) {
    it(`reset (${stream ? 'streamed' : 'whole'} answer): a 200 whose body breaks after its first bytes`, async () => {
      await scriptFake({ host: 'api.openai.com', mode: 'reset' });
      const response = await chat(stream);
      expect(response.status).toBe(200);
      expect(response.headers.has('x-fake-network-failure')).toBe(false);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(first.value!.byteLength).toBeGreaterThan(0);
      await expect(
        (async () => {
          for (;;) if ((await reader.read()).done) return 'ended';
        })(),
      ).rejects.toThrow('Network connection lost.');
    });
  }

  it('an unscripted call is answered as usual', async () => {
    const response = await chat(false);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
  });
});
