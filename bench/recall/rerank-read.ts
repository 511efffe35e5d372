/**
 * Reads misses.study.ts's rows (branch recall-rerank): what the evidence
 * turns TEXT ranks 6–50 have that the turns above them lack, and re-ranking
 * rules tried on TEXT's top 50 outside the Worker.
 * `npx tsx bench/recall/rerank-read.ts <locomo.json> <rows.jsonl> [rule]`.
 */
import { readFileSync } from 'node:fs';
import { readConversations, type RecallTurn } from './dataset';
const content = (turn: { speaker: string; text: string }) => `${turn.speaker}: ${turn.text}`;
import { queryNames, queryTerms, tokenize } from '../../src/text/tokens';

type Ranked = [string, number][];
interface Row {
  conversation: string;
  question: string;
  category: number;
  evidence: string[];
  hybrid: Ranked;
  text50: Ranked;
}

const [file, rowsFile] = process.argv.slice(2);
const conversations = readConversations(readFileSync(file!, 'utf8'));
const rows: Row[] = readFileSync(rowsFile!, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Row);

interface TurnInfo {
  turn: RecallTurn;
  session: string;
  index: number;
  terms: string[];
}
const turnsOf = new Map<string, Map<string, TurnInfo>>();
const dfOf = new Map<string, Map<string, number>>();
for (const conversation of conversations) {
  const turns = new Map<string, TurnInfo>();
  const df = new Map<string, number>();
  conversation.turns.forEach((turn, index) => {
    const terms = tokenize(content(turn)).map((token) => token.term);
    turns.set(turn.turnId, { turn, session: turn.turnId.split(':')[0]!, index, terms });
    for (const term of new Set(terms)) df.set(term, (df.get(term) ?? 0) + 1);
  });
  turnsOf.set(conversation.id, turns);
  dfOf.set(conversation.id, df);
}

const idf = (conversation: string, term: string) => {
  const n = dfOf.get(conversation)!.get(term) ?? 0;
  const N = turnsOf.get(conversation)!.size;
  return Math.log(1 + (N - n + 0.5) / (n + 0.5));
};

interface Features {
  held: number;
  heldIdf: number;
  span: number;
  speaker: boolean;
  sessionMates: number;
  rarest: number;
  length: number;
}

function features(row: Row, turnId: string, terms: string[], named: Set<string>, top10: string[]) {
  const info = turnsOf.get(row.conversation)!.get(turnId)!;
  const wanted = new Set(terms);
  const positions: [number, string][] = [];
  info.terms.forEach((term, at) => {
    if (at > 0 && wanted.has(term)) positions.push([at, term]);
  });
  const heldTerms = new Set(positions.map(([, term]) => term));
  let span = Infinity;
  if (heldTerms.size >= 2)
    for (let i = 0; i < positions.length; i += 1) {
      const seen = new Set<string>();
      for (let j = i; j < positions.length; j += 1) {
        seen.add(positions[j]![1]);
        if (seen.size >= 2) {
          span = Math.min(span, positions[j]![0] - positions[i]![0]);
          break;
        }
      }
    }
  const session = info.session;
  return {
    held: heldTerms.size,
    heldIdf: [...heldTerms].reduce((sum, term) => sum + idf(row.conversation, term), 0),
    span,
    speaker: named.has(info.turn.speaker.toLowerCase()),
    sessionMates: top10.filter((id) => id !== turnId && id.split(':')[0] === session).length,
    rarest: Math.max(0, ...[...heldTerms].map((term) => idf(row.conversation, term))),
    length: info.terms.length,
  } satisfies Features;
}

const TUNING = new Set(['conv-26', 'conv-30', 'conv-41']);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

function study() {
  const counts: Record<string, number> = {};
  const count = (kind: string) => (counts[kind] = (counts[kind] ?? 0) + 1);
  let missed = 0;
  for (const row of rows) {
    const terms = queryTerms(row.question);
    const named = new Set(queryNames(row.question).map((name) => name.word));
    const ids = row.text50.map(([id]) => id);
    const top10 = ids.slice(0, 10);
    const evidence = new Set(row.evidence);
    for (const id of row.evidence) {
      const rank = ids.indexOf(id);
      if (rank < 5) continue;
      if (rank < 0) continue;
      missed += 1;
      const mine = features(row, id, terms, named, top10);
      const above = ids
        .slice(0, 5)
        .filter((other) => !evidence.has(other))
        .map((other) => features(row, other, terms, named, top10));
      count(rank < 10 ? 'rank 6-10' : 'rank 11-50');
      let any = false;
      const kind = (name: string, holds: boolean) => {
        if (!holds) return;
        any = true;
        count(name);
      };
      kind('coordination', mine.held > mean(above.map((f) => f.held)));
      kind(
        'coordination (more than every one above)',
        mine.held > Math.max(...above.map((f) => f.held)),
      );
      kind('coordination by idf', mine.heldIdf > mean(above.map((f) => f.heldIdf)));
      kind(
        'proximity',
        Number.isFinite(mine.span) && mine.span < mean(above.map((f) => Math.min(f.span, 50))),
      );
      kind('speaker', mine.speaker && above.filter((f) => f.speaker).length * 2 < above.length);
      kind('session', mine.sessionMates > mean(above.map((f) => f.sessionMates)));
      kind('rarer word', mine.rarest > Math.max(...above.map((f) => f.rarest)));
      kind(
        'length (longer than those above)',
        mine.length > 1.5 * mean(above.map((f) => f.length)),
      );
      kind('holds no query word itself', mine.held === 0);
      if (!any) count('none of these');
    }
  }
  console.log({ missed, counts });
}

const mode = process.argv[4] ?? 'study';
if (mode === 'study') study();

function speakers() {
  let named = 0,
    evSpeaker = 0,
    aboveSpeaker = 0,
    aboveAll = 0;
  for (const row of rows) {
    const names = new Set(queryNames(row.question).map((name) => name.word));
    const speakersHere = new Set(
      [...turnsOf.get(row.conversation)!.values()].map((t) => t.turn.speaker.toLowerCase()),
    );
    if (![...names].some((n) => speakersHere.has(n))) continue;
    named += 1;
    const ids = row.text50.map(([id]) => id);
    for (const id of row.evidence) {
      const rank = ids.indexOf(id);
      if (rank < 5) continue;
      const info = turnsOf.get(row.conversation)!.get(id);
      if (info && names.has(info.turn.speaker.toLowerCase())) evSpeaker += 1;
    }
    for (const id of ids.slice(0, 5)) {
      if (row.evidence.includes(id)) continue;
      aboveAll += 1;
      if (names.has(turnsOf.get(row.conversation)!.get(id)!.turn.speaker.toLowerCase()))
        aboveSpeaker += 1;
    }
  }
  console.log({ named, evSpeaker, aboveSpeaker, aboveAll });
}
if (mode === 'study') speakers();

type Rule = (
  row: Row,
  id: string,
  score: number,
  best: number,
  f: Features,
  terms: string[],
) => number;
function recallOf(rule: Rule) {
  const sums: Record<string, [number, number, number]> = {};
  const add = (key: string, r5: number, r10: number) => {
    const s = (sums[key] ??= [0, 0, 0]);
    s[0] += r5;
    s[1] += r10;
    s[2] += 1;
  };
  for (const row of rows) {
    const terms = queryTerms(row.question);
    const named = new Set(queryNames(row.question).map((name) => name.word));
    const top10 = row.text50.slice(0, 10).map(([id]) => id);
    const best = row.text50[0]?.[1] ?? 0;
    const rescored = row.text50.map(([id, score], rank) => ({
      id,
      rank,
      score: rule(row, id, score, best, features(row, id, terms, named, top10), terms),
    }));
    rescored.sort((a, b) => b.score - a.score || a.rank - b.rank);
    const ids = rescored.map((r) => r.id);
    const at = (k: number) =>
      row.evidence.filter((id) => ids.slice(0, k).includes(id)).length / row.evidence.length;
    const half = TUNING.has(row.conversation) ? 'tuning' : 'other';
    for (const key of [half, `cat${row.category}`, 'all', row.conversation])
      add(key, at(5), at(10));
  }
  return Object.fromEntries(
    Object.entries(sums).map(([key, [r5, r10, n]]) => [
      key,
      `${(r5 / n).toFixed(3)}/${(r10 / n).toFixed(3)}`,
    ]),
  );
}
export { recallOf };
const show = (name: string, rule: Rule) => {
  const r = recallOf(rule);
  console.log(
    name.padEnd(28),
    'tune',
    r.tuning,
    'other',
    r.other,
    'all',
    r.all,
    'cats',
    r.cat1,
    r.cat2,
    r.cat3,
    r.cat4,
  );
};
if (mode === 'rules') {
  show('main', (_r, _id, s) => s);
  const sumIdf = (row: Row, terms: string[]) =>
    terms.reduce((a, t) => a + idf(row.conversation, t), 0);
  for (const l of [0.05, 0.1, 0.2, 0.3]) {
    show(`coord ${l}`, (_r, _id, s, b, f, t) => s + l * b * (t.length ? f.held / t.length : 0));
    show(
      `coordIdf ${l}`,
      (r, _id, s, b, f, t) => s + l * b * (t.length ? f.heldIdf / sumIdf(r, t) : 0),
    );
    show(`session ${l}`, (_r, _id, s, b, f) => s + l * b * (f.sessionMates / 9));
    show(
      `proximity ${l}`,
      (_r, _id, s, b, f) => s + l * b * (Number.isFinite(f.span) ? 1 / (1 + f.span) : 0),
    );
  }
}

function buckets() {
  const table = new Map<string, [number, number]>();
  const add = (key: string, ev: boolean) => {
    const t = table.get(key) ?? [0, 0];
    t[0] += ev ? 1 : 0;
    t[1] += 1;
    table.set(key, t);
  };
  for (const row of rows) {
    if (!TUNING.has(row.conversation)) continue;
    const terms = queryTerms(row.question);
    const named = new Set(queryNames(row.question).map((name) => name.word));
    const top10 = row.text50.slice(0, 10).map(([id]) => id);
    row.text50.slice(0, 20).forEach(([id], rank) => {
      const f = features(row, id, terms, named, top10);
      const ev = row.evidence.includes(id);
      const band = rank < 5 ? 'r1-5' : rank < 10 ? 'r6-10' : 'r11-20';
      const info = turnsOf.get(row.conversation)!.get(id)!;
      add(`${band} held=${Math.min(f.held, 3)}`, ev);
      add(`${band} heldFrac=${terms.length ? Math.round((f.held / terms.length) * 4) / 4 : 0}`, ev);
      add(`${band} mates=${Math.min(f.sessionMates, 4)}`, ev);
      add(
        `${band} len=${f.length < 15 ? '<15' : f.length < 30 ? '15-30' : f.length < 45 ? '30-45' : '45+'}`,
        ev,
      );
      add(`${band} asks=${/\?\s*\S{0,3}\s*$/.test(info.turn.text)}`, ev);
      add(
        `${band} span=${Number.isFinite(f.span) ? (f.span <= 2 ? '<=2' : f.span <= 6 ? '3-6' : '7+') : 'none'}`,
        ev,
      );
    });
  }
  for (const [key, [ev, n]] of [...table].sort())
    console.log(key.padEnd(24), `${ev}/${n}`, (ev / n).toFixed(3));
}
if (mode === 'buckets') buckets();

const asks = (row: Row, id: string) =>
  /\?\s*\S{0,3}\s*$/.test(turnsOf.get(row.conversation)!.get(id)!.turn.text);
if (mode === 'rules2') {
  show('main', (_r, _id, s) => s);
  for (const a of [0.03, 0.05, 0.1, 0.2])
    show(`asks x${1 - a}`, (r, id, s) => s * (asks(r, id) ? 1 - a : 1));
  for (const L of [10, 15, 20, 30])
    for (const p of [0.1, 0.25, 0.5])
      show(`short L${L} p${p}`, (_r, _id, s, _b, f) => s * Math.min(1, (f.length / L) ** p));
  for (const a of [0.02, 0.05, 0.1])
    show(
      `heldFrac x(1+${a}h)`,
      (_r, _id, s, _b, f, t) => s * (1 + a * (t.length ? f.held / t.length : 0)),
    );
}

if (mode === 'grid') {
  const results: [string, number, string, string][] = [];
  for (const L of [6, 8, 10, 12, 15, 18, 20, 25, 30])
    for (const p of [0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5])
      for (const a of [0, 0.05, 0.1]) {
        const r = recallOf(
          (row, id, s, _b, f) =>
            s * Math.min(1, (f.length / L) ** p) * (a && asks(row, id) ? 1 - a : 1),
        );
        const [t5, t10] = r.tuning!.split('/').map(Number);
        results.push([`L${L} p${p} asks${a}`, t5! + t10!, r.tuning!, r.other!]);
      }
  results.sort((x, y) => y[1] - x[1]);
  for (const [name, , tune, other] of results.slice(0, 25))
    console.log(name.padEnd(22), 'tune', tune, 'other', other);
}

if (mode === 'grid2') {
  const results: [string, number, string, string, string][] = [];
  const push = (name: string, rule: Rule) => {
    const r = recallOf(rule);
    const [t5, t10] = r.tuning!.split('/').map(Number);
    results.push([
      name,
      t5! + t10!,
      r.tuning!,
      r.other!,
      `${r.cat1} ${r.cat2} ${r.cat3} ${r.cat4}`,
    ]);
  };
  for (const L of [6, 8, 10, 12, 15, 18, 20, 25, 30])
    for (const p of [0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5])
      push(`short L${L} p${p}`, (_r, _id, s, _b, f) => s * Math.min(1, (f.length / L) ** p));
  for (const a of [0.02, 0.03, 0.05, 0.07, 0.1, 0.15])
    push(`asks x${1 - a}`, (r, id, s) => s * (asks(r, id) ? 1 - a : 1));
  // coordination as a tie-breaker: within eps of each other, more of the query's words first
  for (const eps of [0.005, 0.01, 0.02, 0.04])
    push(
      `coord tiebreak ${eps}`,
      (_r, _id, s, b, f, t) =>
        Math.round(s / (eps * b)) * eps * b +
        (t.length ? (f.held / t.length) * eps * b * 0.999 : 0),
    );
  for (const eps of [0.005, 0.01, 0.02, 0.04])
    push(
      `span tiebreak ${eps}`,
      (_r, _id, s, b, f) =>
        Math.round(s / (eps * b)) * eps * b +
        (Number.isFinite(f.span) ? (eps * b * 0.999) / (1 + f.span) : 0),
    );
  results.sort((x, y) => y[1] - x[1]);
  for (const [name, , tune, other, cats] of results)
    console.log(name.padEnd(22), 'tune', tune, 'other', other, 'cats', cats);
}

if (mode === 'recall') show('as ranked', (_r, _id, s) => s);

/** Whether the turn before `id` in its conversation ends in a question (the turn answers it). */
const answers = (row: Row, id: string) => {
  const info = turnsOf.get(row.conversation)!.get(id)!;
  const before = [...turnsOf.get(row.conversation)!.values()][info.index - 1];
  return before !== undefined && before.session === info.session && asks(row, before.turn.turnId);
};
if (mode === 'grid3') {
  show('main', (_r, _id, s) => s);
  for (const L of [10, 15, 20])
    for (const p of [0.1, 0.25, 0.5])
      show(`short, not answers L${L} p${p}`, (r, id, s, _b, f) =>
        answers(r, id) ? s : s * Math.min(1, (f.length / L) ** p),
      );
}
