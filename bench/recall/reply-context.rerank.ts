/**
 * Scores context rules outside the Worker (not part of `bench:recall`):
 * re-ranks the misses study's TEXT top 50 (bench/recall/misses.study.ts)
 * under a rule for how much a turn borrows from each neighbour, and prints
 * recall @5/@10 per half of LoCoMo's dev split (tuning: conv-26, -30, -41;
 * held out: conv-42, -43).
 *
 * The study's scores carry everything the vault adds (names, dates, word
 * forms, ties); this script models only the contextual BM25 part (one
 * passage a turn, the project's own tokens and query terms, neighbours
 * within a session) and moves each candidate's study score by the model's
 * change under the rule: `study × model(rule) / model(symmetric)` (the
 * study's scores are relative to the window's best, so a ratio, not a
 * difference). A
 * candidate outside the study's top 50 cannot enter, so figures are a
 * lower bound where a rule lifts turns from further down.
 *
 * `npx tsx bench/recall/reply-context.rerank.ts <locomo.json> <study.log>`
 */
import { readFileSync } from 'node:fs';
import { readConversations } from './dataset';
import { queryTerms, tokenize } from '../../src/text/tokens';

const [file, studyLog] = process.argv.slice(2);
if (!file || !studyLog) throw new Error('usage: reply-context.rerank.ts <locomo.json> <study.log>');

const K1 = 0.6;
const B = 0.5;
const DISTANCE = 4;
const TUNING = new Set(['conv-26', 'conv-30', 'conv-41']);

/** How much `passage` borrows from the turn `d` steps away (d < 0: before it). */
interface Rule {
  name: string;
  weight(d: number, borrower: Turn, lender: Turn): number;
}

interface Turn {
  id: string;
  session: number;
  terms: Map<string, number>;
  words: number;
  /** Ends in a question mark. */
  asks: boolean;
  /** Holds a question mark anywhere ("Great! How was it?" and "Was it fun? I hope so."). */
  asksSomewhere: boolean;
}

interface Row {
  conversation: string;
  question: string;
  category: number;
  evidence: string[];
  text50: [string, number][];
}

const conversations = readConversations(readFileSync(file, 'utf8'));
/** As the bench stores a turn (bench-api.ts, which only runs inside workerd). */
const content = (turn: { speaker: string; text: string }) => `${turn.speaker}: ${turn.text}`;
const turnsOf = new Map<string, Turn[]>();
for (const conversation of conversations) {
  turnsOf.set(
    conversation.id,
    conversation.turns.map((turn) => {
      const terms = new Map<string, number>();
      const tokens = tokenize(content(turn));
      for (const token of tokens) terms.set(token.term, (terms.get(token.term) ?? 0) + 1);
      return {
        id: turn.turnId,
        session: turn.createdAt,
        terms,
        words: tokens.length,
        asks: turn.text.trim().endsWith('?'),
        asksSomewhere: turn.text.includes('?'),
      };
    }),
  );
}

const rows: Row[] = readFileSync(studyLog, 'utf8')
  .split('\n')
  .filter((line) => line.includes('MISSROW '))
  .map((line) => JSON.parse(line.slice(line.indexOf('MISSROW ') + 'MISSROW '.length)) as Row);

function model(turns: Turn[], rule: Rule, question: string): Map<string, number> {
  const terms = queryTerms(question);
  const n = turns.length;
  const near = (p: number, d: number) =>
    p + d >= 0 && p + d < n && turns[p + d]!.session === turns[p]!.session;
  let totalLength = 0;
  const lengths = turns.map((turn, p) => {
    let length = turn.words;
    for (let d = -DISTANCE; d <= DISTANCE; d++)
      if (d !== 0 && near(p, d))
        length += rule.weight(d, turn, turns[p + d]!) * turns[p + d]!.words;
    totalLength += length;
    return length;
  });
  const average = totalLength / n;
  const scores = new Map<string, number>();
  for (const term of terms) {
    const held = turns.filter((turn) => turn.terms.has(term)).length;
    if (held === 0) continue;
    const idf = Math.log(1 + (n - held + 0.5) / (held + 0.5));
    turns.forEach((turn, p) => {
      let f = turn.terms.get(term) ?? 0;
      for (let d = -DISTANCE; d <= DISTANCE; d++)
        if (d !== 0 && near(p, d))
          f += rule.weight(d, turn, turns[p + d]!) * (turns[p + d]!.terms.get(term) ?? 0);
      if (f === 0) return;
      const norm = K1 * (1 - B + (B * lengths[p]!) / average);
      scores.set(turn.id, (scores.get(turn.id) ?? 0) + (idf * f * (K1 + 1)) / (f + norm));
    });
  }
  return scores;
}

const symmetric: Rule = { name: 'symmetric 0.5', weight: (d) => 0.5 ** Math.abs(d) };

function recall(rule: Rule, pure = false) {
  const sums = { tune: [0, 0, 0], held: [0, 0, 0] };
  for (const row of rows) {
    const turns = turnsOf.get(row.conversation)!;
    const base = model(turns, symmetric, row.question);
    const moved = model(turns, rule, row.question);
    const ranked = row.text50
      .map(
        ([id, score]) =>
          [
            id,
            pure
              ? (moved.get(id) ?? 0)
              : base.get(id)
                ? (score * moved.get(id)!) / base.get(id)!
                : score,
          ] as const,
      )
      .sort((a, b) => b[1] - a[1])
      .map(([id]) => id);
    if (process.env.DUMP)
      console.log(`DUMP ${JSON.stringify({ c: row.conversation, q: row.question, ranked })}`);
    const found = (k: number) =>
      row.evidence.filter((id) => ranked.slice(0, k).includes(id)).length / row.evidence.length;
    const half = TUNING.has(row.conversation) ? sums.tune : sums.held;
    half[0]! += found(5);
    half[1]! += found(10);
    half[2]! += 1;
  }
  const f = (x: number[]) => `${(x[0]! / x[2]!).toFixed(3)} / ${(x[1]! / x[2]!).toFixed(3)}`;
  console.log(`${rule.name.padEnd(48)} tuning ${f(sums.tune)}   held out ${f(sums.held)}`);
}

const rules: Rule[] = [symmetric];
// A reply borrows `before` from the turn it answers and `after` from the next.
for (const before of [0.5, 0.625, 0.75, 0.875, 1])
  for (const after of [0.5, 0.375, 0.25])
    if (before !== 0.5 || after !== 0.5)
      rules.push({
        name: `turn before ${before}, after ${after}`,
        weight: (d) => (d === -1 ? before : d === 1 ? after : 0.5 ** Math.abs(d)),
      });
// The turn before lends more when it is a question.
for (const asked of [0.625, 0.75, 0.875, 1])
  rules.push({
    name: `turn before ${asked} when it asks`,
    weight: (d, _, lender) => (d === -1 && lender.asks ? asked : 0.5 ** Math.abs(d)),
  });
// A short reply borrows more from the turn before.
for (const short of [8, 12, 16, 24])
  for (const before of [0.75, 1])
    rules.push({
      name: `turn before ${before} for replies under ${short} words`,
      weight: (d, borrower) => (d === -1 && borrower.words < short ? before : 0.5 ** Math.abs(d)),
    });

// Second round, around the best of the first (0.625 when the turn before asks).
const second: Rule[] = [symmetric];
for (const asked of [0.5625, 0.625, 0.6875])
  second.push({
    name: `turn before ${asked} when it holds a ?`,
    weight: (d, _, lender) => (d === -1 && lender.asksSomewhere ? asked : 0.5 ** Math.abs(d)),
  });
for (const asked of [0.5625, 0.6875])
  second.push({
    name: `turn before ${asked} when it asks`,
    weight: (d, _, lender) => (d === -1 && lender.asks ? asked : 0.5 ** Math.abs(d)),
  });
for (const answer of [0.375, 0.625])
  second.push({
    name: `0.625 when it asks; the asker borrows ${answer} from the reply`,
    weight: (d, borrower, lender) =>
      d === -1 && lender.asks ? 0.625 : d === 1 && borrower.asks ? answer : 0.5 ** Math.abs(d),
  });
for (const short of [8, 16])
  second.push({
    name: `0.625 when it asks, 0.75 if the reply is under ${short} words`,
    weight: (d, borrower, lender) =>
      d === -1 && lender.asks ? (borrower.words < short ? 0.75 : 0.625) : 0.5 ** Math.abs(d),
  });
second.push({
  name: `0.625 when it asks, also 0.3125 two steps back`,
  weight: (d, _, lender) =>
    d === -1 && lender.asks ? 0.625 : d === -2 && lender.asks ? 0.3125 : 0.5 ** Math.abs(d),
});

// Third round: the pairs also measured in the Worker (BENCHMARKS.md), to
// say how well this re-ranking predicts the bench.
const third: Rule[] = [symmetric];
for (const [asked, asker] of [
  [0.625, 0.375],
  [0.75, 0.375],
  [0.75, 0.25],
  [0.625, 0.25],
  [0.875, 0.375],
  [0.5, 0.375],
  [0.625, 0.5],
  [0.875, 0.25],
  [1, 0.25],
  [0.75, 0.125],
] as const)
  third.push({
    name: `asked ${asked}, asker ${asker}`,
    weight: (d, borrower, lender) =>
      d === -1 && lender.asks ? asked : d === 1 && borrower.asks ? asker : 0.5 ** Math.abs(d),
  });

const pure = process.env.PURE === '1';
if (pure) console.log('model alone (no study scores)');
const chosen = process.env.RULE;
for (const rule of { '2': second, '3': third }[process.env.ROUND ?? ''] ?? rules)
  if (chosen === undefined || rule.name === chosen) recall(rule, pure);
