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
  // Text with more tokens than UTF-16 characters (rare CJK, emoji,
  // hieroglyphs): a bound in characters would be wrong for it, one in UTF-8
  // bytes is not.
  const dense = '𠀋𠂢𠃵𠄌𠆢𠇇𠈓𠌫𠍱𠎁 🧬🪐🫧🦩🪼🫎 ꙮꙮ 𓀀𓁿𓂀𓃰'.repeat(3);
  const contents = [
    'the user keeps bees in the garden behind the cabin',
    dense,
    `${dense} and a lake`,
    'prefers window seats on the train to Lyon',
    'Caroline\'s "new" project: a \\ backslash and a quote',
    '部署は金曜日の午後に行われます。',
  ];

  it.each([
    ['mixed memories', contents],
    ['memories denser in tokens than in characters', [dense, `${dense} ꙮ`, dense.slice(0, 20)]],
  ])(
    'keeps exactly the lines that counting every one keeps, whatever the budget: %s',
    async (_, texts) => {
      const hits = await Promise.all(texts.map(hit));
      const full = await renderMemoryBlock(hits, 100_000);
      const lines = linesOf(full!.text);
      const preamble = await countTokens(full!.text.split('\n')[0]!);
      const costs = await Promise.all(lines.map((line) => countTokens(line)));
      expect(lines).toHaveLength(hits.length);
      expect(costs[texts.indexOf(dense)]).toBeGreaterThan(lines[texts.indexOf(dense)]!.length);

      const exactBudgets = new Set<number>();
      for (let end = 1; end <= costs.length; end++)
        exactBudgets.add(preamble + costs.slice(0, end).reduce((a, b) => a + b, 0));
      const budgets = [...exactBudgets].flatMap((budget) => [budget - 1, budget, budget + 1]);
      // Around the preamble alone, and the bounds of every line's bytes and characters.
      const bytes = lines.reduce(
        (sum, line) => sum + new TextEncoder().encode(line).length,
        preamble,
      );
      const characters = lines.reduce((sum, line) => sum + line.length, preamble);
      budgets.push(preamble - 1, preamble, 1, bytes - 1, bytes, characters, 100_000);
      for (const budget of budgets) {
        // What counting every line, best first, keeps within this budget.
        const expected: number[] = [];
        let used = preamble;
        costs.forEach((cost, at) => {
          if (used + cost > budget) return;
          used += cost;
          expected.push(at);
        });
        const block = await renderMemoryBlock(hits, budget);
        if (expected.length === 0) {
          expect(block, `budget ${budget}`).toBeNull();
          continue;
        }
        expect(linesOf(block!.text), `budget ${budget}`).toEqual(expected.map((at) => lines[at]));
        expect(block!.hits.map((kept) => kept.memory.id)).toEqual(expected.map((at) => `m${at}`));
        expect(block!.memoryTokens).toBe(
          expected.reduce((sum, at) => sum + hits[at]!.memory.tokens, 0),
        );
      }
    },
  );
});
