import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { WORD_TOKENIZER } from '../src/durable/warm-tier/full-text-index';
import { foldWord, WORD } from '../src/text/folded-words';
import { ftsText, tokenize } from '../src/text/tokens';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { SearchDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';
import { DROP_FULL_TEXT_INDEX, FULL_TEXT_INDEX_BEFORE_26 } from './helpers/full-text-history';

type Key = Awaited<ReturnType<typeof newKey>>;

const HINDI = 'मुझे दिल्ली में चाय पीना पसंद है';
const BENGALI = 'আমি কলকাতায় মিষ্টি খেতে ভালোবাসি';
const TAMIL = 'நான் சென்னையில் இட்லி சாப்பிட்டேன்';
// Thai writes no space between words, only between phrases: words a space sets apart.
const THAI = 'ต้มยำกุ้ง อร่อยมาก ที่ กรุงเทพ';
const ARABIC = 'كَتَبَ الطَّالِبُ الدَّرْسَ';
const HEBREW = 'שָׁלוֹם עֲלֵיכֶם';
const VIETNAMESE = 'Tôi thích ăn phở ở Hà Nội';
const GREEK = 'ο Γιάννης πήγε στην αγορά της Κυριακής';
const RUSSIAN = 'Мой друг Андрей купил новую ёлку';
const WIDE = 'ＡＢＣ corporation keeps my ﬁnancial records';
const ENGLISH = 'I live in Paris and drink green tea';
const MEMORIES = [
  HINDI,
  BENGALI,
  TAMIL,
  THAI,
  ARABIC,
  HEBREW,
  VIETNAMESE,
  GREEK,
  RUSSIAN,
  WIDE,
  ENGLISH,
];

/** Stores the memories two hours apart: each its own conversation, so no context lifts another. */
async function storeApart(key: Key, contents: readonly string[]) {
  const now = Date.now();
  await key.api.request(StoreMemoriesDocument, {
    inputs: contents.map((content, index) => ({
      content,
      createdAt: new Date(now - (index + 1) * 2 * 3_600_000).toISOString(),
    })),
  });
}

async function search(key: Key, query: string, mode: 'TEXT' | 'HYBRID') {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode,
      windows: [
        { window: 'HOT', limit: 10 },
        { window: 'WORKING', limit: 10 },
      ],
    },
  });
  return search.hits
    .map((hit) => ({ content: hit.memory.content, score: hit.score }))
    .sort((a, b) => b.score - a.score);
}

/** TEXT's hits, and HYBRID's best hit if it matched words (score above 0; vectors alone score none). */
async function found(key: Key, query: string) {
  const text = (await search(key, query, 'TEXT')).map((hit) => hit.content);
  const [top] = await search(key, query, 'HYBRID');
  const hybrid = top !== undefined && top.score > 0 ? top.content : null;
  return { text, hybrid };
}

const vaultOf = (key: Key) => {
  const address: VaultAddress = { kind: 'CORE', keyId: key.keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
};

/** Each query and the one memory it must find, by TEXT and HYBRID alike: words of scripts whose marks are letters… */
const FOUND_WITH_MARKS: [query: string, memory: string][] = [
  ['दिल्ली', HINDI],
  ['चाय', HINDI],
  ['কলকাতায়', BENGALI],
  ['মিষ্টি', BENGALI],
  ['சென்னையில்', TAMIL],
  ['இட்லி', TAMIL],
  ['กรุงเทพ', THAI],
  ['ต้มยำกุ้ง', THAI],
];
/** …and of scripts whose marks are dropped in daily writing, found written with them or without. */
const FOUND_WITH_OR_WITHOUT: [query: string, memory: string][] = [
  ['كَتَبَ', ARABIC],
  ['كتب', ARABIC],
  ['الطالب', ARABIC],
  ['שָׁלוֹם', HEBREW],
  ['שלום', HEBREW],
  ['phở', VIETNAMESE],
  ['pho', VIETNAMESE],
  ['Hà Nội', VIETNAMESE],
  ['Γιάννης', GREEK],
  ['ΓΙΑΝΝΗΣ', GREEK],
  ['γιαννης', GREEK],
  ['ёлку', RUSSIAN],
  ['елку', RUSSIAN],
  ['ＡＢＣ', WIDE],
  ['ABC', WIDE],
  ['financial', WIDE],
  ['Paris', ENGLISH],
];

describe('words written with combining marks', () => {
  /** The queries of `cases` that do not find just their memory, by TEXT and by HYBRID. */
  async function missed(cases: [query: string, memory: string][]) {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    const missing: string[] = [];
    for (const [query, memory] of cases) {
      const { text, hybrid } = await found(key, query);
      if (text.length !== 1 || text[0] !== memory)
        missing.push(`TEXT ${query} → ${text.join(' | ')}`);
      if (hybrid !== memory) missing.push(`HYBRID ${query} → ${hybrid}`);
    }
    return missing;
  }

  it('are found by the same word typed in a query: Hindi, Bengali, Tamil, Thai', async () => {
    expect(await missed(FOUND_WITH_MARKS)).toEqual([]);
  });

  it('are found as written, not by their consonants alone: an Indic word keeps its marks', async () => {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    const text = async (query: string) =>
      (await search(key, query, 'TEXT')).map((hit) => hit.content);
    expect(await text('दिल्ली')).toEqual([HINDI]);
    // Without its vowel signs and virama it is another word ("दलल"), as "दिल" is.
    expect(await text('दलल')).toEqual([]);
    expect(await text('दिल')).toEqual([]);
  });

  it('are found with or without the marks a script drops: Arabic, Hebrew, Vietnamese, Greek, Cyrillic', async () => {
    expect(await missed(FOUND_WITH_OR_WITHOUT)).toEqual([]);
  });

  it("splits text exactly as the vault's full-text index does, term for term and in order", async () => {
    const key = await newKey();
    await storeApart(key, MEMORIES);
    const indexed = await runInDurableObject(vaultOf(key), (_, state) =>
      state.storage.sql
        .exec<{ content: string; terms: string }>(
          `SELECT m.content, (SELECT json_group_array(term) FROM
             (SELECT term FROM memories_vocab v WHERE v.doc = m.seq ORDER BY v.offset)) AS terms
           FROM memories m ORDER BY m.seq`,
        )
        .toArray(),
    );
    expect(indexed).toHaveLength(MEMORIES.length);
    for (const { content, terms } of indexed)
      expect(JSON.parse(terms), content).toEqual(tokenize(content).map((token) => token.term));
    expect(tokenize(HINDI).map((token) => token.term)).toHaveLength(7);
  });

  it("splits and folds every character as the index's tokenizer does", async () => {
    const key = await newKey();
    await storeApart(key, [ENGLISH]);
    // Every code point outside ASCII: a word's folded form must be one term
    // of the tokenizer, itself; any other character the index reads as
    // written (no `fts_text`) must part two words. (unicode61's tables are of
    // an older Unicode: it reads newer symbols as word characters, so text
    // with them is given to the index as its words alone.)
    const words: string[] = [];
    const separators: string[] = [];
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCodePoint(code);
      WORD.lastIndex = 0;
      if (!WORD.test(character)) {
        if (ftsText(`a${character}b`) === null) separators.push(`a${character}b`);
      } else {
        const folded = foldWord(character);
        if (folded !== '') words.push(folded);
      }
    }
    const terms = await runInDurableObject(vaultOf(key), (_, state) => {
      const exec = (query: string, ...values: string[]) => state.storage.sql.exec(query, ...values);
      exec(`CREATE VIRTUAL TABLE scratch_words USING fts5(text, tokenize = "${WORD_TOKENIZER}")`);
      exec(`CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch_words, 'instance')`);
      // Rows of a few thousand entries, well under a value's 2 MB.
      const insert = (from: number, entries: string[]) => {
        for (let at = 0; at < entries.length; at += 5000)
          exec(
            'INSERT INTO scratch_words (rowid, text) VALUES (?, ?)',
            String(from + at),
            entries.slice(at, at + 5000).join(' '),
          );
      };
      const SEPARATORS = 1e7;
      try {
        insert(0, words);
        insert(SEPARATORS, separators);
        const read = (separating: boolean) =>
          state.storage.sql
            .exec<{ term: string }>(
              `SELECT term FROM scratch_terms WHERE doc ${separating ? '>=' : '<'} ?
               ORDER BY doc, offset`,
              SEPARATORS,
            )
            .toArray()
            .map(({ term }) => term);
        return { words: read(false), separators: read(true) };
      } finally {
        exec('DROP TABLE scratch_terms');
        exec('DROP TABLE scratch_words');
      }
    });
    const differing = words
      .map((word, at) => [word, terms.words[at]])
      .filter(([word, term]) => word !== term);
    expect(differing.slice(0, 10)).toEqual([]);
    expect(terms.words).toHaveLength(words.length);
    expect(terms.separators.filter((term) => term !== 'a' && term !== 'b')).toEqual([]);
    expect(terms.separators).toHaveLength(2 * separators.length);
    expect(separators.length).toBeGreaterThan(100);
  });

  it('re-indexes the memories a vault stored before, when it first wakes up on this version', async () => {
    const key = await newKey();
    await storeApart(key, [HINDI, ARABIC, ENGLISH, '東京に住んでいます']);
    // The vault as version 25 left it: the `porter unicode61` index, split
    // text for CJK memories only.
    await runInDurableObject(vaultOf(key), (object, state) => {
      const exec = (query: string) => state.storage.sql.exec(query);
      for (const statement of DROP_FULL_TEXT_INDEX) exec(statement);
      exec(`UPDATE memories SET fts_text = NULL WHERE content NOT LIKE '東京%'`);
      for (const statement of FULL_TEXT_INDEX_BEFORE_26) exec(statement);
      exec(`INSERT INTO memories_fts (rowid, content)
        SELECT seq, coalesce(fts_text, content) FROM memories`);
      // eslint-disable-next-line no-restricted-syntax -- the schema version alone, read by migrate()
      exec("UPDATE meta SET value = '25' WHERE key = 'schema_version'");
      const split = state.storage.sql
        .exec("SELECT COUNT(*) AS n FROM memories_vocab WHERE term = 'दिल्ली'")
        .one().n;
      expect(split).toBe(0);
      (object as unknown as { life: { wake(): void } }).life.wake();
    });
    expect((await found(key, 'दिल्ली')).text).toEqual([HINDI]);
    expect((await found(key, 'كتب')).text).toEqual([ARABIC]);
    expect((await found(key, '東京')).text).toEqual(['東京に住んでいます']);
    expect((await found(key, 'Paris')).text).toEqual([ENGLISH]);
    // Later writes are indexed by the new index's triggers, deletes too.
    await key.api.request(StoreMemoriesDocument, { inputs: [{ content: 'हम कल चेन्नई जाएंगे' }] });
    expect((await found(key, 'चेन्नई')).text).toEqual(['हम कल चेन्नई जाएंगे']);
  });
});
