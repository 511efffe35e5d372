import { CodedError } from '../../core/errors';
import { MAX_HITS_PER_WINDOW } from '../../core/limits';
import type { WindowQuery } from '../../kronos/plan';
import { MEMORY_WINDOWS, type MemoryWindow } from '../../kronos/windows';

const EXAMPLE = 'HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4';

const refuse = (where: string, problem: string): never => {
  throw new CodedError(
    'BAD_USER_INPUT',
    `${where}: ${problem} (windows ${MEMORY_WINDOWS.join(', ')}, each with 0–${MAX_HITS_PER_WINDOW} hits, e.g. ${EXAMPLE})`,
    'MEMORY_CONTROL',
  );
};

function windowQuery(where: string, name: string, hits: unknown): WindowQuery {
  const window = name.trim().toUpperCase();
  if (!(MEMORY_WINDOWS as readonly string[]).includes(window))
    refuse(where, `unknown window ${JSON.stringify(name.trim())}`);
  const limit = typeof hits === 'string' && /^\s*\d+\s*$/.test(hits) ? Number(hits) : hits;
  if (
    typeof limit !== 'number' ||
    !Number.isInteger(limit) ||
    limit < 0 ||
    limit > MAX_HITS_PER_WINDOW
  )
    refuse(where, `${window} needs a whole number of hits from 0 to ${MAX_HITS_PER_WINDOW}`);
  return { window: window as MemoryWindow, limit: limit as number };
}

/**
 * The KRONOS windows a drop-in request asks for, as GraphQL chat's `windows`
 * does: `HOT=4,ARCHIVE=2` (X-Memory-Windows, or `memory_windows` in the
 * body), or in the body an object `{"HOT": 4, "ARCHIVE": 2}`. Windows not
 * listed are not searched; a window listed twice, an unknown window or a
 * hit count out of range is refused before anything is searched or stored.
 */
export function parseWindowControl(raw: unknown, where: string): WindowQuery[] {
  let pairs: [string, unknown][];
  if (typeof raw === 'string') {
    pairs = raw
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => {
        const match = /^([^=:]*)[=:](.*)$/.exec(part);
        return match === null
          ? refuse(where, `${JSON.stringify(part.trim())} is not WINDOW=hits`)
          : [match[1]!, match[2]!];
      });
  } else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    pairs = Object.entries(raw);
  } else {
    return refuse(where, 'must be a list like HOT=4,ARCHIVE=2 or an object of hits per window');
  }
  if (pairs.length === 0) refuse(where, 'names no window');
  const queries = pairs.map(([name, hits]) => windowQuery(where, name, hits));
  const seen = new Set<MemoryWindow>();
  for (const { window } of queries) {
    if (seen.has(window)) refuse(where, `${window} is listed twice`);
    seen.add(window);
  }
  return queries;
}
