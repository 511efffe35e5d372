// OpenAI's chat completions, as api.openai.com, openrouter.ai and an
// OpenAI-compatible server (llm.local.test) speak them: the request is checked
// as strictly as OpenAI checks it, and answers come as OpenAI sends them.
// Their Responses API (/responses) is in openai-responses.mjs.

import { answerFor, argumentPieces, idFor, piecesOf, tokensOf } from './answers.mjs';
import { checkFieldsAndModel, checkKey, checkStreamOptions, Refusal } from './openai-checks.mjs';
import { responsesFake } from './openai-responses.mjs';
import { hangingResponse, sseResponse } from './sse.mjs';

const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'n',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'user',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'modalities',
  'audio',
  'prediction',
  'reasoning_effort',
  'service_tier',
  'store',
  'metadata',
  'web_search_options',
  'verbosity',
  'prompt_cache_key',
  'safety_identifier',
]);
const OPENROUTER_FIELDS = new Set([
  'provider',
  'transforms',
  'models',
  'route',
  'plugins',
  'reasoning',
  'usage',
  'top_k',
  'repetition_penalty',
  'min_p',
  'top_a',
]);
const MESSAGE_FIELDS = {
  system: ['role', 'content', 'name'],
  developer: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  assistant: [
    'role',
    'content',
    'name',
    'tool_calls',
    'refusal',
    'audio',
    'function_call',
    'annotations',
  ],
  tool: ['role', 'content', 'tool_call_id'],
};
const PART_TYPES = ['text', 'image_url', 'input_audio', 'file'];

const HOSTS = {
  'api.openai.com': { keyPrefix: 'sk-', model: /^(gpt-|o\d|chatgpt-|ft:)/, name: 'openai' },
  'openrouter.ai': { keyPrefix: 'sk-or-', model: /^[\w.-]+\/[\w.:-]+$/, name: 'openrouter' },
  'llm.local.test': { keyPrefix: null, model: /./, name: 'compatible' },
};

/** A scripted failure in OpenAI's shape, by status. */
export function openAiError(status, message = 'scripted failure') {
  const byStatus = {
    400: ['invalid_request_error', null],
    401: ['invalid_request_error', 'invalid_api_key'],
    403: ['invalid_request_error', 'unsupported_country_region_territory'],
    404: ['invalid_request_error', 'model_not_found'],
    429: ['requests', 'rate_limit_exceeded'],
  };
  const [type, code] = byStatus[status] ?? ['server_error', null];
  return { error: { message, type, param: null, code } };
}

const textOf = (content) =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content
          .filter((p) => p.type === 'text')
          .map((p) => p.text)
          .join('\n')
      : '';

function check(body, host, headers) {
  const spec = HOSTS[host];
  checkKey(spec, headers);
  checkFieldsAndModel(body, spec, CHAT_FIELDS, OPENROUTER_FIELDS);
  if (spec.name === 'openai' && /^o\d/.test(body.model) && body.max_tokens !== undefined) {
    throw new Refusal(
      400,
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      { param: 'max_tokens', code: 'unsupported_parameter' },
    );
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new Refusal(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
      { param: 'messages' },
    );
  }
  checkStreamOptions(body);
  const toolNames = new Set();
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (
      tool?.type !== 'function' ||
      typeof tool.function?.name !== 'string' ||
      !/^[\w-]{1,64}$/.test(tool.function.name)
    ) {
      throw new Refusal(400, `Invalid 'tools[${index}]'.`, { param: `tools[${index}]` });
    }
    toolNames.add(tool.function.name);
  }
  const choice = body.tool_choice;
  if (
    choice !== undefined &&
    !['auto', 'none', 'required'].includes(choice) &&
    !toolNames.has(choice?.function?.name)
  ) {
    throw new Refusal(400, "Invalid value for 'tool_choice'.", { param: 'tool_choice' });
  }
  const format = body.response_format;
  if (format !== undefined) {
    if (!['text', 'json_object', 'json_schema'].includes(format?.type)) {
      throw new Refusal(400, "Invalid value for 'response_format.type'.", {
        param: 'response_format.type',
      });
    }
    if (
      format.type === 'json_schema' &&
      (typeof format.json_schema?.name !== 'string' ||
        typeof format.json_schema?.schema !== 'object')
    ) {
      throw new Refusal(400, "Missing required parameter: 'response_format.json_schema'.", {
        param: 'response_format.json_schema',
      });
    }
    if (format.type === 'json_object' && !/json/i.test(JSON.stringify(body.messages))) {
      throw new Refusal(
        400,
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        { param: 'messages' },
      );
    }
  }
  const pending = new Set();
  body.messages.forEach((message, index) => {
    const allowed = MESSAGE_FIELDS[message?.role];
    if (!allowed)
      throw new Refusal(
        400,
        `Invalid value: '${message?.role}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'function', and 'developer'.`,
        { param: `messages[${index}].role` },
      );
    for (const field of Object.keys(message)) {
      if (!allowed.includes(field))
        throw new Refusal(400, `Invalid 'messages[${index}]': unrecognized key '${field}'.`, {
          param: `messages[${index}]`,
        });
    }
    if (Array.isArray(message.content)) {
      message.content.forEach((part, at) => {
        if (!PART_TYPES.includes(part?.type))
          throw new Refusal(400, `Invalid 'messages[${index}].content[${at}].type'.`, {
            param: `messages[${index}].content[${at}].type`,
          });
        if (part.type === 'image_url' && typeof part.image_url?.url !== 'string')
          throw new Refusal(
            400,
            `Missing required parameter: 'messages[${index}].content[${at}].image_url'.`,
          );
      });
    }
    if (message.role === 'tool') {
      if (!pending.delete(message.tool_call_id)) {
        throw new Refusal(
          400,
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          { param: `messages[${index}].role` },
        );
      }
    } else if (pending.size > 0) {
      throw new Refusal(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.",
        { param: 'messages' },
      );
    }
    for (const call of message.tool_calls ?? []) pending.add(call.id);
  });
}

/** The neutral view of an OpenAI request, for the answer. */
function viewOf(body, host, script) {
  const last = body.messages.at(-1);
  const user = [...body.messages].reverse().find((m) => m.role === 'user');
  const images = Array.isArray(user?.content)
    ? user.content
        .filter((p) => p.type === 'image_url')
        .map((p) => /^data:([^;,]+)/.exec(p.image_url.url)?.[1] ?? 'image/url')
    : [];
  const format =
    body.response_format?.type === 'json_schema'
      ? { type: 'json_schema', schema: body.response_format.json_schema.schema }
      : body.response_format?.type === 'json_object'
        ? { type: 'json_object' }
        : null;
  const choice = body.tool_choice;
  return {
    host,
    userText: textOf(user?.content),
    toolResult: last.role === 'tool' ? textOf(last.content) : null,
    images,
    tools: (body.tools ?? []).map((t) => ({
      name: t.function.name,
      parameters: t.function.parameters,
    })),
    toolChoice:
      typeof choice === 'object' && choice !== null ? { name: choice.function.name } : choice,
    format,
    reply: script.reply ?? null,
    toolArguments: script.toolArguments ?? null,
  };
}

export async function openAiFake(request, url, host, call, script) {
  const serial = idFor(call.rawBody);
  const headers = { 'x-request-id': `req_fake_${serial}`, 'openai-processing-ms': '12' };
  try {
    const responses = /\/responses(\/|$)/.test(url.pathname);
    if (!responses && (request.method !== 'POST' || !url.pathname.endsWith('/chat/completions'))) {
      throw new Refusal(404, `Invalid URL (${request.method} ${url.pathname})`);
    }
    if (script.status) {
      return Response.json(script.body ?? openAiError(script.status), {
        status: script.status,
        headers: { ...headers, ...(script.headers ?? {}) },
      });
    }
    if (responses) {
      checkKey(HOSTS[host], request.headers);
      return responsesFake(request, url, {
        host,
        spec: HOSTS[host],
        call,
        script,
        serial,
        headers,
      });
    }
    let body;
    try {
      body = JSON.parse(call.rawBody);
    } catch {
      throw new Refusal(400, 'We could not parse the JSON body of your request.');
    }
    check(body, host, request.headers);
    if (script.mode === 'hang' && body.stream !== true) return hangingResponse(call);

    const answer = answerFor(viewOf(body, host, script));
    const id = `chatcmpl-fake${serial}`;
    const created = 1_764_000_000;
    const usage = {
      prompt_tokens: tokensOf(body.messages),
      completion_tokens: tokensOf(answer.text ?? answer.toolCall),
      total_tokens: tokensOf(body.messages) + tokensOf(answer.text ?? answer.toolCall),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const toolCall = answer.toolCall
      ? { id: `call_fake${serial}`, type: 'function', function: answer.toolCall }
      : null;
    const finish = script.finish ?? (toolCall ? 'tool_calls' : 'stop');
    const choices = Array.from({ length: body.n ?? 1 }, (_, index) => index);
    // `modalities: ["text", "audio"]`: OpenAI answers in audio, the words only
    // as its transcript (`message.audio.transcript`, streamed as
    // `delta.audio.transcript` pieces before the audio data), content null.
    const spoken =
      Array.isArray(body.modalities) && body.modalities.includes('audio') && !toolCall
        ? { id: `audio_fake${serial}`, data: 'UklGRg==', expires_at: 1_764_003_600 }
        : null;

    if (body.stream !== true) {
      return Response.json(
        {
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: choices.map((index) => ({
            index,
            message: {
              role: 'assistant',
              content: spoken ? null : (answer.text ?? null),
              ...(spoken ? { audio: { ...spoken, transcript: answer.text } } : {}),
              refusal: null,
              ...(toolCall ? { tool_calls: [toolCall] } : {}),
              annotations: [],
            },
            logprobs: null,
            finish_reason: finish,
          })),
          usage,
          service_tier: 'default',
          system_fingerprint: 'fp_fake',
        },
        { headers },
      );
    }

    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (delta, finishReason = null, index = 0) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
      ...(withUsage ? { usage: null } : {}),
    });
    const frames = [
      [null, chunk({ role: 'assistant', content: toolCall ? null : '', refusal: null })],
    ];
    if (toolCall) {
      frames.push([
        null,
        chunk({
          tool_calls: [
            {
              index: 0,
              id: toolCall.id,
              type: 'function',
              function: { name: toolCall.function.name, arguments: '' },
            },
          ],
        }),
      ]);
      for (const piece of argumentPieces(toolCall.function.arguments)) {
        frames.push([null, chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })]);
      }
    } else if (spoken) {
      frames.push([null, chunk({ audio: { id: spoken.id, transcript: '' } })]);
      for (const transcript of piecesOf(answer.text))
        frames.push([null, chunk({ audio: { transcript } })]);
      frames.push([null, chunk({ audio: { data: spoken.data, expires_at: spoken.expires_at } })]);
    } else {
      for (const content of piecesOf(answer.text)) frames.push([null, chunk({ content })]);
    }
    frames.push([null, chunk({}, finish)]);
    if (withUsage)
      frames.push([
        null,
        { id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage },
      ]);
    frames.push([null, '[DONE]']);
    return sseResponse({
      frames,
      mode: script.mode,
      call,
      firstText: 2,
      idleFrame: [null, chunk({})],
      // A scripted `errorEvent` is the server's own error event (vLLM's
      // `{"object": "error", …}`), followed by `[DONE]` as vLLM sends it.
      errorFrame: [
        null,
        script.errorEvent ?? {
          error: {
            message: 'The server had an error while processing your request. Sorry about that!',
            type: 'server_error',
            param: null,
            code: null,
          },
        },
      ],
      afterError: script.errorEvent ? [[null, '[DONE]']] : [],
      comments: host === 'openrouter.ai' ? ['OPENROUTER PROCESSING', 'OPENROUTER PROCESSING'] : [],
      headers,
    });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return Response.json(error.body, {
      status: error.status,
      headers: { ...headers, ...error.headers },
    });
  }
}

export const OPENAI_HOSTS = Object.keys(HOSTS);
