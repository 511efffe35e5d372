/**
 * The one reading of a window list: which KRONOS windows a search takes and
 * how many hits each. Every surface that takes one reads it here, so they
 * accept the same lists and refuse the same mistakes with the same reason:
 * the deployment's KRONOS_DEFAULT_HITS (config.ts, at startup), the drop-in
 * routes' X-Memory-Windows and `memory_windows` (resolvers/chat), and
 * GraphQL's `windows` (checked by kronos/plan.ts). Each surface still says it
 * in its own shape.
 *
 * In src/core, not src/kronos, because the settings are read into it and
 * core imports nothing above it (eslint.layers.js); kronos/windows.ts hands
 * the window names on to the layers above.
 */
import { CodedError } from './errors';
import { MAX_HITS_PER_WINDOW } from './limits';

/** The KRONOS windows, newest first (their bands are in src/kronos/windows.ts). */
export const MEMORY_WINDOWS = ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'] as const;
export type MemoryWindow = (typeof MEMORY_WINDOWS)[number];

/** One window of a list and the hits it returns. */
export interface WindowQuery {
  window: MemoryWindow;
  limit: number;
}

/**
 * The mistakes a window list can hold, each with its reason (the same on
 * every surface) and a rule that names no part of the list, for surfaces that
 * must not echo what they were given (a deployment's configuration check).
 */
const MISTAKES = {
  NOT_A_LIST: { reason: 'INVALID_WINDOWS', rule: 'must be a list of WINDOW:hits pairs' },
  NO_WINDOW: { reason: 'INVALID_WINDOWS', rule: 'names no window' },
  NOT_A_PAIR: { reason: 'INVALID_WINDOWS', rule: 'holds an item that is not WINDOW:hits' },
  UNKNOWN_WINDOW: {
    reason: 'INVALID_WINDOWS',
    rule: `names a window other than ${MEMORY_WINDOWS.join(', ')}`,
  },
  LISTED_TWICE: { reason: 'INVALID_WINDOWS', rule: 'lists a window twice' },
  BAD_HITS: {
    reason: 'OUT_OF_RANGE',
    rule: `gives a window hits that are not a whole number from 0 to ${MAX_HITS_PER_WINDOW}`,
  },
} as const;

export type WindowListMistake = keyof typeof MISTAKES;

/** A window list refused: BAD_USER_INPUT with the mistake's reason, and the mistake's rule for surfaces that must not quote the list. */
export class WindowListError extends CodedError {
  readonly rule: string;

  constructor(
    readonly mistake: WindowListMistake,
    message: string,
  ) {
    super('BAD_USER_INPUT', message, MISTAKES[mistake].reason);
    this.rule = MISTAKES[mistake].rule;
  }
}

/** Whether a window may return this many hits: a whole number from 0 to MAX_HITS_PER_WINDOW. */
export function isHitCount(limit: unknown): limit is number {
  return (
    typeof limit === 'number' &&
    Number.isInteger(limit) &&
    limit >= 0 &&
    limit <= MAX_HITS_PER_WINDOW
  );
}

/**
 * Checks a list of windows as a search will run it: at least one window (an
 * empty list would search nothing and answer as if nothing matched), each a
 * KRONOS window, none twice, each with 0–MAX_HITS_PER_WINDOW hits. `where`
 * starts each message (`windows`, `X-Memory-Windows`), `hint` ends it.
 */
export function checkWindowList(
  queries: readonly { window: string; limit: unknown }[],
  where: string,
  hint = '',
): WindowQuery[] {
  const refuse = (mistake: WindowListMistake, problem: string): never => {
    throw new WindowListError(mistake, `${where}: ${problem}${hint}`);
  };
  if (queries.length === 0) refuse('NO_WINDOW', 'names no window (leave it out for the defaults)');
  const seen = new Set<string>();
  for (const { window, limit } of queries) {
    if (!(MEMORY_WINDOWS as readonly string[]).includes(window))
      refuse('UNKNOWN_WINDOW', `unknown window ${JSON.stringify(window)}`);
    if (seen.has(window)) refuse('LISTED_TWICE', `${window} is listed twice`);
    seen.add(window);
    if (!isHitCount(limit))
      refuse('BAD_HITS', `${window} needs a whole number of hits from 0 to ${MAX_HITS_PER_WINDOW}`);
  }
  return queries as WindowQuery[];
}

const SYNTAX_HINT = ` (windows ${MEMORY_WINDOWS.join(', ')}, each with 0–${MAX_HITS_PER_WINDOW} hits, e.g. HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4)`;

/** A count as written: a number, or text of decimal digits only ("4", not "4.0", "0x4" or "-1"). */
const hitsOf = (hits: unknown): unknown =>
  typeof hits === 'string' ? (/^\s*\d+\s*$/.test(hits) ? Number(hits) : Number.NaN) : hits;

/**
 * Reads a window list as text, `HOT=4,ARCHIVE=2` or `HOT:4,ARCHIVE:2` (both
 * separators, since the drop-in headers are documented with `=` and
 * KRONOS_DEFAULT_HITS with `:`), or as an object `{"HOT": 4, "ARCHIVE": 2}`
 * (a JSON body). Window names in any case, spaces around the parts and empty
 * items (a trailing comma) are let be; then checkWindowList's rules.
 */
export function readWindowList(raw: unknown, where: string): WindowQuery[] {
  const refuse = (mistake: WindowListMistake, problem: string): never => {
    throw new WindowListError(mistake, `${where}: ${problem}${SYNTAX_HINT}`);
  };
  let pairs: [string, unknown][];
  if (typeof raw === 'string') {
    pairs = raw
      .split(',')
      .filter((item) => item.trim() !== '')
      .map((item) => {
        const pair = /^([^=:]*)[=:](.*)$/.exec(item);
        return pair === null
          ? refuse('NOT_A_PAIR', `${JSON.stringify(item.trim())} is not WINDOW=hits`)
          : [pair[1]!, pair[2]!];
      });
  } else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    pairs = Object.entries(raw);
  } else {
    return refuse(
      'NOT_A_LIST',
      'must be a list like HOT=4,ARCHIVE=2 or an object of hits per window',
    );
  }
  return checkWindowList(
    pairs.map(([name, hits]) => ({ window: name.trim().toUpperCase(), limit: hitsOf(hits) })),
    where,
    SYNTAX_HINT,
  );
}
