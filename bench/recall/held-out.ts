/**
 * Judging a ranking change by holding out conversations (the expansion study,
 * expansion.study.ts): for each conversation, the setting of a family that
 * does best on the other conversations (mean of recall@5 and @10; `base`
 * unless one is strictly better) ranks that conversation's questions. The
 * pooled figures are what a setting chosen on our conversations would give
 * on unseen ones; per conversation and per category, against `base`.
 */

/** One question with the top ten turn ids each setting ranked (`base`: the vault's TEXT). */
export interface StudyRow {
  conversation: string;
  category: number;
  question: string;
  evidence: string[];
  settings: Record<string, string[]>;
}

export interface HeldOut {
  /** Pooled held-out recall @5, @10 and the same for `base`. */
  pooled: [number, number];
  base: [number, number];
  /** Held-out minus base, per conversation and per category, @5 and @10. */
  byConversation: Map<string, [number, number]>;
  byCategory: Map<number, [number, number]>;
  /** The setting each held-out conversation got. */
  chosen: Map<string, string>;
}

const recall = (row: StudyRow, list: readonly string[], k: number) =>
  row.evidence.filter((id) => list.slice(0, k).includes(id)).length / row.evidence.length;

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / (values.length || 1);

/** Recall @5 and @10 of `rows` where `pick` names the list each question is ranked by. */
export function recallOf(
  rows: readonly StudyRow[],
  pick: (row: StudyRow) => readonly string[],
): [number, number] {
  return [
    mean(rows.map((row) => recall(row, pick(row), 5))),
    mean(rows.map((row) => recall(row, pick(row), 10))),
  ];
}

/**
 * Five-fold (one per conversation) choice among `settings`; `applies` says
 * which questions a setting changes (the others keep `base`).
 */
export function holdOut(
  rows: readonly StudyRow[],
  settings: readonly string[],
  applies: (row: StudyRow) => boolean = () => true,
): HeldOut {
  const listOf = (setting: string) => (row: StudyRow) =>
    row.settings[applies(row) ? setting : 'base']!;
  const conversations = [...new Set(rows.map((row) => row.conversation))].sort();
  const chosen = new Map<string, string>();
  for (const held of conversations) {
    const train = rows.filter((row) => row.conversation !== held);
    const [b5, b10] = recallOf(train, listOf('base'));
    let best = { setting: 'base', score: b5 + b10 };
    for (const setting of settings) {
      const [r5, r10] = recallOf(train, listOf(setting));
      if (r5 + r10 > best.score + 1e-12) best = { setting, score: r5 + r10 };
    }
    chosen.set(held, best.setting);
  }
  const heldList = (row: StudyRow) => listOf(chosen.get(row.conversation)!)(row);
  const delta = (subset: readonly StudyRow[]): [number, number] => {
    const [h5, h10] = recallOf(subset, heldList);
    const [b5, b10] = recallOf(subset, listOf('base'));
    return [h5 - b5, h10 - b10];
  };
  return {
    pooled: recallOf(rows, heldList),
    base: recallOf(rows, listOf('base')),
    byConversation: new Map(
      conversations.map((c) => [c, delta(rows.filter((row) => row.conversation === c))]),
    ),
    byCategory: new Map(
      [1, 2, 3, 4].map((c) => [c, delta(rows.filter((row) => row.category === c))]),
    ),
    chosen,
  };
}
