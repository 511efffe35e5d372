import { describe, expect, it } from 'vitest';
import { newKey, post } from './helpers/graphql';

const STORE = `mutation($inputs: [StoreMemoryInput!]!) {
  storeMemories(inputs: $inputs) { content tokens }
}`;

/**
 * Memory tokens are billed, so their count is pinned: each figure below is
 * gpt-tokenizer's own o200k_base count of the text (`countTokens(text)`,
 * checked over the 5,158 texts of the LoCoMo dev split too, where the
 * Worker's counting agrees on every one). The tokenizer cannot be loaded into
 * the test isolate (ARCHITECTURE.md), so the Worker counts and the figures are
 * the library's.
 */
describe('memory token counts (o200k_base)', () => {
  it('counts ordinary text exactly as the tokenizer does', async () => {
    const { secret } = await newKey();
    const texts: [string, number][] = [
      ['Caroline: I went to the LGBTQ support group yesterday!', 12],
      ['Zoë’s café — naïve 😀👍🏽', 11],
      ['你好，世界', 3],
    ];
    const result = await post<{ storeMemories: { content: string; tokens: number }[] }>(
      STORE,
      { inputs: texts.map(([content]) => ({ content })) },
      secret,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.storeMemories.map(({ tokens }) => tokens)).toEqual(
      texts.map(([, tokens]) => tokens),
    );
  });

  // The library refuses a text that spells one of its special tokens; a
  // memory is plain text, so it is stored and counted as the characters it is
  // (the same count as `encode(text, { disallowedSpecial: new Set() })`).
  it('stores text that spells a special token and counts it as plain text', async () => {
    const { secret } = await newKey();
    const texts: [string, number][] = [
      ['hello <|endoftext|> world', 9],
      ['a<|endofprompt|>b <|endoftext|>', 16],
    ];
    const result = await post<{ storeMemories: { content: string; tokens: number }[] }>(
      STORE,
      { inputs: texts.map(([content]) => ({ content })) },
      secret,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.storeMemories).toEqual(
      texts.map(([content, tokens]) => ({ content, tokens })),
    );
  });
});
