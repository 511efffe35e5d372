/**
 * Response headers a browser client may read (Access-Control-Expose-Headers):
 * everything a client acts on that is not CORS-safelisted. A named list
 * rather than `*`, which browsers honour only for requests without
 * credentials; test/http/cors-exposed-headers.test.ts fails when an answer
 * carries a header this list leaves out.
 */
export const EXPOSED_HEADERS = [
  // The memory receipt and the turn's fate (receipt-headers.ts).
  'x-memory-tokens',
  'x-memory-tokens-stored',
  'x-memory-tokens-billed',
  'x-memory-receipt',
  'x-memory-tokens-retrieved',
  'x-memory-chunks-retrieved',
  'x-memory-turn',
  'x-memory-turn-reason',
  'x-memory-read-skipped',
  'x-memory-notice',
  // What fact extraction did (X-Memory-Extract), or that it is still to come.
  'x-memory-facts',
  'x-memory-facts-counts',
  'x-memory-facts-reason',
  'x-memory-facts-vault',
  'x-session-id',
  // An export's memory count, and its file name (Content-Disposition is not safelisted).
  'x-memory-count',
  'content-disposition',
  // Timings: the request's phases, and the drop-in routes' own headers (native-chat.ts).
  'server-timing',
  'x-mr-processing-ms',
  'x-mr-overhead-ms',
  'x-embedding-ms',
  'x-provider-response-ms',
  'x-total-ms',
  // When to retry: ours and the providers' (the official SDKs read all three).
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  // Ours, on every answer: the id a user quotes to support (core/request-log.ts).
  'x-memory-request-id',
  // The provider's request id (OpenAI's and ours in OpenAI's shape; Anthropic's), for support
  // tickets; ours where an error of our own on a drop-in route has no provider's (error-shapes.ts).
  'x-request-id',
  'request-id',
  'openai-processing-ms',
  // The providers' rate-limit state, passed through.
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  // Anthropic's four documented families, each with -limit, -remaining and -reset.
  'anthropic-ratelimit-requests-limit',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-limit',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-limit',
  'anthropic-ratelimit-input-tokens-remaining',
  'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-output-tokens-limit',
  'anthropic-ratelimit-output-tokens-remaining',
  'anthropic-ratelimit-output-tokens-reset',
] as const;
