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

/** The HTTP status each code answers with, wherever a status is the code's to set. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  PAYMENT_REQUIRED: 402,
  UPSTREAM_ERROR: 502,
};

/**
 * Every route answers with this code, naming the variables at fault (never
 * their values), while the deployment's configuration is invalid: a missing
 * or short secret, a number that does not parse, an unknown ENVIRONMENT (see
 * config-check.ts). It comes from the operator, not the request.
 */
export const CONFIGURATION_ERROR = 'CONFIGURATION_ERROR';

/** An unexpected error, masked: the code every surface gives it (no detail leaves the server). */
export const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';

/**
 * Every code a response can carry: the expected failures, the operator's
 * configuration error and the masked unexpected one. The typed client's
 * `ErrorCode` lists the same (test/client-error-codes.test.ts holds them equal).
 */
export const RESPONSE_ERROR_CODES = [
  ...ERROR_CODES,
  CONFIGURATION_ERROR,
  INTERNAL_SERVER_ERROR,
] as const;

/** An expected failure, reported to the caller with its code and a human message. */
export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** A finer, stable reason within the code, e.g. `VAULT_FULL` or `EMBEDDING_MISMATCH`. */
  reason?: string;
  /** More facts for the client, as CodedError's (e.g. `retryAfter` in seconds). */
  details?: Record<string, string | number>;
}

export type Result<T> = ({ ok: true } & T) | Failure;

export function failure(code: ErrorCode, message: string, reason?: string): Failure {
  return reason === undefined ? { ok: false, code, message } : { ok: false, code, message, reason };
}

/**
 * An expected failure raised anywhere in the Worker: a documented code, a
 * human message, a finer stable reason and facts for the client. Plain data
 * with no GraphQL in it, so every layer may throw it; each surface renders it
 * in its own shape (GraphQL `extensions` in src/http/graphql/client-errors.ts, the
 * REST routes' bodies in src/http/error-shapes.ts). Anything that is not a
 * CodedError is masked before a client sees it.
 */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason?: string,
    /** More facts for the client, e.g. an upstream status or retry delay. */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'CodedError';
  }

  static from(result: Failure): CodedError {
    return new CodedError(result.code, result.message, result.reason, result.details);
  }
}

/**
 * A request that needs something the operator has not set up (a secret this
 * deployment lacks, such as STRIPE_SECRET_KEY): CONFIGURATION_ERROR, as the
 * configuration guard answers, naming the variables at fault (never their
 * values) and a reason saying which feature is off. Apart from CodedError
 * because its code is not one of a request's own faults.
 */
export class ConfigurationError extends Error {
  readonly code = CONFIGURATION_ERROR;
  constructor(
    message: string,
    readonly reason: string,
    readonly variables: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigurationError';
  }
}
