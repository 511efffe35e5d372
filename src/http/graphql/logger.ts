import type { YogaLogger } from 'graphql-yoga';
import { isClientError } from './client-errors';
import { logError, logWarn } from '../../core/request-log';

/**
 * Yoga's logger. Errors the client caused (bad variables, operations over the
 * limits) are answered with a coded error and not logged: their messages quote
 * request input, which may hold anything, a secret pasted in the wrong field
 * included. Other errors are logged as name and message only.
 */
const describe = (arg: unknown) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : arg);

export const yogaLogger: YogaLogger = {
  debug: () => {},
  info: () => {},
  warn: (...args) => logWarn(...args.map(describe)),
  error: (...args) => {
    if (args.some((arg) => isClientError(arg))) return;
    logError(...args.map(describe));
  },
};
