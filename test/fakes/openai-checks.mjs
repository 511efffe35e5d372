// How OpenAI (and OpenRouter, and compatible servers) refuse a request: the
// error body, and the checks chat completions and responses share (the API
// key, the body's fields, the model, stream_options).

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

/**
 * A JSON object holding only `fields` (and, on OpenRouter, `openRouterFields`),
 * naming a model the host serves.
 */
export function checkFieldsAndModel(body, spec, fields, openRouterFields = new Set()) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refusal(400, 'We could not parse the JSON body of your request.');
  }
  for (const field of Object.keys(body)) {
    if (!fields.has(field) && !(spec.name === 'openrouter' && openRouterFields.has(field))) {
      throw new Refusal(400, `Unrecognized request argument supplied: ${field}`);
    }
  }
  if (typeof body.model !== 'string')
    throw new Refusal(400, "Missing required parameter: 'model'.", { param: 'model' });
  if (!spec.model.test(body.model)) {
    throw new Refusal(
      404,
      `The model \`${body.model}\` does not exist or you do not have access to it.`,
      { code: 'model_not_found' },
    );
  }
}

/** stream_options goes with stream: true only. */
export function checkStreamOptions(body) {
  if (body.stream_options !== undefined && body.stream !== true) {
    throw new Refusal(
      400,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      { param: 'stream_options' },
    );
  }
}
