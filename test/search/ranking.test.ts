import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/config';
import { CALLER_SUPPLIED_MODEL } from '../../src/embed/embedder';
import { DEFAULT_TEXT_RANKING } from '../../src/durable/text-ranker';
import type { SearchMode, SearchRequest } from '../../src/durable/vault-types';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { codes, newKey, post } from '../helpers/graphql';
import { allTime, freshAddress, memory, ok, storeRequest, vaultStub } from '../helpers/vaults';

/**
 * Ranking on a small hand-written fixture, deterministic (caller-supplied
 * vectors where the vector side matters): what fusion, the name boost and
 * contextual indexing must and must not do.
 */
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 5, 18, 0);

/** 4-d "meaning" axes: 0 home, 1 travel, 2 work, 3 food. */
const axis = (i: number, lean = 0) => [0, 1, 2, 3].map((j) => (j === i ? 1 : lean));

async function vaultWith(memories: { content: string; vector: number[]; createdAt?: number }[]) {
  const address = freshAddress('SESSION');
  const vault = vaultStub(address);
  ok(
    await vault.store(address, {
      memories: memories.map((m, i) =>
        memory(m.content, { vector: m.vector, createdAt: m.createdAt ?? T0 + i }),
      ),
      model: CALLER_SUPPLIED_MODEL,
      dimensions: 4,
    }),
  );
  return { address, vault };
}

function request(
  text: string,
  vector: number[] | null,
  mode: SearchMode,
  options: Partial<Pick<SearchRequest, 'vectorWeight' | 'textRanking'>> & { limit?: number } = {},
): SearchRequest {
  return {
    text,
    vector: vector === null ? null : new Float32Array(vector),
    model: CALLER_SUPPLIED_MODEL,
    mode,
    windows: [allTime(options.limit ?? 3)],
    metadata: null,
    vectorWeight: options.vectorWeight ?? DEFAULT_HYBRID_VECTOR_WEIGHT,
    ...(options.textRanking ? { textRanking: options.textRanking } : {}),
  };
}

async function contents(
  { address, vault }: Awaited<ReturnType<typeof vaultWith>>,
  search: SearchRequest,
): Promise<string[]> {
  const found = ok(await vault.search(address, [search]));
  return found.results[0]![0]!.hits.map((hit) => hit.memory.content);
}

describe('search ranking', () => {
  it('never lets fusion push an exact rare-keyword match out of the top results', async () => {
    // Ten memories the query vector loves, none with the keyword; one with the
    // keyword whose vector points elsewhere.
    const rare = 'The replacement part is XK-7731, on the shelf in the garage';
    const query = (vectorWeight: number) =>
      request('which part is XK-7731', axis(1), 'HYBRID', { vectorWeight });
    const weights = [0, 0.2, DEFAULT_HYBRID_VECTOR_WEIGHT, 0.45];
    const others = Array.from({ length: 10 }, (_, i) => ({
      content: `Trip idea ${i}: a weekend by the sea`,
      vector: axis(1, 0.05 * i),
    }));

    // Said on its own (hours apart from the rest): first at any weight below 0.5.
    const apart = await vaultWith(
      [...others, { content: rare, vector: axis(2) }].map((m, i) => ({
        ...m,
        createdAt: T0 + i * 60 * MINUTE,
      })),
    );
    for (const vectorWeight of weights) {
      expect((await contents(apart, query(vectorWeight)))[0], `weight ${vectorWeight}`).toBe(rare);
    }
    expect(
      await contents(apart, request('which part is XK-7731', axis(1), 'VECTOR')),
    ).not.toContain(rare);

    // Said in the same conversation: its neighbours share its context, so one
    // the vectors favour may rank beside it, but it stays in the top three.
    const together = await vaultWith([...others, { content: rare, vector: axis(2) }]);
    expect((await contents(together, query(0)))[0]).toBe(rare);
    for (const vectorWeight of weights) {
      expect(await contents(together, query(vectorWeight)), `weight ${vectorWeight}`).toContain(
        rare,
      );
    }
  });

  it('ranks by the vector side alone when no word of the query matches', async () => {
    const fixture = await vaultWith([
      { content: 'We repainted the kitchen', vector: axis(0) },
      { content: 'Flights to Oslo are booked', vector: axis(1) },
      { content: 'The quarterly report is late', vector: axis(2, 0.3) },
      { content: 'Grandma bakes rye bread', vector: axis(3) },
    ]);
    const query = (mode: SearchMode) => request('zzyzx quorble', axis(2, 0.1), mode, { limit: 4 });
    const hybrid = await contents(fixture, query('HYBRID'));
    expect(hybrid).toEqual(await contents(fixture, query('VECTOR')));
    expect(hybrid[0]).toBe('The quarterly report is late');
    expect(await contents(fixture, query('TEXT'))).toEqual([]);
  });

  it('ranks by text alone when the vector side is flat', async () => {
    // Every memory has the same vector: cosine cannot tell them apart.
    const same = axis(0);
    const fixture = await vaultWith([
      { content: 'The boiler was serviced in March', vector: same },
      { content: 'The boiler makes a knocking noise when the heating starts', vector: same },
      { content: 'The garden hose is in the shed', vector: same },
    ]);
    const query = (mode: SearchMode) =>
      request('why is the boiler knocking', same, mode, { limit: 3 });
    const hybrid = await contents(fixture, query('HYBRID'));
    expect(hybrid).toEqual(await contents(fixture, query('TEXT')));
    expect(hybrid[0]).toBe('The boiler makes a knocking noise when the heating starts');
  });

  it('raises what the person a query names said, as a boost and not a filter', async () => {
    // Melanie speaks in most turns, so her name alone says little to BM25 (with
    // FTS5's idf, nothing), and by words Caroline's turn wins ("painting"
    // twice). Turns an hour apart, so no turn lends another its context.
    const turns = [
      'Melanie: I painted a sunset',
      'Caroline: painting, painting sunsets all day',
      'Melanie: the kids start school on Monday',
      'Caroline: the kids loved the museum',
      'Melanie: we went camping in June',
      'Melanie: my husband cooks on Fridays',
      'Caroline: my mentor called',
      'Melanie: the dog needs a walk',
    ];
    const fixture = await vaultWith(
      turns.map((content, i) => ({ content, vector: axis(0), createdAt: T0 + i * 60 * MINUTE })),
    );
    const query = 'What did Melanie paint?';
    const withoutBoost = await contents(
      fixture,
      request(query, null, 'TEXT', {
        textRanking: { ...DEFAULT_TEXT_RANKING, nameBoost: 0, idf: 'fts5' },
      }),
    );
    expect(withoutBoost.slice(0, 2)).toEqual([
      'Caroline: painting, painting sunsets all day',
      'Melanie: I painted a sunset',
    ]);
    const boosted = await contents(fixture, request(query, null, 'TEXT'));
    expect(boosted[0]).toBe('Melanie: I painted a sunset');
    // Not a filter: Caroline's painting turn is still found.
    expect(boosted[1]).toBe('Caroline: painting, painting sunsets all day');
  });

  it('raises memories whose metadata names the speaker', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    const text = 'I painted a sunset over the lake';
    ok(
      await vault.store(
        address,
        storeRequest([
          memory(text, { metadata: { speaker: 'Melanie' }, createdAt: T0 }),
          memory(text, { metadata: { speaker: 'Caroline' }, createdAt: T0 + 1 }),
        ]),
      ),
    );
    const found = ok(
      await vault.search(address, [
        { ...request('What did Melanie paint?', null, 'TEXT'), windows: [allTime(2)] },
      ]),
    );
    // Equal text: without the boost the newer (Caroline's) would come first.
    expect(
      found.results[0]![0]!.hits.map((hit) => JSON.parse(hit.memory.metadata!).speaker),
    ).toEqual(['Melanie', 'Caroline']);
  });

  it('finds a memory through the turns said around it, and not across a long pause', async () => {
    const fixture = await vaultWith([
      { content: 'Jon: Did you end up going to Lisbon?', vector: axis(1), createdAt: T0 },
      { content: 'Gina: Yes! Last week, with my sister', vector: axis(1), createdAt: T0 },
      { content: 'Jon: How was the food?', vector: axis(3), createdAt: T0 },
      // Ten days later: a new conversation, not context for the one above.
      { content: 'Gina: Yes, last week I joined a gym', vector: axis(2), createdAt: T0 + 10 * DAY },
    ]);
    const hits = await contents(
      fixture,
      request('When did Gina go to Lisbon with her sister?', null, 'TEXT', { limit: 4 }),
    );
    expect(hits.slice(0, 2)).toContain('Gina: Yes! Last week, with my sister');
    expect(hits.indexOf('Gina: Yes! Last week, with my sister')).toBeLessThan(
      hits.indexOf('Gina: Yes, last week I joined a gym'),
    );
    // Only Lisbon: the answer is found by its neighbour's word alone.
    const lisbon = await contents(fixture, request('Lisbon', null, 'TEXT', { limit: 4 }));
    expect(lisbon).toEqual([
      'Jon: Did you end up going to Lisbon?',
      'Gina: Yes! Last week, with my sister',
      'Jon: How was the food?',
    ]);
  });

  it('keeps context current when history is backfilled before a memory', async () => {
    const { address, vault } = await vaultWith([
      { content: 'Gina: Yes! Last week, with my sister', vector: axis(1), createdAt: T0 },
    ]);
    const lisbon = request('Lisbon', null, 'TEXT');
    expect(await contents({ address, vault }, lisbon)).toEqual([]);
    ok(
      await vault.store(address, {
        memories: [
          memory('Jon: Did you go to Lisbon?', { vector: axis(1), createdAt: T0 - MINUTE }),
        ],
        model: CALLER_SUPPLIED_MODEL,
        dimensions: 4,
      }),
    );
    expect(await contents({ address, vault }, lisbon)).toEqual([
      'Jon: Did you go to Lisbon?',
      'Gina: Yes! Last week, with my sister',
    ]);
    // And when a neighbour is deleted, the context it gave goes with it.
    const asked = ok(await vault.search(address, [lisbon])).results[0]![0]!.hits[0]!.memory;
    expect(ok(await vault.remove(address, asked.id)).deleted).toBe(true);
    expect(await contents({ address, vault }, lisbon)).toEqual([]);
  });

  it('takes the fusion weight per request through GraphQL, within 0 to 1', async () => {
    const { api, secret } = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'weights' };
    // Caller vectors: the query vector points at the memory that lacks the words.
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The boiler makes a knocking noise', embedding: axis(2), vault },
        { content: 'The heating engineer comes on Monday', embedding: axis(0), vault },
      ],
    });
    const top = async (vectorWeight: number) =>
      (
        await api.request(SearchDocument, {
          input: {
            query: 'boiler knocking',
            embedding: axis(0),
            vaults: [vault],
            windows: [{ window: 'HOT', limit: 2 }],
            mode: 'HYBRID',
            vectorWeight,
          },
        })
      ).search.hits[0]!.memory.content;
    expect(await top(0)).toBe('The boiler makes a knocking noise');
    expect(await top(1)).toBe('The heating engineer comes on Monday');
    const refused = await post(
      SearchDocument,
      { input: { query: 'boiler', vaults: [vault], vectorWeight: 1.5 } },
      secret,
    );
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
  });
});
