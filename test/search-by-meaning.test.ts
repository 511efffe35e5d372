import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';

// The offline default embedder relates texts that share meaning but no words;
// through the public API, VECTOR search must bring such a memory back. HYBRID
// returns only memories with evidence for the query: a word of it, or a
// vector standing out from the window (test/search/ranking.test.ts), which a
// closest memory among eight alike does not.
describe('search by meaning (offline USE-lite embedder)', () => {
  it('finds by meaning a memory that shares no content word with the query', async () => {
    const { api } = await newKey();
    const meant = 'He practises the violin every evening';
    // Half an hour apart: no memory lends another its words as context.
    const at = (i: number) => new Date(Date.now() - (7 - i) * 31 * 60_000).toISOString();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        meant,
        // Shares "brother" with the query: the text side ranks it first.
        'My brother will drive to the airport tomorrow',
        'Grandma bakes rye bread on Sundays',
        'Our cat sleeps on the sofa all afternoon',
        'The quarterly budget meeting moved to Friday',
        'The train was delayed by an hour',
        'The roof needs repairs before winter',
        'We planted tomatoes in the garden',
      ].map((content, i) => ({ content, createdAt: at(i) })),
    });
    const search = (mode: 'TEXT' | 'VECTOR' | 'HYBRID', limit = 2) =>
      api
        .request(SearchDocument, {
          input: {
            query: 'what instrument does my brother play',
            mode,
            windows: [{ window: 'HOT', limit }],
          },
        })
        .then((result) => result.search.hits.map((hit) => hit.memory.content));

    // No word in common: keyword search ranks the memory that shares
    // "brother" first (the meant one may follow only as its neighbour in time:
    // TEXT ranks each memory with its neighbours' words)...
    expect(await search('TEXT', 1)).toEqual(['My brother will drive to the airport tomorrow']);
    // ...the vectors rank it above the memory that shares "brother" (a
    // lexical embedder ranks that one first)...
    expect(await search('VECTOR', 1)).toEqual([meant]);
    // ...while HYBRID keeps to what has evidence: the word match, and not
    // the closest memory that does not stand out from the rest.
    expect(await search('HYBRID')).toEqual(['My brother will drive to the airport tomorrow']);
  });
});
