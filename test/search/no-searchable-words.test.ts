import { beforeAll, describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

/**
 * A valid query that keeps no word a text search reads ("what did they
 * say": function words and question verbs) found nothing, and the empty
 * list read as "no memory about that" (outside review 102 #4). The result
 * now says why (`SearchResult.notice`, reason NO_CONTENT_WORDS, as chat's
 * `readSkipped` for small talk); a query with a word or a date of its own
 * has no notice.
 */

type Key = Awaited<ReturnType<typeof newKey>>;
let key: Key;

const WELL = 'The old well behind the barn ran dry in August';
const ROOF = 'Priya said the roof needs new tiles before winter';

beforeAll(async () => {
  key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [{ content: WELL }, { content: ROOF }, { content: 'They said they would call back' }],
  });
});

async function search(query: string, mode: 'TEXT' | 'HYBRID' | 'VECTOR') {
  const { search } = await key.api.request(SearchDocument, { input: { query, mode } });
  return { found: search.hits.map((hit) => hit.memory.content), notice: search.notice };
}

describe('a function word an article makes a noun is searched when the query has nothing else', () => {
  it('"the well" finds the well, in TEXT and HYBRID, with no notice', async () => {
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const { found, notice } = await search('the well', mode);
      expect(found[0], mode).toBe(WELL);
      expect(notice, mode).toBeNull();
    }
  });

  it('"well" alone, "the" alone, "is it?" and "the what?" still search no word, and say so', async () => {
    // Nor does an article make a question word or a pronoun a noun
    // (outside review 103 #6: "the what?" searched "what", "is the it" "it").
    for (const query of ['well?', 'the', 'is it?', 'the what?', 'is the it']) {
      const { found, notice } = await search(query, 'TEXT');
      expect(found, query).toEqual([]);
      expect(notice?.reason, query).toBe('NO_CONTENT_WORDS');
    }
  });
});

describe('a search whose query keeps no searchable word says so', () => {
  it('"what did they say": NO_CONTENT_WORDS naming the words not searched, in TEXT and HYBRID', async () => {
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const { found, notice } = await search('what did they say?', mode);
      expect(found, mode).toEqual([]);
      expect(notice, mode).toMatchObject({ reason: 'NO_CONTENT_WORDS' });
      expect(notice!.message, mode).toMatch(
        /^no word of the query was searched by text: "what", "did", "they", "say" are function words or verbs that only shape a question.*name what to look for/,
      );
    }
    expect((await search('what did they say?', 'HYBRID')).notice!.message).toMatch(
      /Hits, if any, are by meaning alone$/,
    );
  });

  it('reads as English for one word and for several (outside review 103 #8: “"a" is a function word or verbs …”)', async () => {
    expect((await search('a', 'TEXT')).notice!.message).toMatch(
      /^no word of the query was searched by text: "a" is a function word or a verb that only shapes a question, held by nearly every memory;/,
    );
    expect((await search('what did they say?', 'TEXT')).notice!.message).toMatch(
      /: "what", "did", "they", "say" are function words or verbs that only shape a question, held by nearly every memory;/,
    );
  });

  it('calls a letter alone a single letter, not a function word (outside review 206 F-g)', async () => {
    expect((await search('x', 'TEXT')).notice!.message).toMatch(
      /^no word of the query was searched by text: "x" is a single letter, which text search leaves out; name what to look for/,
    );
    expect((await search('what is b?', 'TEXT')).notice!.message).toMatch(
      /: "what", "is" are function words or verbs that only shape a question, held by nearly every memory; "b" is a single letter, which text search leaves out;/,
    );
  });

  it('a query of punctuation alone: nothing to search or embed, in every mode', async () => {
    for (const mode of ['TEXT', 'HYBRID', 'VECTOR'] as const) {
      const { found, notice } = await search('?!', mode);
      expect(found, mode).toEqual([]);
      expect(notice, mode).toEqual({
        reason: 'NO_CONTENT_WORDS',
        message: expect.stringMatching(/^nothing was searched: the query holds no letter or digit/),
      });
    }
  });

  it('no notice for a query with a word or a date of its own, nor for VECTOR, which reads meaning', async () => {
    const roof = await search('what did they say about the roof?', 'TEXT');
    expect(roof).toEqual({ found: [ROOF], notice: null });
    // A date alone is something to look up: that day's memories.
    expect((await search('what happened yesterday?', 'TEXT')).notice).toBeNull();
    expect((await search('what did they say?', 'VECTOR')).notice).toBeNull();
  });
});
