// OpenAI's Responses API (POST /v1/responses), as api.openai.com, openrouter.ai
// and an OpenAI-compatible server speak it: the body checked as OpenAI checks
// it (fields, input items and their parts, tools, text.format, function call
// outputs answering a call), responses stored unless `store: false` so that
// `previous_response_id` chains, and answers as a Response object or as its
// named SSE events (response.created … response.completed, numbered). Besides
// sse.mjs's modes, a scripted `failed` stream ends in response.failed. Kept
// responses can be read back (also as a stream), deleted, cancelled while
// queued in the background, and their input items listed.

import { answerFor, argumentPieces, piecesOf, tokensOf } from './answers.mjs';
import { checkFieldsAndModel, checkStreamOptions, Refusal } from './openai-checks.mjs';
import { hangingResponse, sseResponse } from './sse.mjs';

const FIELDS = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'temperature',
  'top_p',
  'top_logprobs',
  'max_output_tokens',
  'max_tool_calls',
  'previous_response_id',
  'conversation',
  'store',
  'metadata',
  'reasoning',
  'truncation',
  'user',
  'include',
  'background',
  'service_tier',
  'prompt',
  'prompt_cache_key',
  'safety_identifier',
]);
const ITEM_TYPES = [
  'message',
  'function_call',
  'function_call_output',
  'reasoning',
  'item_reference',
  'web_search_call',
  'file_search_call',
];
const PART_TYPES = {
  user: ['input_text', 'input_image', 'input_file'],
  system: ['input_text', 'input_image', 'input_file'],
  developer: ['input_text', 'input_image', 'input_file'],
  assistant: ['output_text', 'refusal'],
};
const BUILT_IN_TOOLS = ['web_search', 'web_search_preview', 'file_search', 'code_interpreter'];

/** Responses kept (store defaults to true), by id: their input items, output and predecessor. */
export const storedResponses = new Map();

const isMessage = (item) => item?.type === undefined || item?.type === 'message';

const textOf = (content) =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content
          .filter((p) => p.type === 'input_text' || p.type === 'output_text')
          .map((p) => p.text)
          .join('\n')
      : '';

/** Call ids of the function calls a chain of stored responses made or was given. */
function callIdsOf(responseId) {
  const ids = new Set();
  for (let at = storedResponses.get(responseId); at; at = storedResponses.get(at.previous)) {
    for (const item of [...at.items, ...at.output])
      if (item.type === 'function_call') ids.add(item.call_id);
  }
  return ids;
}

function check(body, spec) {
  checkFieldsAndModel(body, spec, FIELDS);
  if (typeof body.input !== 'string' && !Array.isArray(body.input) && body.prompt === undefined)
    throw new Refusal(400, "Missing required parameter: 'input'.", { param: 'input' });
  if (
    body.instructions !== undefined &&
    body.instructions !== null &&
    typeof body.instructions !== 'string'
  ) {
    throw new Refusal(400, "Invalid type for 'instructions': expected a string.", {
      param: 'instructions',
    });
  }
  checkStreamOptions(body);
  if (body.previous_response_id !== undefined && body.conversation !== undefined) {
    throw new Refusal(
      400,
      "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
      { code: 'mutually_exclusive_parameters' },
    );
  }
  if (body.previous_response_id !== undefined && !storedResponses.has(body.previous_response_id)) {
    throw new Refusal(400, `Previous response with id '${body.previous_response_id}' not found.`, {
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    });
  }
  const calls = callIdsOf(body.previous_response_id);
  (Array.isArray(body.input) ? body.input : []).forEach((item, index) => {
    if (!ITEM_TYPES.includes(item?.type ?? 'message'))
      throw new Refusal(
        400,
        `Invalid value: '${item?.type}'. Supported values are: ${ITEM_TYPES.map((t) => `'${t}'`).join(', ')}.`,
        { param: `input[${index}].type`, code: 'invalid_value' },
      );
    if (isMessage(item)) {
      const allowed = PART_TYPES[item.role];
      if (!allowed)
        throw new Refusal(
          400,
          `Invalid value: '${item.role}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`,
          { param: `input[${index}].role`, code: 'invalid_value' },
        );
      if (typeof item.content !== 'string' && !Array.isArray(item.content))
        throw new Refusal(400, `Missing required parameter: 'input[${index}].content'.`, {
          param: `input[${index}].content`,
        });
      (Array.isArray(item.content) ? item.content : []).forEach((part, at) => {
        if (!allowed.includes(part?.type))
          throw new Refusal(
            400,
            `Invalid value: '${part?.type}'. Supported values are: ${allowed.map((t) => `'${t}'`).join(', ')}.`,
            { param: `input[${index}].content[${at}]`, code: 'invalid_value' },
          );
        if (
          part.type === 'input_image' &&
          typeof part.image_url !== 'string' &&
          typeof part.file_id !== 'string'
        )
          throw new Refusal(
            400,
            `Missing required parameter: 'input[${index}].content[${at}].image_url'.`,
          );
      });
    }
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type === 'function_call_output' && !calls.has(item.call_id))
      throw new Refusal(
        400,
        `No tool call found for function call output with call_id ${item.call_id}.`,
        { param: 'input' },
      );
  });
  const names = new Set();
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (BUILT_IN_TOOLS.includes(tool?.type)) continue;
    if (tool?.type !== 'function' || !/^[\w-]{1,64}$/.test(String(tool.name)))
      throw new Refusal(400, `Invalid 'tools[${index}]'.`, { param: `tools[${index}]` });
    names.add(tool.name);
  }
  const choice = body.tool_choice;
  if (
    choice !== undefined &&
    !['auto', 'none', 'required'].includes(choice) &&
    !(choice?.type === 'function' && names.has(choice.name)) &&
    !BUILT_IN_TOOLS.includes(choice?.type)
  ) {
    throw new Refusal(400, "Invalid value for 'tool_choice'.", { param: 'tool_choice' });
  }
  const format = body.text?.format;
  if (format !== undefined) {
    if (!['text', 'json_object', 'json_schema'].includes(format?.type))
      throw new Refusal(400, "Invalid value for 'text.format.type'.", {
        param: 'text.format.type',
      });
    if (format.type === 'json_schema' && typeof format.name !== 'string')
      throw new Refusal(400, "Missing required parameter: 'text.format.name'.", {
        param: 'text.format.name',
      });
    if (format.type === 'json_schema' && typeof format.schema !== 'object')
      throw new Refusal(400, "Missing required parameter: 'text.format.schema'.", {
        param: 'text.format.schema',
      });
    if (
      format.type === 'json_object' &&
      !/json/i.test(JSON.stringify([body.input, body.instructions]))
    )
      throw new Refusal(
        400,
        "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
        { param: 'input' },
      );
  }
}

/** The neutral view of a Responses request, for the answer. */
function viewOf(body, host, script) {
  const items =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
  const user = [...items].reverse().find((item) => isMessage(item) && item.role === 'user');
  const last = items.at(-1);
  const images = Array.isArray(user?.content)
    ? user.content
        .filter((p) => p.type === 'input_image')
        .map((p) => /^data:([^;,]+)/.exec(p.image_url ?? '')?.[1] ?? 'image/url')
    : [];
  const format = body.text?.format;
  const choice = body.tool_choice;
  return {
    host,
    userText: textOf(user?.content),
    toolResult: last?.type === 'function_call_output' ? textOf(last.output) : null,
    images,
    tools: (body.tools ?? [])
      .filter((t) => t.type === 'function')
      .map((t) => ({ name: t.name, parameters: t.parameters })),
    toolChoice: typeof choice === 'object' && choice !== null ? { name: choice.name } : choice,
    format:
      format?.type === 'json_schema'
        ? { type: 'json_schema', schema: format.schema }
        : format?.type === 'json_object'
          ? { type: 'json_object' }
          : null,
    reply: script.reply ?? null,
    toolArguments: script.toolArguments ?? null,
  };
}

/** The Response object OpenAI returns (and streams inside its lifecycle events). */
function responseObject(body, id, status, output, usage) {
  return {
    id,
    object: 'response',
    created_at: 1_764_000_000,
    status,
    background: body.background ?? false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    conversation:
      body.conversation === undefined ? null : { id: body.conversation?.id ?? body.conversation },
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: {
      format: body.text?.format ?? { type: 'text' },
      verbosity: body.text?.verbosity ?? 'medium',
    },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

const parsed = (call) => {
  try {
    return JSON.parse(call.rawBody);
  } catch {
    throw new Refusal(400, 'We could not parse the JSON body of your request.');
  }
};

/** An input item as OpenAI lists it back: with an id, a type, and content as parts. */
const listedItem = (item, index) =>
  isMessage(item)
    ? {
        id: `msg_in${index}`,
        type: 'message',
        status: 'completed',
        ...item,
        content:
          typeof item.content === 'string'
            ? [{ type: 'input_text', text: item.content }]
            : item.content,
      }
    : { id: `item_in${index}`, ...item };

/**
 * Every path under /responses: creating a response, and what OpenAI does with
 * the ones it keeps (retrieve, also as a stream; delete; cancel a background
 * one; list its input items), and counting input tokens. OpenRouter keeps none.
 */
export function responsesFake(request, url, context) {
  const rest = url.pathname.slice(url.pathname.indexOf('/responses') + '/responses'.length);
  const [, id, action, extra] = rest.split('/');
  const method = request.method;
  if (rest === '' && method === 'POST') return responsesAnswer(parsed(context.call), context);
  if (id === 'input_tokens' && action === undefined && method === 'POST') {
    const body = parsed(context.call);
    if (typeof body.model !== 'string')
      throw new Refusal(400, "Missing required parameter: 'model'.", { param: 'model' });
    return Response.json(
      {
        object: 'response.input_tokens',
        input_tokens: tokensOf(body.input) + tokensOf(body.instructions ?? ''),
      },
      { headers: context.headers },
    );
  }
  const route = `${method} ${action ?? ''}`;
  const known = ['GET ', 'DELETE ', 'POST cancel', 'GET input_items'].includes(route);
  if (!id || extra !== undefined || !known || context.spec.name === 'openrouter')
    throw new Refusal(404, `Invalid URL (${method} ${url.pathname})`);
  const stored = storedResponses.get(id);
  if (!stored) throw new Refusal(404, `No response found with id '${id}'.`);
  const { body, output, usage } = stored;
  const headers = context.headers;
  switch (route) {
    case 'DELETE ':
      storedResponses.delete(id);
      return Response.json({ id, object: 'response', deleted: true }, { headers });
    case 'POST cancel':
      if (body.background !== true)
        throw new Refusal(400, 'Only responses created with background=true can be cancelled.');
      if (stored.status === 'queued') stored.status = 'cancelled';
      return Response.json(
        responseObject(body, id, stored.status, stored.status === 'cancelled' ? [] : output, null),
        { headers },
      );
    case 'GET input_items': {
      const listed = stored.items.map(listedItem);
      if (url.searchParams.get('order') !== 'asc') listed.reverse();
      return Response.json(
        {
          object: 'list',
          data: listed,
          first_id: listed[0]?.id ?? null,
          last_id: listed.at(-1)?.id ?? null,
          has_more: false,
        },
        { headers },
      );
    }
    default:
      // A queued background response is done by the time it is read.
      if (stored.status === 'queued') stored.status = 'completed';
      if (url.searchParams.get('stream') === 'true' && stored.status === 'completed')
        return streamOf(stored, context.script, context.call, headers);
      return Response.json(
        responseObject(
          body,
          id,
          stored.status,
          stored.status === 'completed' ? output : [],
          stored.status === 'completed' ? usage : null,
        ),
        { headers },
      );
  }
}

/** A checked Responses request's answer: a Response object, or its events. */
function responsesAnswer(body, { host, spec, call, script, serial, headers }) {
  check(body, spec);
  if (script.mode === 'hang' && body.stream !== true) return hangingResponse(call);

  const answer = answerFor(viewOf(body, host, script));
  const id = `resp_fake${serial}`;
  const message =
    answer.text === undefined
      ? null
      : {
          id: `msg_fake${serial}`,
          type: 'message',
          status: 'completed',
          content: [{ type: 'output_text', annotations: [], logprobs: [], text: answer.text }],
          role: 'assistant',
        };
  const functionCall = answer.toolCall
    ? {
        id: `fc_fake${serial}`,
        type: 'function_call',
        status: 'completed',
        arguments: answer.toolCall.arguments,
        call_id: `call_fake${serial}`,
        name: answer.toolCall.name,
      }
    : null;
  const output = [message ?? functionCall];
  const inputTokens = tokensOf(body.input) + tokensOf(body.instructions ?? '');
  const outputTokens = tokensOf(answer.text ?? answer.toolCall);
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
  // In the background a response is queued; the fake finishes it when it is next read.
  const background = body.background === true && body.stream !== true;
  const stored = { body, id, message, functionCall, output, usage };
  if (body.store !== false) {
    const items = typeof body.input === 'string' ? [] : (body.input ?? []);
    storedResponses.set(id, {
      ...stored,
      items: typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : items,
      previous: body.previous_response_id,
      status: background ? 'queued' : 'completed',
    });
  }
  if (background) return Response.json(responseObject(body, id, 'queued', [], null), { headers });
  // A scripted finish `content_filter`: OpenAI's answer cut by its content filter.
  if (body.stream !== true && script.finish === 'content_filter')
    return Response.json(
      {
        ...responseObject(body, id, 'incomplete', output, usage),
        incomplete_details: { reason: 'content_filter' },
      },
      { headers },
    );
  if (body.stream !== true)
    return Response.json(responseObject(body, id, 'completed', output, usage), { headers });

  return streamOf(stored, script, call, headers);
}

/** A response's events, from response.created to its end, framed as OpenAI streams them. */
function streamOf({ body, id, message, functionCall, output, usage }, script, call, headers) {
  let sequence = 0;
  const event = (type, fields) => [type, { type, ...fields, sequence_number: sequence++ }];
  const obfuscation =
    body.stream_options?.include_obfuscation === false ? {} : { obfuscation: 'Zm' };
  const started = responseObject(body, id, 'in_progress', [], null);
  const frames = [
    event('response.created', { response: started }),
    event('response.in_progress', { response: started }),
  ];
  const at = { output_index: 0 };
  if (message) {
    const part = { type: 'output_text', annotations: [], logprobs: [], text: '' };
    const where = { item_id: message.id, ...at, content_index: 0 };
    frames.push(
      event('response.output_item.added', {
        ...at,
        item: { ...message, status: 'in_progress', content: [] },
      }),
      event('response.content_part.added', { ...where, part }),
      ...piecesOf(message.content[0].text).map((delta) =>
        event('response.output_text.delta', { ...where, delta, logprobs: [], ...obfuscation }),
      ),
      event('response.output_text.done', { ...where, text: message.content[0].text, logprobs: [] }),
      event('response.content_part.done', { ...where, part: message.content[0] }),
      event('response.output_item.done', { ...at, item: message }),
    );
  } else {
    const where = { item_id: functionCall.id, ...at };
    frames.push(
      event('response.output_item.added', {
        ...at,
        item: { ...functionCall, status: 'in_progress', arguments: '' },
      }),
      ...argumentPieces(functionCall.arguments).map((delta) =>
        event('response.function_call_arguments.delta', { ...where, delta, ...obfuscation }),
      ),
      event('response.function_call_arguments.done', {
        ...where,
        name: functionCall.name,
        arguments: functionCall.arguments,
      }),
      event('response.output_item.done', { ...at, item: functionCall }),
    );
  }
  // Scripted `failed`: the provider's own end of a response it could not finish.
  const failed = script.mode === 'failed';
  frames.push(
    failed
      ? event('response.failed', {
          response: {
            ...responseObject(body, id, 'failed', output, usage),
            error: { code: 'server_error', message: 'The model failed to finish the response.' },
          },
        })
      : event('response.completed', {
          response: responseObject(body, id, 'completed', output, usage),
        }),
  );
  return sseResponse({
    frames,
    mode: failed ? undefined : script.mode,
    call,
    firstText: message ? 5 : 4,
    idleFrame: ['response.in_progress', { type: 'response.in_progress', response: started }],
    errorFrame: [
      'error',
      {
        type: 'error',
        code: 'server_error',
        message: 'The server had an error while processing your request. Sorry about that!',
        param: null,
        sequence_number: 5,
      },
    ],
    headers,
  });
}
