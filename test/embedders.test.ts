import { describe, expect, it } from 'vitest';
import { createEmbedder } from '../src/embed';
import { KEPT_SCRATCH_SYMBOLS, UNKNOWN_PIECE, UnigramTokenizer } from '../src/embed/sentencepiece';
import { USE_LITE_MODEL, UseLiteEmbedder } from '../src/embed/use-lite';
import { WorkersAiEmbedder, type AiBinding } from '../src/embed/workers-ai';
import { CodedError } from '../src/core/errors';
import { damp, HashedEmbedder } from './helpers/hashed-embedder';
import { seededRandom } from './helpers/random';
import { referenceEncoder } from './helpers/reference-unigram';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('UseLiteEmbedder (the offline default)', () => {
  const embedder = new UseLiteEmbedder();
  const one = async (text: string) => (await embedder.embedPassages([text]))[0]!;

  it('is the default and records a versioned model id', () => {
    const chosen = createEmbedder({ EMBEDDING_PROVIDER: 'local' });
    expect(chosen).toBeInstanceOf(UseLiteEmbedder);
    expect([chosen.model, chosen.dimensions]).toEqual(['use-lite-static-384@1', 384]);
  });

  it('ranks a paraphrase sharing no content words above an unrelated text', async () => {
    const cases = [
      [
        'What car does she drive?',
        'Her automobile is a red Toyota',
        'I love baking bread on Sundays',
      ],
      [
        'What instrument does he play?',
        'He practises the violin every evening',
        'The roof needs repairs before winter',
      ],
      [
        'When is my doctor appointment?',
        'Physician visit scheduled Tuesday at 3pm',
        'We planted tomatoes in the garden',
      ],
    ] as const;
    for (const [query, paraphrase, unrelated] of cases) {
      const [q] = await embedder.embedQueries([query]);
      expect(cosine(q!, await one(paraphrase))).toBeGreaterThan(
        cosine(q!, await one(unrelated)) + 0.05,
      );
    }
  });

  it('gives identical unit vectors on repeat and in a fresh embedder', async () => {
    const text = 'Caroline: I went to the LGBTQ support group yesterday!';
    const [a, b] = await embedder.embedPassages([text, text]);
    const [c] = await new UseLiteEmbedder().embedQueries([text]);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Array.from(a!)).toEqual(Array.from(c!));
    expect(cosine(a!, a!)).toBeCloseTo(1, 5);
  });

  it('gives text without known pieces, and empty text, a direction', async () => {
    for (const text of ['👍🎉', '', '   ']) {
      expect(cosine(await one(text), await one(text))).toBeCloseTo(1, 5);
    }
  });

  // The id a vault records must change whenever the vectors would: a new
  // table or a change to the tokenizer or the sum needs a new USE_LITE_MODEL
  // (and then a new digest here).
  it(`produces exactly the vectors of ${USE_LITE_MODEL}`, async () => {
    const vectors = await embedder.embedPassages([
      'Her automobile is a red Toyota',
      'Caroline: I went to the LGBTQ support group yesterday!',
      'Ünïcödé, digits 12345 and emoji 👍',
      '',
    ]);
    const bytes = new Uint8Array(vectors.length * 384 * 4);
    vectors.forEach((vector, i) => bytes.set(new Uint8Array(vector.buffer), i * 384 * 4));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
    expect({ model: USE_LITE_MODEL, vectors: hex }).toEqual({
      model: 'use-lite-static-384@1',
      vectors: 'cd08944e8fdd4da42617548a035982806ab682a1326131b482577c0e730ff2f6',
    });
  });
  // The tokenizer reuses scratch arrays sized to the longest text so far and
  // the sum runs four columns a step (the bulk store's embedding cost): long
  // then short texts, surrogate pairs, NFKC folds, control characters and a
  // lone surrogate. The digest was taken with the code before that change
  // (one fresh array per text, one column a step).
  it('gives the same vectors whatever came before, in any script', async () => {
    const texts = [
      'Melanie: I ran a charity race for mental health last Saturday – it was so rewarding!',
      'word '.repeat(700).trim(),
      'a',
      '😀 emoji 🎉 between 👍🏽 surrogate pairs 😀',
      '  leading, trailing and\tinner\n\nwhitespace  ',
      'ﬁne ligatures, ＦＵＬＬＷＩＤＴＨ and Ⅻ fold under NFKC',
      '你好，世界。混合 text with 中文',
      'Zoë’s café — naïve coöperation, e\u0301 combining',
      '\ud800 a lone surrogate and \u0000 a control',
      'x'.repeat(3000),
      'Caroline: the adoption agency called back!',
    ];
    const digestOf = async (vectors: Float32Array[]) => {
      const bytes = new Uint8Array(vectors.length * 384 * 4);
      vectors.forEach((vector, i) => bytes.set(new Uint8Array(vector.buffer), i * 384 * 4));
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
    };
    const expected = '41ff351f5f492fd3c7295bc5b7c4e78d85313a833799ce1bc76dca096ef22191';
    expect(await digestOf(await embedder.embedPassages(texts))).toBe(expected);
    // One at a time, shortest first: the scratch arrays grow between calls.
    const order = texts
      .map((text, at) => ({ text, at }))
      .sort((a, b) => a.text.length - b.text.length);
    const single: Float32Array[] = new Array(texts.length);
    for (const { text, at } of order) single[at] = await one(text);
    expect(await digestOf(single)).toBe(expected);
  });

  // The row sum keeps its pieces' weights and offsets for the next text, up
  // to KEPT_SCRATCH_SYMBOLS pieces; a text with more gets arrays of its own.
  // Nothing of a longer text may leak into a shorter one's vector.
  it('gives a text the same vector before and after longer texts, past the kept scratch too', async () => {
    const short = 'Caroline: the adoption agency called back!';
    const medium = 'coffee garden holiday '.repeat(120).trim();
    const huge = Array.from({ length: KEPT_SCRATCH_SYMBOLS + 500 }, (_, i) => `w${i % 97}`).join(
      ' ',
    );
    const [shortFirst, mediumFirst, hugeFirst] = [
      await one(short),
      await one(medium),
      await one(huge),
    ];
    expect([...(await one(short))]).toEqual([...shortFirst!]);
    expect([...(await one(medium))]).toEqual([...mediumFirst!]);
    expect([...(await one(huge))]).toEqual([...hugeFirst!]);
    expect([...(await one(short))]).toEqual([...shortFirst!]);
    // The batch form (one call) gives each text what it gets alone.
    const batch = await embedder.embedPassages([huge, short, medium]);
    expect(batch.map((vector) => [...vector])).toEqual(
      [hugeFirst!, shortFirst!, mediumFirst!].map((vector) => [...vector]),
    );
  });
});

describe('UnigramTokenizer', () => {
  const pieces = ['<unk>', '\u2581', '\u2581a', 'b', 'ab', '\u2581ab', 'c'];
  const scores = Float32Array.from([0, -5, -2, -2, -3, -6, -1]);
  const tokenizer = new UnigramTokenizer(pieces, scores, 1);

  it('picks the split with the highest total log probability', () => {
    // ▁a + b = -4 beats ▁ab = -6 and ▁ + ab = -8.
    expect(tokenizer.encode('ab')).toEqual([2, 3]);
    expect(tokenizer.encode('abc')).toEqual([2, 3, 6]);
  });

  it('collapses whitespace into one word boundary and marks unknown characters once', () => {
    expect(tokenizer.encode('  ab \n\t c ')).toEqual(tokenizer.encode('ab c'));
    expect(tokenizer.encode('ab c')).toEqual([2, 3, 1, 6]);
    expect(tokenizer.encode('a¿¿b')).toEqual([2, UNKNOWN_PIECE, 3]);
    expect(tokenizer.encode(' ')).toEqual([]);
  });

  it('encodes a text longer than the scratch it keeps, and keeps no more than that', () => {
    const tokenizer = new UnigramTokenizer(pieces, scores, 1);
    const kept = () => (tokenizer as unknown as { kept: { best: Float64Array } }).kept.best.length;
    const words = Math.ceil(KEPT_SCRATCH_SYMBOLS / 3) + 10; // "▁ab" is 3 symbols
    expect(tokenizer.encode('ab c')).toEqual([2, 3, 1, 6]);
    expect(tokenizer.encode(Array(words).fill('ab').join(' '))).toEqual(
      Array.from({ length: words }, () => [2, 3]).flat(),
    );
    expect(kept()).toBeLessThanOrEqual(KEPT_SCRATCH_SYMBOLS + 1);
    // Under the cap, the scratch grows and the next texts still read right.
    expect(tokenizer.encode(Array(1_000).fill('ab').join(' '))).toHaveLength(2_000);
    expect(kept()).toBeGreaterThan(3_000);
    expect(tokenizer.encode('ab c')).toEqual([2, 3, 1, 6]);
  });
});

describe("UnigramTokenizer over the offline model's vocabulary", () => {
  it('splits every text as the plain Viterbi over whole pieces does (the trie finds the same candidates)', async () => {
    const { default: table } = (await import('../src/embed/use-lite/use-lite-static-384.bin')) as {
      default: ArrayBuffer;
    };
    // The table's header and vocabulary (layout: static-table.ts).
    const view = new DataView(table);
    const [count, , firstPiece, modelBytes, pieceBytes] = [4, 8, 12, 16, 20].map((offset) =>
      view.getUint32(offset, true),
    ) as [number, number, number, number, number];
    const pieces = new TextDecoder()
      .decode(new Uint8Array(table, 24 + modelBytes, pieceBytes))
      .split('\n');
    const scoresAt = Math.ceil((24 + modelBytes + pieceBytes) / 4) * 4;
    const scores = new Float32Array(table.slice(scoresAt, scoresAt + count * 4));
    expect(pieces).toHaveLength(count);
    const tokenizer = new UnigramTokenizer(pieces, scores, firstPiece);
    const reference = referenceEncoder(pieces, scores, firstPiece);

    // Texts of the vocabulary's own pieces run together, words, other
    // scripts, characters it lacks (astral ones included), odd whitespace.
    const next = seededRandom(13);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const words = pieces.slice(firstPiece).map((piece) => piece.replaceAll('\u2581', ''));
    const odd = [
      'é',
      'ß',
      'Ω',
      'ж',
      'ש',
      'ع',
      '中',
      '日本',
      '🙂',
      '𝔘',
      '\u0301',
      '¿',
      '—',
      '  ',
      '\t',
      '\n',
    ];
    const texts: string[] = ['', ' ', 'a', 'What did Caroline research last week, and why?'];
    for (let i = 0; i < 600; i++) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 12) }, () =>
        next() < 0.8 ? pick(words) : pick(odd),
      );
      texts.push(parts.join(next() < 0.5 ? ' ' : ''));
    }
    for (const text of texts)
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(reference(text));
  });
});

describe('HashedEmbedder (lexical test helper)', () => {
  const embedder = new HashedEmbedder();

  it('damps repeats and keeps fractional weights positive', () => {
    expect([damp(0.25), damp(1), damp(2)]).toEqual([0.25, 1, 1 + Math.log(2)]);
    expect(damp(0.5)).toBeGreaterThan(0);
  });

  it('keeps a word seen once and twice close (v1 pulled them apart through its trigrams)', () => {
    const once = embedder.embedOne('photography');
    expect(cosine(once, embedder.embedOne('photography photography'))).toBeGreaterThan(0.9);
    expect(cosine(once, embedder.embedOne('photographs photographer'))).toBeGreaterThan(0.2);
  });
});

/** A fake `AI` binding with Workers AI's bge response shape and scripted failures. */
function fakeAi(
  script: ('fail' | 'hang' | 'malformed')[] = [],
  dimensions = 768,
): AiBinding & { calls: { model: string; input: Record<string, unknown> }[] } {
  const calls: { model: string; input: Record<string, unknown> }[] = [];
  return {
    calls,
    async run(model, input) {
      calls.push({ model, input });
      const next = script.shift();
      if (next === 'fail') throw new Error('Network connection lost.');
      if (next === 'hang') return new Promise(() => {});
      const size = next === 'malformed' ? dimensions - 1 : dimensions;
      return {
        shape: [input.text.length, size],
        data: input.text.map((_, i) =>
          Array.from({ length: size }, (_, k) => (k === 0 ? i + 1 : 0)),
        ),
        pooling: input.pooling,
      };
    },
  };
}

async function codedFailure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CodedError);
  return { code: (error as CodedError).code, reason: (error as CodedError).reason };
}

describe('WorkersAiEmbedder', () => {
  it('defaults to bge-base with cls pooling, and records model, pooling and version', () => {
    const embedder = createEmbedder({ EMBEDDING_PROVIDER: 'workers-ai', AI: fakeAi() });
    expect(embedder).toBeInstanceOf(WorkersAiEmbedder);
    expect([embedder.model, embedder.dimensions]).toEqual(['@cf/baai/bge-base-en-v1.5#cls@1', 768]);
  });

  it('sends at most the model’s batch limit per call and keeps the order', async () => {
    const ai = fakeAi();
    const embedder = new WorkersAiEmbedder(ai);
    const texts = Array.from({ length: 250 }, (_, i) => `memory ${i}`);
    const vectors = await embedder.embedPassages(texts);
    expect(ai.calls.map((call) => (call.input.text as string[]).length)).toEqual([100, 100, 50]);
    expect(ai.calls.flatMap((call) => call.input.text)).toEqual(texts);
    expect(vectors).toHaveLength(250);
    expect(vectors.every((vector) => vector.length === 768 && vector[0] === 1)).toBe(true);
  });

  it('marks queries, not passages, for bge English v1.5, and neither for bge-m3', async () => {
    const ai = fakeAi([], 384);
    const bge = new WorkersAiEmbedder(ai, { model: '@cf/baai/bge-small-en-v1.5' });
    await bge.embedQueries(['where do I live']);
    await bge.embedPassages(['my home is in Lisbon']);
    expect(ai.calls.map((call) => call.input)).toEqual([
      {
        text: ['Represent this sentence for searching relevant passages: where do I live'],
        pooling: 'cls',
      },
      { text: ['my home is in Lisbon'], pooling: 'cls' },
    ]);
    const m3ai = fakeAi([], 1024);
    const m3 = new WorkersAiEmbedder(m3ai, { model: '@cf/baai/bge-m3' });
    expect([m3.model, m3.dimensions]).toEqual(['@cf/baai/bge-m3@1', 1024]);
    await m3.embedQueries(['where']);
    expect(m3ai.calls[0]!.input).toEqual({ text: ['where'], truncate_inputs: true });
  });

  it('cuts a text longer than the model can read', async () => {
    const ai = fakeAi();
    await new WorkersAiEmbedder(ai).embedPassages(['x'.repeat(10_000)]);
    expect((ai.calls[0]!.input.text as string[])[0]).toHaveLength(512 * 3);
  });

  it('retries a failed call and a timed-out call, then succeeds', async () => {
    const ai = fakeAi(['fail', 'hang']);
    const embedder = new WorkersAiEmbedder(ai, { timeoutMs: 50, retryDelayMs: 1 });
    const [vector] = await embedder.embedQueries(['hello']);
    expect(ai.calls).toHaveLength(3);
    expect(vector![0]).toBe(1);
  });

  it('gives up after the bounded retries with UPSTREAM_ERROR / EMBEDDING_FAILED', async () => {
    const hanging = fakeAi(['hang', 'hang', 'hang', 'hang']);
    const embedder = new WorkersAiEmbedder(hanging, { timeoutMs: 30, retryDelayMs: 1 });
    expect(await codedFailure(embedder.embedQueries(['hello']))).toEqual({
      code: 'UPSTREAM_ERROR',
      reason: 'EMBEDDING_FAILED',
    });
    expect(hanging.calls).toHaveLength(3);

    const failing = fakeAi(['fail', 'fail', 'fail', 'fail']);
    await codedFailure(
      new WorkersAiEmbedder(failing, { retries: 1, retryDelayMs: 1 }).embedPassages(['a']),
    );
    expect(failing.calls).toHaveLength(2);
  });

  it('does not retry a malformed answer', async () => {
    const ai = fakeAi(['malformed']);
    const failure = await codedFailure(new WorkersAiEmbedder(ai).embedPassages(['a']));
    expect(failure.reason).toBe('EMBEDDING_FAILED');
    expect(ai.calls).toHaveLength(1);
  });

  it('refuses an unknown model, a missing binding and an unknown provider', () => {
    expect(() => new WorkersAiEmbedder(fakeAi(), { model: '@cf/unknown/model' })).toThrow(
      /EMBEDDING_MODEL must be one of/,
    );
    expect(() => createEmbedder({ EMBEDDING_PROVIDER: 'workers-ai' })).toThrow(/AI/);
    expect(() => createEmbedder({ EMBEDDING_PROVIDER: 'mystery' })).toThrow(/unknown/);
  });
});
