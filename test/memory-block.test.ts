import { describe, expect, it } from 'vitest';
import { countTokens } from '../src/core/tokens';
import { renderMemoryBlock } from '../src/resolvers/chat/memory-block';
import type { RankedHit } from '../src/resolvers/merge-hits';

/** A hit as the merge hands it to the block; `tokens` is what the vault stored for its content. */
async function hit(content: string, at: number): Promise<RankedHit> {
  return {
    address: { keyId: 'k', kind: 'SESSION', externalId: 'chat' },
    window: 'WORKING',
    score: 1 - at / 100,
    match: { start: 0, end: content.length },
    memory: {
      id: `m${at}`,
      content,
      role: 'USER',
      metadata: null,
      createdAt: Date.UTC(2026, 10, 20) + at * 60_000,
      tokens: await countTokens(content),
    },
  } as RankedHit;
}

const linesOf = (text: string) => text.split('\n').filter((line) => line.startsWith('- ['));

describe('the memory block', () => {
  // Text with more tokens than UTF-16 characters (rare CJK, emoji, hieroglyphs).
  const dense = '𠀋𠂢𠃵𠄌𠆢𠇇𠈓𠌫𠍱𠎁 🧬🪐🫧🦩🪼🫎 ꙮꙮ 𓀀𓁿𓂀𓃰'.repeat(3);
  const contents = [
    'the user keeps bees in the garden behind the cabin',
    dense,
    `${dense} and a lake`,
    'prefers window seats on the train to Lyon',
    'Caroline\'s "new" project: a \\ backslash and a quote',
    '部署は金曜日の午後に行われます。',
  ];

  it('spends the budget on the memories’ own tokens only, best first, skipping what does not fit', async () => {
    const hits = await Promise.all(contents.map(hit));
    const costs = hits.map((kept) => kept.memory.tokens);
    const total = costs.reduce((a, b) => a + b, 0);
    const budgets = new Set<number>([1, 5, 10, total - 1, total, total + 1]);
    for (let end = 1; end <= costs.length; end++) {
      const prefix = costs.slice(0, end).reduce((a, b) => a + b, 0);
      for (const budget of [prefix - 1, prefix, prefix + 1]) budgets.add(budget);
    }
    for (const budget of budgets) {
      // Best first, each memory that still fits, by its own tokens.
      const expected: number[] = [];
      let used = 0;
      costs.forEach((cost, at) => {
        if (used + cost > budget) return;
        used += cost;
        expected.push(at);
      });
      const block = renderMemoryBlock(hits, budget);
      if (expected.length === 0) {
        expect(block, `budget ${budget}`).toBeNull();
        continue;
      }
      expect(
        block!.hits.map((kept) => kept.memory.id),
        `budget ${budget}`,
      ).toEqual(expected.map((at) => `m${at}`));
      expect(block!.memoryTokens).toBe(used);
      expect(block!.memoryTokens).toBeLessThanOrEqual(budget);
      // Every kept memory is shown, quoted as data, whatever the wrapping costs.
      const lines = linesOf(block!.text);
      expect(lines).toHaveLength(expected.length);
      expected.forEach((at, line) =>
        expect(lines[line]!.endsWith(JSON.stringify(contents[at]))).toBe(true),
      );
    }
  });

  it('a budget of exactly one memory’s tokens injects it, although its line costs more', async () => {
    const [only] = await Promise.all([hit('prefers window seats on the train to Lyon', 0)]);
    const block = renderMemoryBlock([only!], only!.memory.tokens);
    expect(block!.hits).toHaveLength(1);
    expect(await countTokens(block!.text)).toBeGreaterThan(only!.memory.tokens);
    expect(renderMemoryBlock([only!], only!.memory.tokens - 1)).toBeNull();
    expect(renderMemoryBlock([only!], 0)).toBeNull();
    expect(renderMemoryBlock([], 100)).toBeNull();
  });

  it('labels each line with its time to the second, in UTC, milliseconds cut', async () => {
    const [first, second] = await Promise.all([hit('bees in the garden', 1), hit('a far date', 2)]);
    const far = {
      ...second!,
      memory: { ...second!.memory, createdAt: Date.UTC(10_000, 0, 1, 0, 0, 0, 999) },
    };
    const soon = {
      ...first!,
      memory: { ...first!.memory, createdAt: first!.memory.createdAt + 123 },
    };
    const lines = linesOf(renderMemoryBlock([soon, far], 1_000)!.text);
    expect(lines[0]!.startsWith('- [2026-11-20T00:01:00Z · ')).toBe(true);
    expect(lines[1]!.startsWith('- [+010000-01-01T00:00:00Z · ')).toBe(true);
  });
});
