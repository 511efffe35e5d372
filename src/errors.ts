import { GraphQLError } from 'graphql';

/**
 * The fixed set of error codes clients can rely on (`extensions.code` in GraphQL,
 * `error.code` on REST routes). Durable Objects return these inside plain
 * `{ ok: false }` results because a thrown error's own fields do not reliably
 * survive an RPC boundary.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'PAYMENT_REQUIRED',
  'UPSTREAM_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Every route answers with this code, naming the variables at fault (never
 * their values), while the deployment's configuration is invalid: a missing
 * or short secret, a number that does not parse, an unknown ENVIRONMENT (see
 * config-check.ts). It comes from the operator, not the request.
 */
export const CONFIGURATION_ERROR = 'CONFIGURATION_ERROR';

/** An expected failure, reported to the caller with its code and a human message. */
export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** A finer, stable reason within the code, e.g. `VAULT_FULL` or `EMBEDDING_MISMATCH`. */
  reason?: string;
}

export type Result<T> = ({ ok: true } & T) | Failure;

export function failure(code: ErrorCode, message: string, reason?: string): Failure {
  return reason === undefined ? { ok: false, code, message } : { ok: false, code, message, reason };
}

/**
 * An expected failure raised inside the Worker. It is a GraphQLError carrying
 * its code (and reason) in `extensions`, so GraphQL reports it as is, while
 * error masking still hides every unexpected error.
 */
export class CodedError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason?: string,
    /** More facts for the client, e.g. an upstream status or retry delay. */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message, {
      extensions: { code, ...(reason === undefined ? {} : { reason }), ...details },
    });
    this.name = 'CodedError';
  }

  static from(result: Failure): CodedError {
    return new CodedError(result.code, result.message, result.reason);
  }
}

/** Unwraps an RPC result, turning an expected failure into a thrown CodedError. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw CodedError.from(result);
  return result;
}
