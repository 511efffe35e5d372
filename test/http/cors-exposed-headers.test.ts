import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { keyWithMemory, postJson } from '../helpers/drop-in';
import { BASE_URL, workerFetch } from '../helpers/graphql';

/** Response headers a browser reads without them being exposed (the CORS-safelisted ones). */
const SAFELISTED = new Set([
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
]);
/** Headers no client script needs: transport, and CORS's own. */
const NOT_FOR_SCRIPTS = /^(access-control-|date$|content-encoding$|transfer-encoding$|vary$)/;

const ORIGIN = { origin: 'https://app.example' };

/** The headers of a response a browser script could not read. */
function hiddenFrom(response: Response): string[] {
  const exposed = new Set(
    (response.headers.get('access-control-expose-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  return [...response.headers.keys()].filter(
    (name) => !SAFELISTED.has(name) && !NOT_FOR_SCRIPTS.test(name) && !exposed.has(name),
  );
}

describe('headers a browser client may read', () => {
  beforeEach(resetFakes);

  it('every header of a drop-in answer: receipt, turn, timings and the provider’s request id', async () => {
    const { secret } = await keyWithMemory();
    const openai = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'where do I live?' }] },
      { ...ORIGIN, authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test-openai' },
    );
    expect(openai.status).toBe(200);
    for (const name of [
      'x-request-id',
      'openai-processing-ms',
      'x-memory-tokens',
      'x-memory-turn',
      'x-mr-overhead-ms',
      'x-mr-processing-ms',
      'x-total-ms',
      'x-embedding-ms',
      'x-provider-response-ms',
      'server-timing',
    ]) {
      expect(openai.headers.has(name), name).toBe(true);
    }
    expect(hiddenFrom(openai)).toEqual([]);

    const anthropic = await postJson(
      '/v1/messages',
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'where do I live?' }],
      },
      { ...ORIGIN, 'x-api-key': secret, 'x-provider-key': 'sk-ant-test' },
    );
    expect(anthropic.status).toBe(200);
    expect(anthropic.headers.has('request-id')).toBe(true);
    expect(hiddenFrom(anthropic)).toEqual([]);
  });

  it('Retry-After of a rate-limited call, so a browser client can wait as told', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', status: 429, headers: { 'retry-after': '7' } });
    const limited = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
      { ...ORIGIN, authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test-openai' },
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(hiddenFrom(limited)).toEqual([]);
  });

  it('Anthropic’s rate-limit headers, every family Anthropic documents', async () => {
    const { secret } = await keyWithMemory();
    const rateLimits: Record<string, string> = {};
    for (const family of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
      rateLimits[`anthropic-ratelimit-${family}-limit`] = '1000';
      rateLimits[`anthropic-ratelimit-${family}-remaining`] = '0';
      rateLimits[`anthropic-ratelimit-${family}-reset`] = '2026-11-27T16:00:00Z';
    }
    await scriptFake({
      host: 'api.anthropic.com',
      status: 429,
      headers: { ...rateLimits, 'retry-after': '30' },
    });
    const limited = await postJson(
      '/v1/messages',
      { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      { ...ORIGIN, 'x-api-key': secret, 'x-provider-key': 'sk-ant-test' },
    );
    expect(limited.status).toBe(429);
    for (const [name, value] of Object.entries(rateLimits)) {
      expect(limited.headers.get(name), name).toBe(value);
    }
    // Before: the *-limit headers and the input-/output-tokens families were
    // passed on but hidden from a browser (review201 F10).
    expect(hiddenFrom(limited)).toEqual([]);
  });

  it('an export: its memory count, and no checksum header (the checksum is the trailer line)', async () => {
    const { secret } = await keyWithMemory();
    const exported = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
      headers: { ...ORIGIN, authorization: `Bearer ${secret}` },
    });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ trailer: true, count: 1 });
    expect(exported.headers.get('x-memory-count')).toBe('1');
    // Before: Content-Disposition (not safelisted) was hidden, so a browser
    // client on another origin never learnt the file's name.
    expect(exported.headers.get('content-disposition')).toContain('filename="core.jsonl"');
    expect(hiddenFrom(exported)).toEqual([]);
    // Before: x-checksum was still listed, a header no answer carries.
    const exposed = exported.headers.get('access-control-expose-headers')!.split(/,\s*/);
    expect(exposed).toContain('x-memory-count');
    expect(exposed).not.toContain('x-checksum');
  });
});
