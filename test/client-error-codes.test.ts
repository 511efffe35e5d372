import { describe, expect, expectTypeOf, it } from 'vitest';
import { CLIENT_ERROR_CODES, SERVER_ERROR_CODES } from '../packages/client/src/index';
import type { ErrorCode } from '../packages/client/src/index';
import { RESPONSE_ERROR_CODES } from '../src/core/errors';

/**
 * The typed client's ErrorCode lists every code the server can answer, so
 * `isMemoryRouterError(error, code)` type-checks for each of them (review 94,
 * finding 7: CONFIGURATION_ERROR was missing). A code added on the server
 * fails this file (and tsc) until the client lists it too.
 */
describe("the client's error codes", () => {
  it('are exactly the server’s response codes, plus the client’s own', () => {
    expect([...SERVER_ERROR_CODES].sort()).toEqual([...RESPONSE_ERROR_CODES].sort());
    expect(CLIENT_ERROR_CODES.filter((code) => SERVER_ERROR_CODES.includes(code as never))).toEqual(
      [],
    );
  });

  it('type every server code as a client ErrorCode', () => {
    expectTypeOf<(typeof RESPONSE_ERROR_CODES)[number]>().toExtend<ErrorCode>();
    expectTypeOf<'CONFIGURATION_ERROR'>().toExtend<ErrorCode>();
  });
});
