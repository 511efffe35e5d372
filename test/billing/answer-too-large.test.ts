import { describe, expect, it } from 'vitest';
import { answerBytes } from '../../src/durable/rpc/answer-size';
import { newKey, post } from '../helpers/graphql';

// workerd refuses an RPC value over 32 MiB only after the vault's work is
// done. A vault that billed the searches of such an answer billed hits no
// one received, and the caller met "Unexpected error." (outside review 208
// R3). Here: fourteen aliased searches of 50 memories of 32 KB content and
// 16 KB metadata each are 34 MB.

describe('answerBytes', () => {
  it('counts what the RPC carries: Latin-1 a byte a character, other text two, byte arrays their length', () => {
    const latin = 'é'.repeat(1_000);
    const wide = '記'.repeat(1_000);
    expect(answerBytes([latin])).toBeGreaterThanOrEqual(1_000);
    expect(answerBytes([latin])).toBeLessThan(1_100);
    // Two bytes a character once the count nears the limit it is asked about.
    expect(answerBytes({ a: wide }, 1_500)).toBeGreaterThanOrEqual(2_000);
    expect(answerBytes({ numbers: new Float64Array(100) })).toBeGreaterThanOrEqual(800);
    // It stops counting past the limit.
    expect(
      answerBytes(
        Array.from({ length: 100 }, () => latin),
        10_000,
      ),
    ).toBeLessThan(12_000);
  });
});

describe('an operation whose reads of one vault would not fit one vault call', () => {
  it('is refused, coded, and bills nothing; fewer searches of the same vault answer', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'long-notes' };
    // 50 distinct memories of about 32 KB of content (its limit) and 16 KB
    // of metadata (its limit), 5 a request (the test server's request limit
    // is 256 KiB).
    const long = (n: number) => `note ${n} ${'abcdefghij '.repeat(2_970)}`;
    const metadata = { pad: 'm'.repeat(16_000) };
    for (let first = 0; first < 50; first += 5) {
      const stored = await post(
        'mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }',
        {
          i: Array.from({ length: 5 }, (_, k) => ({ content: long(first + k), metadata, vault })),
        },
        secret,
      );
      expect(stored.errors).toBeUndefined();
    }
    const usage = async () =>
      (
        (await post('{ usage { memoryTokens } }', {}, secret)).data as {
          usage: { memoryTokens: number };
        }
      ).usage.memoryTokens;
    const aliased = (count: number) =>
      `query { ${Array.from(
        { length: count },
        (_, i) =>
          `s${i}: search(input: { query: "notes", mode: VECTOR, vaults: [{ kind: SESSION, id: "long-notes" }], windows: [{ window: HOT, limit: 50 }] }) { memoryTokens hits { memory { id } } }`,
      ).join(' ')} }`;

    const before = await usage();
    const refused = await post(aliased(14), {}, secret);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'ANSWER_TOO_LARGE',
    });
    expect(refused.errors?.[0]?.message).toMatch(/fewer/);
    expect(await usage()).toBe(before);

    const answered = await post(aliased(4), {}, secret);
    expect(answered.errors).toBeUndefined();
    const searches = Object.values(
      answered.data as Record<string, { memoryTokens: number; hits: unknown[] }>,
    );
    expect(searches.map((search) => search.hits.length)).toEqual([50, 50, 50, 50]);
    expect(await usage()).toBe(before + searches.reduce((sum, s) => sum + s.memoryTokens, 0));
  }, 120_000);
});
