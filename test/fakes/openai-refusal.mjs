// How OpenAI (and OpenRouter, and compatible servers) refuse a request: the
// error body and the API key check, shared by chat completions and responses.

export class Refusal extends Error {
  constructor(
    status,
    message,
    { type = 'invalid_request_error', param = null, code = null, headers = {} } = {},
  ) {
    super(message);
    this.status = status;
    this.body = { error: { message, type, param, code } };
    this.headers = headers;
  }
}

/** OpenAI quotes a refused key with its middle masked: first 4 and last 4 characters kept. */
function masked(key) {
  return key.length <= 8
    ? '*'.repeat(key.length)
    : `${key.slice(0, 4)}${'*'.repeat(key.length - 8)}${key.slice(-4)}`;
}

/** The bearer key, checked against the host's key prefix (none for a compatible server). */
export function checkKey(spec, headers) {
  const key = headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
  if (spec.keyPrefix === null || key.startsWith(spec.keyPrefix)) return;
  if (spec.name === 'openrouter')
    throw new Refusal(401, 'No auth credentials found', { code: 401 });
  throw new Refusal(
    401,
    `Incorrect API key provided: ${masked(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    { code: 'invalid_api_key' },
  );
}
