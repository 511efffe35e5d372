import { CodedError } from '../core/errors';
import { referenceTimeProblem } from '../core/memory-time';

/**
 * Refuses a search's `now` outside the range of a memory's time
 * (core/memory-time.ts `referenceTimeProblem`), TIME_OUT_OF_RANGE with
 * `field` naming it (`now`, X-Memory-Now); left out (null) is server time.
 * Search, GraphQL chat and the drop-in routes all call it before they read
 * memory or call a provider, so a chat that searches nothing refuses it too.
 */
export function checkReferenceTime(now: Date | null | undefined, field: string): void {
  if (now == null) return;
  const refused = referenceTimeProblem(now.getTime(), Date.now());
  if (refused !== null)
    throw new CodedError('BAD_USER_INPUT', `${field} ${refused.problem}`, refused.reason);
}
