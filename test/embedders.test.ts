import { describe, expect, it } from 'vitest';
import { createEmbedder } from '../src/embed';
import { LocalHashEmbedder } from '../src/embed/local-hash';
import { WorkersAiEmbedder, type AiBinding } from '../src/embed/workers-ai';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('LocalHashEmbedder', () => {
  const embedder = new LocalHashEmbedder();

  it('is deterministic and unit length', () => {
    const [a, b] = [
      embedder.embedOne('The cat sat on the mat'),
      embedder.embedOne('The cat sat on the mat'),
    ];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
  });

  it('brings word forms together and keeps unrelated text apart', () => {
    const memory = embedder.embedOne('I adopted a puppy named Biscuit');
    expect(
      cosine(memory, embedder.embedOne('what is the name of the puppy I adopted')),
    ).toBeGreaterThan(
      cosine(memory, embedder.embedOne('the quarterly budget meeting moved to Friday')) + 0.3,
    );
  });

  it('gives text without letters or digits a direction too', () => {
    expect(cosine(embedder.embedOne('👍🎉'), embedder.embedOne('👍🎉'))).toBeCloseTo(1, 5);
  });
});

describe('WorkersAiEmbedder', () => {
  it('sends texts in one call and returns the model output as vectors', async () => {
    const calls: { model: string; input: { text: string[] } }[] = [];
    const ai: AiBinding = {
      async run(model, input) {
        calls.push({ model, input });
        // Workers AI's response shape for bge models.
        return {
          shape: [input.text.length, 384],
          data: input.text.map((_, i) => Array.from({ length: 384 }, () => i + 1)),
        };
      },
    };
    const embedder = createEmbedder({ EMBEDDING_PROVIDER: 'workers-ai', AI: ai });
    expect(embedder).toBeInstanceOf(WorkersAiEmbedder);
    expect([embedder.model, embedder.dimensions]).toEqual(['@cf/baai/bge-small-en-v1.5', 384]);
    const vectors = await embedder.embed(['one', 'two']);
    expect(calls).toEqual([
      { model: '@cf/baai/bge-small-en-v1.5', input: { text: ['one', 'two'] } },
    ]);
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2]);
  });

  it('refuses a malformed response and a missing binding', async () => {
    const broken = new WorkersAiEmbedder({ run: async () => ({ data: [[1, 2]] }) });
    await expect(broken.embed(['a'])).rejects.toThrow(/unexpected size/);
    expect(() => createEmbedder({ EMBEDDING_PROVIDER: 'workers-ai' })).toThrow(/AI/);
    expect(() => createEmbedder({ EMBEDDING_PROVIDER: 'mystery' })).toThrow(/unknown/);
  });
});
