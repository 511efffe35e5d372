import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/core/config';
import { configurationProblems } from '../src/core/config-check';
import {
  checkWindowList,
  readWindowList,
  WindowListError,
  type WindowListMistake,
  type WindowQuery,
} from '../src/core/window-list';
import { SearchDocument } from './generated/graphql';
import { postJson, upstreamCalls } from './helpers/drop-in';
import { resetFakes } from './helpers/fakes';
import { withoutRequestId, newKey, post } from './helpers/graphql';

/**
 * One reading of every window list (src/core/window-list.ts): what
 * KRONOS_DEFAULT_HITS, X-Memory-Windows / `memory_windows` and GraphQL's
 * `windows` accept, and the reason each mistake gets on all of them.
 */

const q = (window: WindowQuery['window'], limit: number): WindowQuery => ({ window, limit });

/** The thrown WindowListError's mistake, code, reason and message, or the value when none is thrown. */
function refusalOf(read: () => unknown) {
  try {
    return { accepted: read() };
  } catch (error) {
    if (!(error instanceof WindowListError)) throw error;
    const { mistake, code, reason, message } = error;
    return { mistake, code, reason, message };
  }
}

describe('readWindowList', () => {
  const ACCEPTED: [unknown, WindowQuery[]][] = [
    // README: the drop-in header's example, and KRONOS_DEFAULT_HITS' default and example.
    [
      'HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4',
      [q('HOT', 4), q('WORKING', 4), q('LONG_TERM', 4), q('ARCHIVE', 4)],
    ],
    ['HOT:4,WORKING:4,LONG_TERM:4', [q('HOT', 4), q('WORKING', 4), q('LONG_TERM', 4)]],
    [
      'HOT:4,WORKING:4,LONG_TERM:4,ARCHIVE:2',
      [q('HOT', 4), q('WORKING', 4), q('LONG_TERM', 4), q('ARCHIVE', 2)],
    ],
    // Any case, spaces, a trailing comma, none and the most hits.
    ['archive:2', [q('ARCHIVE', 2)]],
    [' long_term = 0 , HOT=50 ,', [q('LONG_TERM', 0), q('HOT', 50)]],
    // A JSON body's object, numbers or digits.
    [{ ARCHIVE: 4, hot: '2' }, [q('ARCHIVE', 4), q('HOT', 2)]],
  ];

  for (const [raw, queries] of ACCEPTED) {
    it(`reads ${JSON.stringify(raw)}`, () => {
      expect(readWindowList(raw, 'X-Memory-Windows')).toEqual(queries);
    });
  }

  const REFUSED: [unknown, WindowListMistake, string, RegExp][] = [
    ['', 'NO_WINDOW', 'INVALID_WINDOWS', /^w: names no window/],
    [' , ,', 'NO_WINDOW', 'INVALID_WINDOWS', /^w: names no window/],
    [{}, 'NO_WINDOW', 'INVALID_WINDOWS', /^w: names no window/],
    ['ARCHIV=4', 'UNKNOWN_WINDOW', 'INVALID_WINDOWS', /^w: unknown window "ARCHIV"/],
    ['HOT=4,WORKING', 'NOT_A_PAIR', 'INVALID_WINDOWS', /^w: "WORKING" is not WINDOW=hits/],
    ['HOT=4,hot:2', 'LISTED_TWICE', 'INVALID_WINDOWS', /^w: HOT is listed twice/],
    [{ HOT: 1, Hot: 2 }, 'LISTED_TWICE', 'INVALID_WINDOWS', /^w: HOT is listed twice/],
    [['HOT'], 'NOT_A_LIST', 'INVALID_WINDOWS', /^w: must be a list/],
    [4, 'NOT_A_LIST', 'INVALID_WINDOWS', /^w: must be a list/],
    [null, 'NOT_A_LIST', 'INVALID_WINDOWS', /^w: must be a list/],
    // Hits: a whole decimal number from 0 to 50, nothing Number() would also take.
    ...['51', '-1', '2.5', '0x10', '1e1', '', ' ', '4:5', '99999999999999999999'].map(
      (hits): [unknown, WindowListMistake, string, RegExp] => [
        `HOT=${hits}`,
        'BAD_HITS',
        'OUT_OF_RANGE',
        /^w: HOT needs a whole number of hits from 0 to 50/,
      ],
    ),
    ...[4.5, -1, 51, null, true, '4.0'].map(
      (hits): [unknown, WindowListMistake, string, RegExp] => [
        { HOT: hits },
        'BAD_HITS',
        'OUT_OF_RANGE',
        /^w: HOT needs a whole number/,
      ],
    ),
  ];

  for (const [raw, mistake, reason, message] of REFUSED) {
    it(`refuses ${JSON.stringify(raw)}: ${mistake} (${reason})`, () => {
      const refused = refusalOf(() => readWindowList(raw, 'w'));
      expect(refused).toMatchObject({ mistake, code: 'BAD_USER_INPUT', reason });
      expect(refused.message).toMatch(message);
      // Every refusal says what a list looks like.
      expect(refused.message).toContain('e.g. HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=4');
    });
  }

  it('checks a list already in windows (GraphQL) by the same rules', () => {
    expect(checkWindowList([q('ARCHIVE', 5)], 'windows')).toEqual([q('ARCHIVE', 5)]);
    expect(refusalOf(() => checkWindowList([], 'windows'))).toMatchObject({
      reason: 'INVALID_WINDOWS',
      message: 'windows: names no window (leave it out for the defaults)',
    });
    expect(refusalOf(() => checkWindowList([q('HOT', 1), q('HOT', 2)], 'windows'))).toMatchObject({
      reason: 'INVALID_WINDOWS',
      message: 'windows: HOT is listed twice',
    });
    expect(refusalOf(() => checkWindowList([q('HOT', 51)], 'windows'))).toMatchObject({
      reason: 'OUT_OF_RANGE',
      message: 'windows: HOT needs a whole number of hits from 0 to 50',
    });
  });
});

/**
 * The mistakes every surface can meet (GraphQL's enum and Int refuse an
 * unknown window or a fraction in the engine, before any list is read), as
 * text for the header and the setting and as windows for GraphQL.
 */
const SAME_MISTAKES: { mistake: string; text: string; windows: WindowQuery[]; reason: string }[] = [
  {
    mistake: 'a window twice',
    text: 'HOT=4,HOT=2',
    windows: [q('HOT', 4), q('HOT', 2)],
    reason: 'INVALID_WINDOWS',
  },
  { mistake: 'no window', text: ',', windows: [], reason: 'INVALID_WINDOWS' },
  {
    mistake: 'more hits than a window returns',
    text: 'ARCHIVE=51',
    windows: [q('ARCHIVE', 51)],
    reason: 'OUT_OF_RANGE',
  },
  { mistake: 'a negative count', text: 'HOT=-1', windows: [q('HOT', -1)], reason: 'OUT_OF_RANGE' },
];

describe('the same mistake in a window list gets the same reason on every surface', () => {
  beforeEach(resetFakes);

  it('GraphQL search `windows`: a coded GraphQL error', async () => {
    const { secret } = await newKey();
    for (const { mistake, windows, reason } of SAME_MISTAKES) {
      const result = await post(SearchDocument, { input: { query: 'x', windows } }, secret);
      expect(
        result.errors?.map((error) => withoutRequestId(error.extensions)),
        mistake,
      ).toEqual([{ code: 'BAD_USER_INPUT', reason }]);
    }
  });

  it('drop-in X-Memory-Windows: a 400 in the provider’s shape, and no provider call', async () => {
    const { secret } = await newKey();
    for (const { mistake, text, reason } of SAME_MISTAKES) {
      const response = await postJson(
        '/v1/chat/completions',
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
        {
          authorization: `Bearer ${secret}`,
          'x-provider-key': 'sk-test',
          'x-memory-windows': text,
        },
      );
      expect(response.status, mistake).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; reason: string } };
      expect(error, mistake).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('KRONOS_DEFAULT_HITS: a problem at the configuration check, naming the reason, not the value', () => {
    // Before: a window twice or 51 hits passed the check, and then every
    // search and chat that left windows out failed.
    const RULES: Record<string, string> = {
      'a window twice': 'lists a window twice',
      'no window': 'names no window',
      'more hits than a window returns':
        'gives a window hits that are not a whole number from 0 to 50',
      'a negative count': 'gives a window hits that are not a whole number from 0 to 50',
    };
    for (const { mistake, text, reason } of SAME_MISTAKES) {
      const problems = configurationProblems({
        ...env,
        KRONOS_DEFAULT_HITS: text.replaceAll('=', ':'),
      });
      expect(problems, mistake).toEqual([
        {
          variable: 'KRONOS_DEFAULT_HITS',
          problem: `${RULES[mistake]} (${reason}), e.g. HOT:4,WORKING:4,LONG_TERM:4`,
          reason: 'KRONOS_DEFAULT_HITS_INVALID',
        },
      ]);
    }
  });

  it('KRONOS_DEFAULT_HITS: the documented lists, and the header’s `=`, are read', () => {
    expect(readConfig({}).defaultWindows).toEqual([
      q('HOT', 4),
      q('WORKING', 4),
      q('LONG_TERM', 4),
    ]);
    for (const setting of [
      'HOT:4,WORKING:4,LONG_TERM:4,ARCHIVE:2',
      'HOT=4,WORKING=4,LONG_TERM=4,ARCHIVE=2',
    ])
      expect(readConfig({ KRONOS_DEFAULT_HITS: setting }).defaultWindows).toEqual([
        q('HOT', 4),
        q('WORKING', 4),
        q('LONG_TERM', 4),
        q('ARCHIVE', 2),
      ]);
  });
});
