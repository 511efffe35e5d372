import { describe, expect, inject, it } from 'vitest';
import { newMemoryKey } from './helpers';

/**
 * Drop-in streams as a client reads them through `wrangler dev`, whose
 * proxy compresses responses as Cloudflare does (by content type, for a
 * client that accepts gzip): what the Worker alone, in the test pool,
 * cannot show.
 */
const GEMINI_STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';

interface FakeCall {
  host: string;
  path: string;
  cancelled: boolean;
}

async function geminiCalls(): Promise<FakeCall[]> {
  const calls = (await (await fetch(`${inject('fakeUrl')}/_calls`)).json()) as FakeCall[];
  return calls.filter((call) => call.host === 'generativelanguage.googleapis.com');
}

describe('Gemini’s streamed JSON array through the dev server', () => {
  it('reaches a gzip-accepting client chunk by chunk, and its leaving cancels the call (review275 F1)', async () => {
    const key = await newMemoryKey('gemini json stream');
    // The fake sends its first words, then a text-less chunk every 200 ms
    // until its client goes away: only a disconnect ends this call.
    await fetch(`${inject('fakeUrl')}/_script`, {
      method: 'POST',
      body: JSON.stringify({ host: 'generativelanguage.googleapis.com', mode: 'trickle' }),
    });
    const before = (await geminiCalls()).length;
    const leave = new AbortController();
    const response = await fetch(`${inject('liveUrl')}${GEMINI_STREAM}`, {
      method: 'POST',
      headers: {
        'x-goog-api-key': key,
        'x-provider-key': 'AIza-live-test',
        'content-type': 'application/json',
        // What Node's fetch, Python's requests and browsers send.
        'accept-encoding': 'gzip, deflate, br',
      },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] }),
      signal: leave.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    // The array's first chunk, while the model is still answering. Before:
    // the compressed response held every chunk until the array closed, so
    // this read waited for the model to finish (here, for ever).
    const reader = response.body!.getReader();
    let read = '';
    while (!read.includes('"text"')) {
      const { done, value } = await reader.read();
      if (done) break;
      read += new TextDecoder().decode(value);
    }
    expect(read).toMatch(/^\[\{/);
    expect(read).toContain('"text"');
    const [call] = (await geminiCalls()).slice(before);
    expect(call?.path).toContain(':streamGenerateContent');
    expect(call?.cancelled).toBe(false);

    // The client leaves: the model call is cancelled (not run on to its end).
    leave.abort();
    await expect
      .poll(async () => (await geminiCalls()).slice(before)[0]?.cancelled, { timeout: 20_000 })
      .toBe(true);
  });
});
