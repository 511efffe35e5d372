/**
 * The codes the API puts in `extensions.code` (GraphQL) or `error.code` (REST
 * routes): the server's RESPONSE_ERROR_CODES (src/core/errors.ts), which
 * test/client-error-codes.test.ts holds equal to this list.
 */
export const SERVER_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'PAYMENT_REQUIRED',
  'UPSTREAM_ERROR',
  /** The deployment's variables or secrets are invalid (HTTP 503); `extensions.variables` names them. */
  'CONFIGURATION_ERROR',
  /** An unexpected server error, masked. */
  'INTERNAL_SERVER_ERROR',
] as const;

/**
 * The client's own: NETWORK_ERROR when no answer arrived, UNEXPECTED_RESPONSE
 * when the answer was not the API's, INVALID_KEY when the memory key holds a
 * character no HTTP header can carry (outside Latin-1, or a line break), so
 * nothing was sent.
 */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'UNEXPECTED_RESPONSE', 'INVALID_KEY'] as const;

/** Every `code` a MemoryRouterError can have. */
export type ErrorCode = (typeof SERVER_ERROR_CODES)[number] | (typeof CLIENT_ERROR_CODES)[number];

/** One error as the GraphQL response lists it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/**
 * A refusal or failure reported by MemoryRouter. `code` is one of a fixed
 * set; `reason` is a finer, stable name within it (e.g. `VAULT_FULL`).
 */
export class MemoryRouterError extends Error {
  override readonly name = 'MemoryRouterError';
  /** Every error of the response (the first one names this exception). */
  readonly errors: readonly GraphQLErrorEntry[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason: string | undefined,
    /** The HTTP status, when the failure came with one. */
    readonly status: number | undefined,
    /** Other facts the server gave, e.g. `retryAfter` or an upstream `status`. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    errors: readonly GraphQLErrorEntry[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.errors = errors;
  }
}

/** Whether `error` is a MemoryRouterError, optionally with one of `codes`. */
export function isMemoryRouterError(
  error: unknown,
  ...codes: ErrorCode[]
): error is MemoryRouterError {
  return error instanceof MemoryRouterError && (codes.length === 0 || codes.includes(error.code));
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** The exception for a GraphQL response's `errors`. */
export function fromGraphQLErrors(
  errors: readonly GraphQLErrorEntry[],
  status: number | undefined,
): MemoryRouterError {
  const first = errors[0] ?? { message: 'the server reported an error without a message' };
  const extensions = first.extensions ?? {};
  return new MemoryRouterError(
    (text(extensions.code) as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR',
    first.message,
    text(extensions.reason),
    status,
    extensions,
    errors,
  );
}

/**
 * The exception for a failed REST answer: `{ error: { code, message, reason } }`
 * (vault routes), `{ errors: [...] }` (refusals before GraphQL runs), or
 * anything else (e.g. a proxy's HTML page).
 */
export async function fromFailedResponse(response: Response): Promise<MemoryRouterError> {
  const body: unknown = await response.json().catch(() => null);
  if (typeof body === 'object' && body !== null) {
    const { error, errors } = body as { error?: unknown; errors?: unknown };
    if (Array.isArray(errors) && errors.length > 0)
      return fromGraphQLErrors(errors as GraphQLErrorEntry[], response.status);
    if (typeof error === 'object' && error !== null) {
      const fields = error as Record<string, unknown>;
      return new MemoryRouterError(
        (text(fields.code) as ErrorCode | undefined) ?? 'UNEXPECTED_RESPONSE',
        text(fields.message) ?? `HTTP ${response.status}`,
        text(fields.reason),
        response.status,
        fields,
      );
    }
  }
  return new MemoryRouterError(
    'UNEXPECTED_RESPONSE',
    `HTTP ${response.status} ${response.statusText}`.trim(),
    undefined,
    response.status,
  );
}

/** The exception for a request that got no answer at all. */
export function networkError(url: string, cause: unknown): MemoryRouterError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MemoryRouterError(
    'NETWORK_ERROR',
    `could not reach ${url}: ${detail}`,
    undefined,
    undefined,
    {},
    [],
    { cause },
  );
}

/**
 * The exception for a memory key that cannot be sent, or null when it can.
 * An HTTP header carries Latin-1 without line breaks; `fetch` throws on
 * anything else before sending (a line break or NUL too, except trailing
 * whitespace, which it drops), which would read as NETWORK_ERROR. A typed
 * "…" (the docs' `mk_…` placeholder) or a pasted line break is the usual cause.
 */
export function unsendableKeyError(key: string): MemoryRouterError | null {
  // Trailing whitespace is dropped from a header value, so it can be sent.
  const characters = [...key.replace(/[\t\n\r ]+$/, '')];
  const index = characters.findIndex((character) => {
    const code = character.codePointAt(0)!;
    return code > 0xff || code === 0 || code === 0x0a || code === 0x0d;
  });
  if (index === -1) return null;
  const character = characters[index]!;
  const code = character.codePointAt(0)!;
  const named = `U+${code.toString(16).toUpperCase().padStart(4, '0')}${code > 0xff ? ` (${character})` : ''}`;
  return new MemoryRouterError(
    'INVALID_KEY',
    `the memory key cannot be sent: it holds ${named} at character ${index + 1}, which no HTTP header can carry; a memory key is plain ASCII (mk_…), copy it whole as \`memoryrouter keys create\` printed it`,
    undefined,
    undefined,
  );
}
