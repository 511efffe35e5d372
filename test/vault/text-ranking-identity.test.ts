import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Sql } from '../../src/durable/sqlite/sql';
import { DEFAULT_TEXT_RANKING, type TextRanking } from '../../src/durable/full-text/text-ranking';
import { TextSearch, type TextHit } from '../../src/durable/full-text/text-search';
import { TextTimeline } from '../../src/durable/full-text/text-timeline';
import { prepareQuery } from '../../src/durable/full-text/text-pruning';
import { namesSpeaker } from '../../src/durable/full-text/speaker-names';
import { opensWithSpeakerLabel } from '../../src/durable/full-text/turn-voices';
import { queryNames, queryTerms, words as wordsOf } from '../../src/text/tokens';
import { isSmallTalkText } from '../../src/text/turn-text';
import { seededRandom } from '../helpers/random';
import {
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

/**
 * Text search's fast ranking against the ranking written out as its
 * definition, on random vaults: contextual BM25 of every passage computed
 * passage by passage, the best passage per memory, scores relative to the
 * window's best, the name boost, the window's top `limit`. Same memories, same
 * order, same scores (to 1e-9).
 */

const MINUTE = 60_000;
/** Turns of small talk alone, and a query word that finds some of them. */
const SMALL_TALK = ['ok', 'haha ok', 'thanks!', 'Oh wow, haha', 'yes'];
const NAMES = ['Alice', 'Bruno'];
const VOCABULARY = (
  'garden river piano budget coffee train doctor invoice kitchen marathon winter ' +
  'teacher laptop holiday guitar recipe'
).split(' ');

/** Random memories: dense in the query's words, some long enough to be chunked, with pauses. */
function randomMemories(next: () => number, count: number, start: number) {
  let time = start;
  return Array.from({ length: count }, () => {
    // Mostly a minute or less apart (often the same instant), sometimes hours.
    time += next() < 0.1 ? 3 * 60 * MINUTE : Math.floor(next() * 2) * MINUTE;
    // Small talk alone ("Alice: ok"), which borrows nothing and is no match by its label.
    if (next() < 0.08) {
      const talk = SMALL_TALK[Math.floor(next() * SMALL_TALK.length)]!;
      const speaker = NAMES[Math.floor(next() * 3)];
      return { content: speaker === undefined ? talk : `${speaker}: ${talk}`, createdAt: time };
    }
    const long = next() < 0.05;
    const words = long ? 300 + Math.floor(next() * 400) : 3 + Math.floor(next() * 14);
    const text = Array.from(
      { length: words },
      () =>
        VOCABULARY[Math.floor(next() * (long ? VOCABULARY.length * 4 : VOCABULARY.length))] ??
        'filler',
    ).join(' ');
    // A quarter ask, so the turn after borrows more of them (askedWeight); by
    // length, not a draw, so the seeds' other draws stay as they were.
    const asked = words % 4 === 0 ? `${text}?` : text;
    const speaker = NAMES[Math.floor(next() * 3)];
    return { content: speaker === undefined ? asked : `${speaker}: ${asked}`, createdAt: time };
  });
}

function randomQuery(next: () => number): string {
  const words = Array.from(
    { length: 1 + Math.floor(next() * 9) },
    () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!,
  );
  // A name after the first word (so not a sentence opening): the name boost applies.
  if (next() < 0.4) words.splice(1, 0, NAMES[Math.floor(next() * NAMES.length)]!);
  if (next() < 0.2) words.push('haha');
  return `what ${words.join(' ')}`;
}

/**
 * Memories built to tie: a handful of words, every memory the same length,
 * many stored at the same instant, so that whole runs of passages score alike
 * and a window's limit-th best is shared by many (where pruning by bounds
 * could drop one that belongs in the top). A few differ in length, and a few
 * are long enough to be chunked.
 */
function tyingMemories(next: () => number, count: number, start: number) {
  const words = VOCABULARY.slice(0, 4);
  let time = start;
  return Array.from({ length: count }, () => {
    time += next() < 0.05 ? 3 * 60 * MINUTE : next() < 0.7 ? 0 : MINUTE;
    const shape = next();
    const length = shape < 0.03 ? 320 + Math.floor(next() * 300) : shape < 0.15 ? 3 : 6;
    const text = Array.from(
      { length },
      (_, at) => words[(at + Math.floor(next() * (shape < 0.5 ? 1 : 4))) % words.length]!,
    ).join(' ');
    const speaker = next() < 0.3 ? NAMES[Math.floor(next() * NAMES.length)] : undefined;
    return { content: speaker === undefined ? text : `${speaker}: ${text}`, createdAt: time };
  });
}

/**
 * 60 made-up words: in a vault of them each is in few memories (sparse
 * postings). Any two differ in at least two letters (the syllables of each
 * place share no letter at the same position) and none ends as the stemmer
 * cuts ("-ly", "-e"), so forgiving spelling, which the reference does not
 * model, never reads one as a typo of another.
 */
const RARE_WORDS = ['ka', 'lo', 'mi', 'nu', 're', 'sy', 'tw', 'vx', 'bj', 'dh'].flatMap((a) =>
  ['ga', 'po', 'xi', 'zu', 'kt', 'mh'].map((b) => `zq${a}${b}`),
);

/**
 * Memories each repeating one rare word (5–25 times): a query's words are in
 * few passages yet occur often, so pruning bounds only the passages around
 * them rather than sweeping the window.
 */
function sparseMemories(next: () => number, count: number, start: number) {
  let time = start;
  return Array.from({ length: count }, () => {
    time += next() < 0.1 ? 3 * 60 * MINUTE : Math.floor(next() * 2) * MINUTE;
    const word = RARE_WORDS[Math.floor(next() * RARE_WORDS.length)]!;
    const words = Array.from({ length: 5 + Math.floor(next() * 21) }, () => word).join(' ');
    const text = next() < 0.25 ? `${words}?` : words;
    return { content: next() < 0.3 ? `Alice: ${text}` : text, createdAt: time };
  });
}

function sparseQuery(next: () => number): string {
  const words = Array.from(
    { length: 1 + Math.floor(next() * 6) },
    () => RARE_WORDS[Math.floor(next() * RARE_WORDS.length)]!,
  );
  if (next() < 0.3) words.push('Alice');
  return `what ${words.join(' ')}`;
}

/**
 * A query of one word or two of the tying vault's four (a single term makes
 * pruning's bound tight: ties then meet at the cut), at times with a name.
 */
function tyingQuery(next: () => number): string {
  const words = Array.from(
    { length: next() < 0.6 ? 1 : 2 },
    () => VOCABULARY[Math.floor(next() * 4)]!,
  );
  if (next() < 0.3) words.push(NAMES[Math.floor(next() * NAMES.length)]!);
  return `what ${words.join(' ')}`;
}

/**
 * Roles by position: mostly the user's, some replies and system messages, so
 * that neighbours of every kind meet (notes, user ↔ assistant, labelled turns).
 */
function roleAt(position: number): 'USER' | 'ASSISTANT' | 'SYSTEM' {
  return position % 7 === 6 ? 'SYSTEM' : position % 3 === 2 ? 'ASSISTANT' : 'USER';
}

/** Stores the memories through the vault's RPC in batches of 100, as a client would. */
async function storeAll(
  vault: ReturnType<typeof vaultStub>,
  address: ReturnType<typeof freshAddress>,
  memories: readonly { content: string; createdAt: number }[],
) {
  for (let at = 0; at < memories.length; at += 100) {
    const batch = memories.slice(at, at + 100);
    ok(
      await vault.store(
        address,
        storeRequest(
          batch.map((m, i) => memory(m.content, { createdAt: m.createdAt, role: roleAt(at + i) })),
        ),
      ),
    );
  }
}

/** The same memories in the same order, with the same passages and scores (to rounding). */
function expectSameHits(got: TextHit[], expected: TextHit[]): void {
  expect(got.map((hit) => hit.seq)).toEqual(expected.map((hit) => hit.seq));
  expect(got.map((hit) => hit.words)).toEqual(expected.map((hit) => hit.words));
  got.forEach((hit, i) => expect(Math.abs(hit.score - expected[i]!.score)).toBeLessThan(1e-9));
}

/** The definition: every passage scored on its own, no sharing, no pruning. */
function referenceSearch(
  sql: Sql,
  timeline: TextTimeline,
  text: string,
  window: { after: number | null; until: number },
  limit: number,
  ranking: TextRanking,
  allowed?: ReadonlySet<number>,
): TextHit[] {
  const passages = timeline.size;
  const terms = queryTerms(text, ranking.stopwords);
  const postings = terms.map((term) =>
    sql.all<{ doc: number; offset: number }>(
      'SELECT doc, offset FROM memories_vocab WHERE term = ?',
      term,
    ),
  );
  // Who said each memory: its role, whether it names its speaker (label or
  // metadata), and whether it is small talk alone, then how many words its label takes.
  const voices = new Map(
    sql
      .all<{ seq: number; role: string; content: string; metadata: string | null }>(
        'SELECT seq, role, content, metadata FROM memories',
      )
      .map((row) => {
        const labelled = opensWithSpeakerLabel(row.content);
        const label = labelled ? row.content.slice(0, row.content.indexOf(':') + 1) : '';
        const smallTalk =
          row.content.length <= 64 && isSmallTalkText(row.content.slice(label.length));
        return [
          row.seq,
          {
            role: row.role,
            speaker: labelled || namesSpeaker(row.metadata),
            smallTalk,
            labelWords: smallTalk ? wordsOf(label).length : 0,
            asks: /[?？]\s*$/u.test(row.content),
          },
        ];
      }),
  );
  const smallTalk = (passage: number) => voices.get(timeline.seqAt(passage))!.smallTalk;
  // Occurrences per passage of each term; a small-talk memory's label is no occurrence.
  const own = postings.map((rows) => {
    const counts = new Float64Array(passages);
    for (const { doc, offset } of rows) {
      if (offset < voices.get(doc)!.labelWords) continue;
      const holding: number[] = [];
      timeline.passagesHolding(doc, offset, holding);
      for (const passage of holding) counts[passage]! += 1;
    }
    return counts;
  });
  // Passages `at` and `at + 1` are one stretch: no pause over the gap, and chunks of
  // one memory, or two turns that both name their speaker, or a user turn and a reply.
  const joined = (at: number): boolean => {
    if (timeline.timeAt(at + 1) - timeline.timeAt(at) > ranking.contextGapMs) return false;
    const [a, b] = [timeline.seqAt(at), timeline.seqAt(at + 1)];
    const [va, vb] = [voices.get(a)!, voices.get(b)!];
    const roles = new Set([va.role, vb.role]);
    return a === b || (va.speaker && vb.speaker) || (roles.has('USER') && roles.has('ASSISTANT'));
  };
  // Two passages are neighbours within `contextDistance` steps of one stretch.
  // Small talk alone neither borrows (its neighbourhood is itself) nor lends.
  const around = (passage: number): number[] => {
    const near = [passage];
    if (smallTalk(passage)) return near;
    for (let at = passage - 1; at >= 0 && passage - at <= ranking.contextDistance; at--) {
      if (!joined(at)) break;
      near.push(at);
    }
    for (let at = passage + 1; at < passages && at - passage <= ranking.contextDistance; at++) {
      if (!joined(at - 1)) break;
      near.push(at);
    }
    // In time order, as the ranking adds them: with weights such as 0.3 the
    // last bit of a sum depends on its order, and ties at a cut on that bit.
    return near.filter((at) => at === passage || !smallTalk(at)).sort((a, b) => a - b);
  };
  // A memory's last passage, when the memory ends in a question.
  const asks = (at: number) =>
    voices.get(timeline.seqAt(at))!.asks &&
    (at + 1 >= passages || timeline.seqAt(at + 1) !== timeline.seqAt(at));
  // What `passage` borrows of `at`: a reply more of the question just before
  // it, the question less of that reply; otherwise by distance.
  const weight = (at: number, passage: number) =>
    at === passage - 1 && asks(at)
      ? ranking.askedWeight
      : at === passage + 1 && asks(passage)
        ? ranking.askerWeight
        : ranking.contextWeight ** Math.abs(at - passage);
  let spread = 1;
  for (let d = 1; d <= ranking.contextDistance; d++) spread += 2 * ranking.contextWeight ** d;
  const averageLength = Math.max(timeline.averageWords * spread, 1e-9);
  const score = (passage: number): number => {
    const near = around(passage);
    const length = near.reduce((sum, at) => sum + weight(at, passage) * timeline.wordsAt(at), 0);
    let total = 0;
    own.forEach((counts) => {
      const holding = counts.reduce((sum, count) => sum + (count > 0 ? 1 : 0), 0);
      if (holding === 0) return;
      const idf =
        ranking.idf === 'probabilistic'
          ? Math.log(1 + (passages - holding + 0.5) / (holding + 0.5))
          : Math.max(Math.log((passages - holding + 0.5) / (holding + 0.5)), 1e-6);
      const f = near.reduce((sum, at) => sum + weight(at, passage) * counts[at]!, 0);
      if (f === 0) return;
      const { k1, b } = ranking;
      total += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * length) / averageLength));
    });
    return total;
  };

  // The best passage of each memory in the window (of equal ones, the first).
  const { start, end } = timeline.range(window.after, window.until);
  const best = new Map<number, { passage: number; score: number }>();
  for (let passage = start; passage < end; passage++) {
    const value = score(passage);
    if (value <= 0) continue;
    const seq = timeline.seqAt(passage);
    if (allowed !== undefined && !allowed.has(seq)) continue;
    const known = best.get(seq);
    if (known === undefined || value > known.score) best.set(seq, { passage, score: value });
  }
  if (best.size === 0) return [];
  const top = Math.max(...[...best.values()].map((hit) => hit.score));
  // Said by a named person: the memory opens with the name.
  // A word typed in lower case is a name only when most memories holding it
  // open with it (a speaker's label).
  const opensMost = (term: string) => {
    const rows = sql.all<{ doc: number; offset: number }>(
      'SELECT doc, offset FROM memories_vocab WHERE term = ?',
      term,
    );
    const opening = new Set(rows.filter((row) => row.offset === 0).map((row) => row.doc));
    return opening.size >= 0.5 * new Set(rows.map((row) => row.doc)).size;
  };
  const names = queryNames(text)
    .filter((name) => !name.lowerCase || opensMost(name.term))
    .map((name) => name.term);
  const spoken = new Set(
    names.flatMap((name) =>
      sql
        .all<{ doc: number }>('SELECT doc FROM memories_vocab WHERE term = ? AND offset = 0', name)
        .map((row) => row.doc),
    ),
  );
  const ranked = [...best].map(([seq, { passage, score: value }]) => ({
    seq,
    passage,
    relative:
      value / top + (spoken.has(seq) && !voices.get(seq)!.smallTalk ? ranking.nameBoost : 0),
  }));
  ranked.sort((a, b) => b.relative - a.relative || b.passage - a.passage);
  const kept = ranked.slice(0, limit);
  // Turns found by their speaker's label alone, with no neighbour within
  // context distance holding a query word but as a label, tie when next to
  // each other with the same label term and boost: the run's best, newest first.
  const isLabel = (doc: number, offset: number) => offset === 0 && voices.get(doc)!.speaker;
  const labelKey = ({ seq, passage }: (typeof kept)[number]): string | null => {
    const own = postings.flatMap((list, term) =>
      list
        .filter((row) => row.doc === seq)
        .map((row) => ({ term, label: isLabel(seq, row.offset) })),
    );
    if (own.length !== 1 || !own[0]!.label) return null;
    for (
      let at = passage - ranking.contextDistance;
      at <= passage + ranking.contextDistance;
      at++
    ) {
      if (at < 0 || at >= passages || timeline.seqAt(at) === seq) continue;
      const near = timeline.seqAt(at);
      if (
        postings.some((list) => list.some((row) => row.doc === near && !isLabel(near, row.offset)))
      )
        return null;
    }
    const boost = spoken.has(seq) && !voices.get(seq)!.smallTalk ? ranking.nameBoost : 0;
    return `${own[0]!.term}|${boost}`;
  };
  for (let from = 0; from < kept.length;) {
    const key = labelKey(kept[from]!);
    let to = from + 1;
    while (key !== null && to < kept.length && labelKey(kept[to]!) === key) to++;
    const run = kept.slice(from, to).sort((a, b) => b.passage - a.passage);
    const score = kept[from]!.relative;
    run.forEach((hit, i) => (kept[from + i] = { ...hit, relative: score }));
    from = to;
  }
  return kept.map(({ seq, passage, relative }) => ({
    seq,
    score: relative * top,
    words: timeline.chunked(passage) ? timeline.rangeAt(passage) : undefined,
  }));
}

describe('text ranking', () => {
  it('finds what its definition finds, in the same order, on random vaults and queries', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const next = seededRandom(seed);
      const address = freshAddress();
      const vault = vaultStub(address);
      const start = Date.UTC(2026, 0, 1);
      const memories = randomMemories(next, 300, start);
      await storeAll(vault, address, memories);
      const end = memories.at(-1)!.createdAt;
      const queries = Array.from({ length: 25 }, () => {
        const from = start + Math.floor(next() * (end - start));
        return {
          text: randomQuery(next),
          window:
            next() < 0.3
              ? { after: null, until: end }
              : { after: from, until: end - Math.floor(next() * (end - from)) },
          limit: [1, 10, 50][Math.floor(next() * 3)]!,
        };
      });
      const compared = await runInDurableObject(vault, (_, state) => {
        const sql = new Sql(state.storage.sql);
        const timeline = TextTimeline.load(sql);
        const search = new TextSearch(sql);
        return queries.map(({ text, window, limit }) => {
          search.forgetRanking();
          return {
            got: search.search(timeline, text, window, limit, DEFAULT_TEXT_RANKING),
            expected: referenceSearch(sql, timeline, text, window, limit, DEFAULT_TEXT_RANKING),
          };
        });
      });
      let found = 0;
      for (const { got, expected } of compared) {
        expectSameHits(got, expected);
        found += got.length;
      }
      // The queries meet the vault: most windows hold matches.
      expect(found).toBeGreaterThan(100);
    }
  });

  it("answers a vault's TEXT search in the definition's order, each score s / (s + F) on the full-match scale", async () => {
    // What a TEXT search returns through the vault's RPC: the ranking's own
    // order (the scale must not reorder a vault's hits), each BM25 score s
    // put against F, the sum of the query terms' idf in the vault (a term
    // no memory holds at its idf for none), as HYBRID's text side is.
    for (const seed of [7, 8]) {
      const next = seededRandom(seed);
      const address = freshAddress();
      const vault = vaultStub(address);
      const start = Date.UTC(2026, 0, 1);
      const memories = randomMemories(next, 300, start);
      await storeAll(vault, address, memories);
      const end = memories.at(-1)!.createdAt;
      const searches = Array.from({ length: 20 }, () => {
        const from = start + Math.floor(next() * (end - start));
        const until = next() < 0.3 ? end : end - Math.floor(next() * (end - from));
        // Now and then a word no memory holds, which F counts and no score reaches.
        const text = next() < 0.3 ? `${randomQuery(next)} zqnowhere` : randomQuery(next);
        return {
          text,
          window: { window: 'ARCHIVE' as const, after: next() < 0.3 ? null : from, until },
          limit: [1, 10, 50][Math.floor(next() * 3)]!,
        };
      });
      const answered = [];
      for (const { text, window, limit } of searches) {
        const response = ok(
          await vault.search(address, [
            searchRequest(text, [{ ...window, limit }], { mode: 'TEXT' }),
          ]),
        );
        answered.push(response.results[0]![0]!.hits);
      }
      const expected = await runInDurableObject(vault, (_, state) => {
        const sql = new Sql(state.storage.sql);
        const timeline = TextTimeline.load(sql);
        const idOf = new Map(
          sql
            .all<{ seq: number; id: string }>('SELECT seq, id FROM memories')
            .map((row) => [row.seq, row.id]),
        );
        return searches.map(({ text, window, limit }) => {
          const fullMatch = queryTerms(text, DEFAULT_TEXT_RANKING.stopwords).reduce((sum, term) => {
            const holders = sql.first<{ n: number }>(
              'SELECT count(DISTINCT doc) AS n FROM memories_vocab WHERE term = ?',
              term,
            )!.n;
            const passages = timeline.size;
            return sum + Math.log(1 + (passages - holders + 0.5) / (holders + 0.5));
          }, 0);
          return referenceSearch(sql, timeline, text, window, limit, DEFAULT_TEXT_RANKING).map(
            (hit) => ({ id: idOf.get(hit.seq)!, score: hit.score / (hit.score + fullMatch) }),
          );
        });
      });
      let found = 0;
      answered.forEach((hits, at) => {
        const want = expected[at]!;
        expect(hits.map((hit) => hit.memory.id)).toEqual(want.map((hit) => hit.id));
        hits.forEach((hit, i) => {
          expect(Math.abs(hit.score - want[i]!.score)).toBeLessThan(1e-9);
          expect(hit.score).toBeLessThan(1);
        });
        found += hits.length;
      });
      expect(found).toBeGreaterThan(100);
    }
  });

  it("drops no passage that belongs in a window's top: ties, several windows, a window asked again, limits 1–150, other settings", async () => {
    // Settings pruning serves exactly (dyadic context weights, other k1, b,
    // reach and idf) and one it leaves to the full ranking (0.3 per step).
    const rankings: TextRanking[] = [
      DEFAULT_TEXT_RANKING,
      { ...DEFAULT_TEXT_RANKING, contextWeight: 0.25, k1: 1.2, b: 0.75 },
      { ...DEFAULT_TEXT_RANKING, contextWeight: 0.75, contextDistance: 2, nameBoost: 1 },
      { ...DEFAULT_TEXT_RANKING, contextWeight: 1, contextDistance: 1, idf: 'fts5' },
      { ...DEFAULT_TEXT_RANKING, contextWeight: 0.3 },
    ];
    const limits = [1, 2, 3, 5, 10, 17, 30, 50, 150];
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const next = seededRandom(seed);
      const address = freshAddress();
      const vault = vaultStub(address);
      const start = Date.UTC(2026, 0, 1);
      // Three kinds of vault: queries reaching most passages, ties, and
      // queries reaching few (pruning then bounds only the passages reached).
      const kind = seed % 3;
      const memories = [randomMemories, tyingMemories, sparseMemories][kind]!(next, 300, start);
      await storeAll(vault, address, memories);
      const end = memories.at(-1)!.createdAt;
      const randomWindow = () => {
        const from = start + Math.floor(next() * (end - start));
        return next() < 0.3
          ? { after: null, until: end }
          : { after: from, until: end - Math.floor(next() * (end - from)) };
      };
      // Each search asks several windows in turn (sharing one ranking), with
      // another query in between at times (taking the ranking's scratch), and
      // at times only some memories allowed (a metadata filter).
      const query = [randomQuery, tyingQuery, sparseQuery][kind]!;
      const searches = Array.from({ length: 30 }, () => ({
        text: query(next),
        other: next() < 0.3 ? query(next) : null,
        ranking: rankings[Math.floor(next() * rankings.length)]!,
        filtered: next() < 0.3,
        windows: Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
          window: randomWindow(),
          limit: limits[Math.floor(next() * limits.length)]!,
        })),
      }));
      const compared = await runInDurableObject(vault, (_, state) => {
        const sql = new Sql(state.storage.sql);
        const timeline = TextTimeline.load(sql);
        const search = new TextSearch(sql);
        const interloper = new TextSearch(sql);
        const seqs = sql.all<{ seq: number }>('SELECT seq FROM memories').map((row) => row.seq);
        const allowed = new Set(seqs.filter((seq) => seq % 3 !== 0));
        return searches.flatMap(({ text, other, ranking, filtered, windows }) => {
          search.forgetRanking();
          // The first window is asked again last with a deeper pool, as a
          // window's fill asks (vault-queries.ts): its sums are kept for it.
          const asked = [...windows, { ...windows[0]!, limit: windows[0]!.limit * 2 + 1 }];
          return asked.map(({ window, limit }) => {
            if (other !== null) interloper.search(timeline, other, window, 50, ranking);
            const only = filtered ? allowed : undefined;
            return {
              got: search.search(timeline, text, window, limit, ranking, only),
              expected: referenceSearch(sql, timeline, text, window, limit, ranking, only),
            };
          });
        });
      });
      let found = 0;
      let full = 0;
      for (const { got, expected } of compared) {
        expectSameHits(got, expected);
        found += got.length;
        if (expected.length >= 10) full++;
      }
      // The windows meet the vault: most hold matches, many more than a limit.
      expect(found).toBeGreaterThan(300);
      expect(full).toBeGreaterThan(10);
    }
  });

  it('answers a window asked again for deeper pools (its fill) as a search asked once: dated questions, names, filters, a shallower ask', async () => {
    // A window's fill asks the same window again for more (vault-queries.ts)
    // and text search starts from what the first ask found and boosted
    // (window-passes.ts). Each answer must be the one a search asked once
    // at that limit gives: questions naming a day (which memories their
    // content words reach, matchingContent) and a speaker (the name boost),
    // with and without a filter, on the full ranking (context weight 0.3)
    // and on the pruned one (the default).
    const rankings: TextRanking[] = [
      { ...DEFAULT_TEXT_RANKING, contextWeight: 0.3 },
      DEFAULT_TEXT_RANKING,
    ];
    const days = ['on January 1, 2026', 'on January 2, 2026', 'on January 3rd', 'in January 2026'];
    for (const seed of [31, 32, 33]) {
      const next = seededRandom(seed);
      const address = freshAddress();
      const vault = vaultStub(address);
      const start = Date.UTC(2026, 0, 1);
      // Some memories say the month (a date's own words) and a few hold a
      // rare word: a question asking for it on a day may answer only the
      // memories its content word reaches, not all that say the month.
      const memories = randomMemories(next, 300, start).map((memory) => {
        const draw = next();
        if (draw < 0.03) return { ...memory, content: `${memory.content} zqkaga` };
        return draw < 0.4 ? { ...memory, content: `${memory.content} in january` } : memory;
      });
      await storeAll(vault, address, memories);
      const end = memories.at(-1)!.createdAt;
      const now = end + 3_600_000;
      const searches = Array.from({ length: 16 }, () => ({
        text:
          next() < 0.3
            ? `what did zqkaga say ${days[Math.floor(next() * 4)]!}`
            : next() < 0.7
              ? `${randomQuery(next)} ${days[Math.floor(next() * 4)]!}`
              : randomQuery(next),
        window:
          next() < 0.5
            ? { after: null, until: end }
            : { after: start + Math.floor(next() * (end - start) * 0.5), until: end },
        ranking: rankings[Math.floor(next() * rankings.length)]!,
        filtered: next() < 0.3,
      }));
      const compared = await runInDurableObject(vault, (_, state) => {
        const sql = new Sql(state.storage.sql);
        const timeline = TextTimeline.load(sql);
        const search = new TextSearch(sql);
        const once = new TextSearch(sql);
        const seqs = sql.all<{ seq: number }>('SELECT seq FROM memories').map((row) => row.seq);
        const allowed = new Set(seqs.filter((seq) => seq % 3 !== 0));
        // Every memory allowed by name: what no filter at all must answer too.
        const every = new Set(seqs);
        return searches.flatMap(({ text, window, ranking, filtered }) => {
          search.forgetRanking();
          const only = filtered ? allowed : undefined;
          // The fill's pools (50, 60, 75, 102, 150, 204), then a shallower ask.
          return [10, 50, 60, 75, 102, 150, 204, 30].map((limit) => {
            once.forgetRanking();
            const expected = once.search(
              timeline,
              text,
              window,
              limit,
              ranking,
              only ?? every,
              now,
            );
            return {
              got: search.search(timeline, text, window, limit, ranking, only, now),
              expected,
            };
          });
        });
      });
      let found = 0;
      let deep = 0;
      for (const { got, expected } of compared) {
        expect(got).toEqual(expected);
        found += got.length;
        if (got.length > 75) deep++;
      }
      // The windows meet the vault, and the deeper asks reach past the first pools.
      expect(found).toBeGreaterThan(1000);
      expect(deep).toBeGreaterThan(10);
    }
  });

  it("keeps no term's shares past a write: stores in the middle, deletes, the same queries again", async () => {
    // Ranking keeps each term's shares until the timeline changes
    // (term-impacts.ts); after every write the vault's own search, with its
    // postings cache and timeline, must answer as the definition does on a
    // timeline loaded afresh.
    const next = seededRandom(21);
    const address = freshAddress();
    const vault = vaultStub(address);
    const start = Date.UTC(2026, 0, 1);
    const memories = randomMemories(next, 240, start);
    const ids: string[] = [];
    const storeBatch = async (batch: readonly { content: string; createdAt: number }[]) => {
      const result = ok(
        await vault.store(
          address,
          storeRequest(
            batch.map((m, i) =>
              memory(m.content, { createdAt: m.createdAt, role: roleAt(ids.length + i) }),
            ),
          ),
        ),
      );
      ids.push(...result.memories.map((record) => record.id));
    };
    for (let at = 0; at < memories.length; at += 100)
      await storeBatch(memories.slice(at, at + 100));
    const end = memories.at(-1)!.createdAt;
    const window = { after: null, until: end + 1 };
    const queries = Array.from({ length: 15 }, () => randomQuery(next));
    const compare = () =>
      runInDurableObject(vault, (instance, state) => {
        const own = instance as unknown as {
          hot: { timeline(): TextTimeline };
          queries: { text: TextSearch };
        };
        const timeline = own.hot.timeline();
        const sql = new Sql(state.storage.sql);
        const fresh = TextTimeline.load(sql);
        const postings = (text: string) =>
          queryTerms(text, DEFAULT_TEXT_RANKING.stopwords).map((term) => {
            const rows = sql.all<{ doc: number; offset: number }>(
              'SELECT doc, offset FROM memories_vocab WHERE term = ?',
              term,
            );
            return { seqs: rows.map((row) => row.doc), offsets: rows.map((row) => row.offset) };
          });
        return queries.map((text) => {
          own.queries.text.forgetRanking();
          return {
            kept:
              prepareQuery(
                fresh,
                queryTerms(text, DEFAULT_TEXT_RANKING.stopwords),
                postings(text),
                DEFAULT_TEXT_RANKING,
              ) !== null,
            got: own.queries.text.search(timeline, text, window, 10, DEFAULT_TEXT_RANKING),
            expected: referenceSearch(sql, fresh, text, window, 10, DEFAULT_TEXT_RANKING),
          };
        });
      });
    const check = (compared: Awaited<ReturnType<typeof compare>>) => {
      for (const { got, expected } of compared) {
        expectSameHits(got, expected);
      }
      // Most queries are ranked from kept shares (the path under test).
      expect(compared.filter((one) => one.kept).length).toBeGreaterThan(queries.length / 2);
    };
    check(await compare());
    // Backdated into the middle, in two words only: every later passage
    // moves along, idf and the mean length change, while the postings of
    // the other words stay cached (a write forgets only its own words), so
    // only the timeline's version tells their kept shares are stale.
    const twoWords = VOCABULARY.slice(0, 2);
    const middle = Array.from({ length: 40 }, () => ({
      content: Array.from(
        { length: 2 + Math.floor(next() * 6) },
        () => twoWords[Math.floor(next() * 2)]!,
      ).join(' '),
      createdAt: start + Math.floor(next() * (end - start)),
    }));
    const before = ids.length;
    await storeBatch(middle);
    check(await compare());
    // Deleted, here and there (of the two-word memories, likewise).
    for (let k = 0; k < 30; k++) {
      const at = before + Math.floor(next() * (ids.length - before));
      ok(await vault.remove(address, ids[at]!));
      ids.splice(at, 1);
    }
    check(await compare());
  });
});
