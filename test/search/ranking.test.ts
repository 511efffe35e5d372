import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import { CALLER_SUPPLIED_MODEL } from '../../src/embed/embedder';
import { DEFAULT_TEXT_RANKING } from '../../src/durable/full-text/text-ranking';
import type { SearchMode, SearchRequest } from '../../src/durable/rpc/vault-types';
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

  it('ranks by the vector side alone when no word of the query matches, keeping what stands out', async () => {
    const fixture = await vaultWith([
      { content: 'We repainted the kitchen', vector: axis(0) },
      { content: 'Flights to Oslo are booked', vector: axis(1) },
      { content: 'The quarterly report is late', vector: axis(2, 0.3) },
      { content: 'Grandma bakes rye bread', vector: axis(3) },
    ]);
    const query = (mode: SearchMode) => request('zzyzx quorble', axis(2, 0.1), mode, { limit: 4 });
    const vector = await contents(fixture, query('VECTOR'));
    expect(vector).toHaveLength(4);
    expect(vector[0]).toBe('The quarterly report is late');
    // HYBRID: VECTOR's order, but only the memory that stands out from the
    // window; the others have no evidence for the query and are left out.
    expect(await contents(fixture, query('HYBRID'))).toEqual(['The quarterly report is late']);
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

  it('knows a speaker typed in lower case, and a lower-case word that opens no turn is no name', async () => {
    // The boost test's turns and its words' weights (FTS5's idf, where a name
    // in most turns counts nothing): by words alone Caroline's turn wins.
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
    const fts5 = { textRanking: { ...DEFAULT_TEXT_RANKING, idf: 'fts5' as const } };
    const typed = await contents(fixture, request('what did melanie paint', null, 'TEXT', fts5));
    expect(typed[0]).toBe('Melanie: I painted a sunset');
    expect(typed[1]).toBe('Caroline: painting, painting sunsets all day');
    // "kids" is in two turns and opens neither: both keep their words' order.
    const kids = await contents(fixture, request('what did the kids love', null, 'TEXT', fts5));
    expect(kids[0]).toBe('Caroline: the kids loved the museum');
  });

  it('knows a speaker its metadata names when the query types the name in lower case', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    const text = 'I painted a sunset over the lake';
    ok(
      await vault.store(
        address,
        storeRequest([
          memory(text, { metadata: { speaker: 'Melanie' }, createdAt: T0 }),
          memory(text.replace('lake', 'bay'), {
            metadata: { speaker: 'Caroline' },
            createdAt: T0 + 1,
          }),
        ]),
      ),
    );
    const found = ok(
      await vault.search(address, [
        { ...request('what did melanie paint', null, 'TEXT'), windows: [allTime(2)] },
      ]),
    );
    expect(
      found.results[0]![0]!.hits.map((hit) => JSON.parse(hit.memory.metadata!).speaker),
    ).toEqual(['Melanie', 'Caroline']);
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
          // Another content of the same words' weight (a window returns a
          // content once, whoever said it).
          memory(text.replace('lake', 'bay'), {
            metadata: { speaker: 'Caroline' },
            createdAt: T0 + 1,
          }),
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

  it('raises what was said on a day or in a month the query names, as a boost', async () => {
    const HOUR = 60 * MINUTE;
    const may20 = Date.UTC(2023, 4, 20, 12);
    const june3 = Date.UTC(2023, 5, 3, 18);
    // June 3rd, evening in California: already June 4th in UTC.
    const june3Pacific = Date.UTC(2023, 5, 4, 5);
    const june20 = Date.UTC(2023, 5, 20, 9);
    const fixture = await vaultWith([
      { content: 'Jon: we flew the kite at the beach', vector: axis(1), createdAt: may20 },
      { content: 'Jon: the kite got stuck in a tree', vector: axis(0), createdAt: june3 },
      { content: 'Gina: my new lamp arrived', vector: axis(0), createdAt: june3 + HOUR },
      { content: 'Jon: the kite string snapped', vector: axis(0), createdAt: june3Pacific },
      {
        content: 'Jon: I bought a kite, a kite with a long tail',
        vector: axis(2),
        createdAt: june20,
      },
    ]);
    const ask = (query: string) => contents(fixture, request(query, null, 'TEXT', { limit: 5 }));

    // By words alone the memory that says "kite" twice is first.
    const plain = await ask("What happened to Jon's kite?");
    expect(plain[0]).toBe('Jon: I bought a kite, a kite with a long tail');
    // A named day raises what was said that day, in any time zone...
    const onTheDay = await ask("What happened to Jon's kite on 3 June, 2023?");
    expect(onTheDay.slice(0, 2).sort()).toEqual([
      'Jon: the kite got stuck in a tree',
      'Jon: the kite string snapped',
    ]);
    // ...as a boost, not a filter: the other kite memories are still found;
    // a memory of that day without the words answers no question about a kite.
    expect(onTheDay).toContain('Jon: I bought a kite, a kite with a long tail');
    expect(onTheDay).not.toContain('Gina: my new lamp arrived');
    // A named month counts too; a date no memory was stored on changes nothing.
    expect((await ask("What happened to Jon's kite in May 2023?"))[0]).toBe(
      'Jon: we flew the kite at the beach',
    );
    expect(await ask("What happened to Jon's kite on 9 March, 2021?")).toEqual(plain);
  });

  it("finds a named day's or month's memories by their date alone, below those matching words", async () => {
    const at = (day: number, hour: number, month = 9) => Date.UTC(2026, month, day, hour);
    const fixture = await vaultWith([
      { content: 'bought new hiking boots', vector: axis(3), createdAt: at(10, 9, 8) },
      { content: 'went hiking with Sam in the hills', vector: axis(1), createdAt: at(4, 9) },
      { content: 'dinner at the Thai place', vector: axis(3), createdAt: at(4, 19) },
      { content: 'called mum about the trip', vector: axis(0), createdAt: at(4, 21) },
      { content: 'the 10 best films of the year', vector: axis(2), createdAt: at(20, 9) },
      { content: 'bought 10 apples and 4 pears', vector: axis(3), createdAt: at(2, 9, 10) },
      { content: 'I did the laundry, what a chore', vector: axis(0), createdAt: at(3, 9, 10) },
    ]);
    const ask = (query: string) => contents(fixture, request(query, null, 'TEXT', { limit: 5 }));
    const october4 = [
      'called mum about the trip',
      'dinner at the Thai place',
      'went hiking with Sam in the hills',
    ];
    // Before: no hits for the first and the third (no word matches); the ISO
    // date's "10" matched the films and the apples instead, and with the date
    // gone its function words ("what did I do") would match the laundry.
    expect((await ask('what happened on October 4th 2026')).sort()).toEqual(october4);
    expect((await ask('what did I do on 2026-10-04')).sort()).toEqual(october4);
    expect((await ask('what did I do in October 2026')).sort()).toEqual(
      [...october4, 'the 10 best films of the year'].sort(),
    );
    // A question about hiking: the word match on that day first, then word
    // matches of other days; the day's other memories answer nothing about it.
    const hiking = await ask('hiking on October 4th 2026');
    expect(hiking).toEqual(['went hiking with Sam in the hills', 'bought new hiking boots']);
  });

  it('gives an ISO date asked with only function words the date-only score, so HYBRID finds its day too', async () => {
    const at = (day: number, hour: number) => Date.UTC(2026, 9, day, hour);
    const fixture = await vaultWith([
      { content: 'My favourite colour is teal', vector: axis(0), createdAt: at(4, 9) },
      { content: 'dinner at the Thai place', vector: axis(3), createdAt: at(20, 19) },
    ]);
    const hits = async (query: string, mode: SearchMode) => {
      const found = ok(
        await fixture.vault.search(fixture.address, [request(query, axis(1), mode)]),
      );
      return found.results[0]![0]!.hits.map((hit) => [hit.memory.content, hit.score] as const);
    };
    // Before: TEXT scored it exactly 0 (no query word, so no full-match
    // unit to put the date-only score on) and HYBRID cut it as evidence-free.
    for (const query of ['October 4th 2026', 'what did I do on 2026-10-04', '2026-10-04']) {
      const text = await hits(query, 'TEXT');
      expect(text).toEqual([['My favourite colour is teal', expect.any(Number)]]);
      expect(text[0]![1]).toBeGreaterThan(0);
      const hybrid = await hits(query, 'HYBRID');
      expect(hybrid.map(([content]) => content)).toEqual(['My favourite colour is teal']);
      expect(hybrid[0]![1]).toBeGreaterThan(0);
    }
  });

  it('lets only vectors that stand out from the window bring in what words missed', async () => {
    // 40 memories with scattered 8-d vectors; three share the query's words.
    const noise = (i: number) =>
      Array.from({ length: 8 }, (_, j) => Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)));
    const query = [1, 0.5, -0.5, 0.25, 0, 0, 0.5, -1];
    const memories = Array.from({ length: 40 }, (_, i) => ({
      content: `Note ${i}: errands and chores for the week`,
      vector: noise(i),
    }));
    memories[5] = { content: 'The lamp oil is in the cellar', vector: noise(5) };
    memories[17] = { content: 'We ran out of lamp oil last winter', vector: noise(17) };
    memories[29] = { content: 'Lamp wicks are cheap', vector: noise(29) };
    // Shares no word with the query; its vector is the query's own direction.
    memories[33] = { content: 'The hardware store on Elm Street stocks paraffin', vector: query };
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    const store = (list: typeof memories) =>
      vault.store(address, {
        memories: list.map((m, i) =>
          memory(m.content, { vector: m.vector, createdAt: T0 + i * 60 * MINUTE }),
        ),
        model: CALLER_SUPPLIED_MODEL,
        dimensions: 8,
      });
    ok(await store(memories));
    const fixture = { address, vault };
    const ask = (mode: SearchMode, vector: number[], vectorWeight?: number) =>
      contents(fixture, request('where is the lamp oil', vector, mode, { limit: 4, vectorWeight }));

    const text = await ask('TEXT', query);
    expect(text.slice(0, 2)).toEqual([
      'The lamp oil is in the cellar',
      'We ran out of lamp oil last winter',
    ]);
    // The paraffin memory stands out by meaning: HYBRID finds it, below the best word match.
    for (const weight of [0.2, DEFAULT_HYBRID_VECTOR_WEIGHT, 0.45]) {
      const hybrid = await ask('HYBRID', query, weight);
      expect(hybrid[0], `weight ${weight}`).toBe('The lamp oil is in the cellar');
      expect(hybrid, `weight ${weight}`).toContain(
        'The hardware store on Elm Street stocks paraffin',
      );
    }
    // A query vector that no memory stands out for (all within the noise):
    // the text order stands, whatever the weight.
    const vague = noise(100);
    for (const weight of [0.2, DEFAULT_HYBRID_VECTOR_WEIGHT, 0.45]) {
      expect((await ask('HYBRID', vague, weight)).slice(0, 3), `weight ${weight}`).toEqual(
        text.slice(0, 3),
      );
    }
  });

  it('keeps the text order among word matches when vectors single out weaker ones', async () => {
    // Two short memories hold both of the query's words; two longer ones hold
    // them too, and are the ones the query vector points at. Before this rule
    // their vector evidence (up to the full weight) lifted them over both
    // better word matches, pushing those out of a top two.
    const noise = (i: number) =>
      Array.from({ length: 8 }, (_, j) => Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)));
    const query = [1, 0.5, -0.5, 0.25, 0, 0, 0.5, -1];
    const memories = Array.from({ length: 40 }, (_, i) => ({
      content: `Note ${i}: errands and chores for the week`,
      vector: noise(i),
    }));
    const best = ['The camping lantern is in the attic', 'The camping lantern needs batteries'];
    const favoured = [
      'Camping by the lake, we read by the lantern every night until very late',
      'The lantern from that camping trip has a cracked glass we never fixed',
    ];
    memories[4] = { content: best[0]!, vector: noise(4) };
    memories[11] = { content: best[1]!, vector: noise(11) };
    memories[23] = { content: favoured[0]!, vector: query };
    memories[31] = { content: favoured[1]!, vector: query.map((x, j) => x + (j === 2 ? 0.2 : 0)) };
    const fixture = await vaultWith(
      memories.map((m, i) => ({ ...m, createdAt: T0 + i * 60 * MINUTE })),
    );
    const ask = (mode: SearchMode, limit: number, vectorWeight?: number) =>
      contents(
        fixture,
        request('where is the camping lantern', query, mode, { limit, vectorWeight }),
      );

    const text = await ask('TEXT', 4);
    expect(text.slice(0, 2).sort()).toEqual([...best].sort());
    expect(text.slice(2).sort()).toEqual([...favoured].sort());
    expect((await ask('VECTOR', 2)).sort()).toEqual([...favoured].sort());
    for (const weight of [0.2, DEFAULT_HYBRID_VECTOR_WEIGHT, 0.45]) {
      // The best word matches keep their places; the favoured ones follow, still found.
      expect(await ask('HYBRID', 2, weight), `weight ${weight}`).toEqual(text.slice(0, 2));
      expect(await ask('HYBRID', 4, weight), `weight ${weight}`).toEqual(text);
    }
  });

  it('ranks HYBRID with vectorWeight 1 as VECTOR, even where no vector stands out', async () => {
    // Three memories with close vectors: none stands out from so small a window.
    const fixture = await vaultWith([
      { content: 'The boiler makes a knocking noise', vector: axis(0, 0.6) },
      { content: 'The heating engineer comes on Monday', vector: axis(0, 0.5) },
      { content: 'Dinner is at seven', vector: axis(1, 0.6) },
    ]);
    const hits = async (mode: SearchMode, vectorWeight?: number) => {
      const asked = request('when is the engineer visiting', axis(0), mode, {
        limit: 3,
        ...(vectorWeight === undefined ? {} : { vectorWeight }),
      });
      const found = ok(await fixture.vault.search(fixture.address, [asked]));
      return found.results[0]![0]!.hits.map((hit) => [hit.memory.content, hit.score]);
    };
    const vector = await hits('VECTOR');
    expect(vector).toHaveLength(3);
    // Before: only the word match came back (vector evidence rarely stands out here).
    expect(await hits('HYBRID', 1)).toEqual(vector);
  });

  it('takes the fusion weight per request through GraphQL, within 0 to 1', async () => {
    const { api, secret } = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'weights' };
    // Caller vectors: the query vector points at the memory that lacks the words.
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The boiler makes a knocking noise', embedding: axis(2), vault },
        { content: 'The heating engineer comes on Monday', embedding: axis(0), vault },
        // Others the query vector is not close to, so the engineer's memory
        // stands out (vector evidence needs a window to stand out from).
        { content: 'The garden hose is in the shed', embedding: axis(1), vault },
        { content: 'Dinner is at seven', embedding: axis(3), vault },
        { content: 'The tickets are in the drawer', embedding: axis(1, 0.1), vault },
        { content: 'Pay the window cleaner', embedding: axis(3, 0.1), vault },
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
