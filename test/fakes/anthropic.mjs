// Anthropic's Messages API (api.anthropic.com/v1/messages): the request is
// checked as Anthropic checks it (headers, required fields, extra inputs,
// tool_result pairing, cache breakpoints), errors carry Anthropic's types and
// a request_id, and prompt caching is modelled: a prefix up to a
// cache_control breakpoint seen before is read from the cache.

import { answerFor, argumentPieces, idFor, piecesOf, tokensOf } from './answers.mjs';
import { hangingResponse, sseResponse } from './sse.mjs';

const FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'output_config',
  'output_format',
]);
const BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
];
const TYPES = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Prefixes written to the prompt cache, with their token counts. */
export const promptCache = new Map();

/**
 * Message threads (beta `message-threads-2026-08-12`): the conversation the
 * server holds under each answer's id, `system` and `tools` as the thread's
 * create call gave them, its messages and the answer. A `continue` names
 * one, sends only the new turn's messages and may not send `system` or
 * `tools` again; each answer can be continued once.
 */
export const threads = new Map();
const THREADS_BETA = 'message-threads-2026-08-12';

class Refusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function anthropicError(status, message = 'scripted failure', id = 'req_fake') {
  return {
    type: 'error',
    error: {
      type: TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
      message,
    },
    request_id: id,
  };
}

const blocksOf = (content) =>
  typeof content === 'string'
    ? [{ type: 'text', text: content }]
    : Array.isArray(content)
      ? content
      : [];

function check(body, headers) {
  if (!headers.get('anthropic-version'))
    throw new Refusal(400, 'anthropic-version: header is required');
  if (!(headers.get('x-api-key') ?? '').startsWith('sk-ant-'))
    throw new Refusal(401, 'invalid x-api-key');
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Refusal(400, 'Input should be a valid dictionary');
  for (const field of Object.keys(body)) {
    if (!FIELDS.has(field)) throw new Refusal(400, `${field}: Extra inputs are not permitted`);
  }
  if (typeof body.model !== 'string') throw new Refusal(400, 'model: Field required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    throw new Refusal(400, 'max_tokens: Field required');
  if (!/^claude-(opus|sonnet|haiku|3)/.test(body.model))
    throw new Refusal(404, `model: ${body.model}`);
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new Refusal(400, 'messages: at least one message is required');
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (
      !Array.isArray(body.system) ||
      body.system.some((b) => b?.type !== 'text' || typeof b.text !== 'string')
    ) {
      throw new Refusal(400, 'system: Input should be a valid string or a list of text blocks');
    }
  }
  const toolNames = new Set((body.tools ?? []).map((tool) => tool?.name));
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (
      typeof tool?.name !== 'string' ||
      (tool.type === undefined && typeof tool.input_schema !== 'object')
    ) {
      throw new Refusal(400, `tools.${index}.input_schema: Field required`);
    }
  }
  const choice = body.tool_choice;
  if (
    choice !== undefined &&
    !(
      ['auto', 'any', 'none'].includes(choice?.type) ||
      (choice?.type === 'tool' && toolNames.has(choice.name))
    )
  ) {
    throw new Refusal(400, 'tool_choice: Input tag does not match any of the expected tags');
  }
  if (
    body.thinking?.type === 'enabled' &&
    !(body.thinking.budget_tokens >= 1024 && body.thinking.budget_tokens < body.max_tokens)
  ) {
    throw new Refusal(400, 'thinking.budget_tokens: must be ≥ 1024 and less than max_tokens');
  }
  if (body.messages[0]?.role !== 'user')
    throw new Refusal(400, 'messages: first message must use the "user" role');
  let toolUses = new Set();
  let breakpoints =
    [...(body.tools ?? []), ...(Array.isArray(body.system) ? body.system : [])].filter(
      (b) => b?.cache_control,
    ).length + (body.cache_control ? 1 : 0);
  body.messages.forEach((message, index) => {
    if (message?.role !== 'user' && message?.role !== 'assistant')
      throw new Refusal(400, `messages.${index}.role: Input should be 'user' or 'assistant'`);
    for (const field of Object.keys(message)) {
      if (field !== 'role' && field !== 'content')
        throw new Refusal(400, `messages.${index}.${field}: Extra inputs are not permitted`);
    }
    const blocks = blocksOf(message.content);
    const results = [];
    blocks.forEach((block, at) => {
      if (!BLOCK_TYPES.includes(block?.type))
        throw new Refusal(
          400,
          `messages.${index}.content.${at}: Input tag '${block?.type}' found using 'type' does not match any of the expected tags`,
        );
      if (block.cache_control) breakpoints++;
      if (block.type === 'tool_result') {
        if (message.role !== 'user' || !toolUses.has(block.tool_use_id)) {
          throw new Refusal(
            400,
            `messages.${index}.content.${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
        if (blocks.slice(0, at).some((b) => b.type !== 'tool_result')) {
          throw new Refusal(
            400,
            `messages.${index}.content.${at}: tool_result blocks must come first in the user message`,
          );
        }
        results.push(block.tool_use_id);
      }
      if (block.type === 'image' && !['base64', 'url'].includes(block.source?.type))
        throw new Refusal(400, `messages.${index}.content.${at}.source: Field required`);
    });
    if (message.role === 'assistant')
      toolUses = new Set(blocks.filter((b) => b.type === 'tool_use').map((b) => b.id));
    else {
      const missing = [...toolUses].filter((id) => !results.includes(id));
      if (toolUses.size > 0 && missing.length > 0)
        throw new Refusal(
          400,
          `messages.${index}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`,
        );
      toolUses = new Set();
    }
  });
  if (breakpoints > 4)
    throw new Refusal(
      400,
      `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
}

/**
 * Prompt caching: the prompt is tools, then system blocks, then message
 * blocks; each cache_control breakpoint caches the prefix up to it. The
 * longest prefix cached before is read; new breakpoints are written.
 */
function cacheUsage(body) {
  const strip = (block) => {
    const rest = { ...block };
    delete rest.cache_control;
    return rest;
  };
  const units = [
    ...(body.tools ?? []).map((tool) => ({
      unit: ['tool', strip(tool)],
      cached: Boolean(tool.cache_control),
    })),
    ...blocksOf(body.system).map((block) => ({
      unit: ['system', strip(block)],
      cached: Boolean(block.cache_control),
    })),
    ...body.messages.flatMap((message) =>
      blocksOf(message.content).map((block) => ({
        unit: [message.role, strip(block)],
        cached: Boolean(block.cache_control),
      })),
    ),
  ];
  // Automatic caching (top-level cache_control): the breakpoint on the last block.
  if (body.cache_control && units.length > 0) units.at(-1).cached = true;
  let read = 0;
  let written = 0;
  units.forEach((entry, index) => {
    if (!entry.cached) return;
    const prefix = JSON.stringify(units.slice(0, index + 1).map((u) => u.unit));
    const tokens = tokensOf(prefix);
    if (promptCache.has(prefix)) read = Math.max(read, tokens);
    else {
      promptCache.set(prefix, tokens);
      written = Math.max(written, tokens);
    }
  });
  const total = tokensOf(units.map((u) => u.unit));
  return {
    input_tokens: Math.max(1, total - Math.max(read, written)),
    cache_creation_input_tokens: written > read ? written - read : 0,
    cache_read_input_tokens: read,
  };
}

function schemaOf(format) {
  return format?.type === 'json_schema' && typeof format.schema === 'object'
    ? { type: 'json_schema', schema: format.schema }
    : null;
}

function viewOf(body, script) {
  const last = body.messages.at(-1);
  const lastBlocks = blocksOf(last.content);
  const result =
    last.role === 'user' ? lastBlocks.find((b) => b.type === 'tool_result') : undefined;
  const user = [...body.messages]
    .reverse()
    .find((m) => m.role === 'user' && blocksOf(m.content).some((b) => b.type === 'text'));
  const userBlocks = blocksOf(user?.content);
  const choice = body.tool_choice;
  return {
    host: 'api.anthropic.com',
    userText: userBlocks
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('\n'),
    toolResult: result
      ? typeof result.content === 'string'
        ? result.content
        : blocksOf(result.content)
            .map((b) => b.text)
            .join('')
      : null,
    images: userBlocks
      .filter((b) => b.type === 'image')
      .map((b) => b.source.media_type ?? 'image/url'),
    tools: (body.tools ?? [])
      .filter((t) => t.input_schema)
      .map((t) => ({ name: t.name, parameters: t.input_schema })),
    toolChoice:
      choice?.type === 'tool'
        ? { name: choice.name }
        : choice?.type === 'any'
          ? 'required'
          : (choice?.type ?? 'auto'),
    // Structured outputs: output_config.format (and the beta's output_format).
    format: schemaOf(body.output_config?.format ?? body.output_format),
    reply: script.reply ?? null,
    toolArguments: script.toolArguments ?? null,
  };
}

/**
 * The whole request a thread's turn stands for: a create as sent, a
 * continue as the held conversation plus the new messages (as Anthropic
 * reads it), refused as Anthropic refuses a continue that repeats `system`
 * or `tools`, names no held answer, or continues one twice.
 */
function threadBody(body, headers) {
  const { thread, ...rest } = body;
  if (!(headers.get('anthropic-beta') ?? '').split(',').some((b) => b.trim() === THREADS_BETA))
    throw new Refusal(400, 'thread: Extra inputs are not permitted');
  if (thread?.type === 'create') return rest;
  if (thread?.type !== 'continue' || typeof thread.previous_message_id !== 'string')
    throw new Refusal(400, 'thread: Input tag does not match any of the expected tags');
  for (const field of ['system', 'tools']) {
    if (rest[field] !== undefined)
      throw new Refusal(
        400,
        `${field}: taken from the thread on a continue; the request must not send it (thread_fingerprint_mismatch)`,
      );
  }
  const held = threads.get(thread.previous_message_id);
  if (held === undefined)
    throw new Refusal(
      404,
      'No usable Thread state was found for `previous_message_id` (thread_not_found)',
    );
  if (held.continued)
    throw new Refusal(400, 'this response has already been continued (thread_already_continued)');
  held.continued = true;
  return {
    ...rest,
    ...(held.system === undefined ? {} : { system: held.system }),
    ...(held.tools === undefined ? {} : { tools: held.tools }),
    messages: [...held.messages, ...listOf(rest.messages)],
  };
}

const listOf = (value) => (Array.isArray(value) ? value : []);

export async function anthropicFake(request, url, call, script) {
  const serial = idFor(call.rawBody);
  const id = `req_fake${serial}`;
  const headers = { 'request-id': id };
  try {
    if (request.method !== 'POST' || url.pathname !== '/v1/messages')
      throw new Refusal(404, `Not Found: ${url.pathname}`);
    if (script.status) {
      return Response.json(script.body ?? anthropicError(script.status, 'scripted failure', id), {
        status: script.status,
        headers: { ...headers, ...(script.headers ?? {}) },
      });
    }
    let body;
    try {
      body = JSON.parse(call.rawBody);
    } catch {
      throw new Refusal(400, 'There was an error parsing the body');
    }
    const thread = body?.thread;
    if (thread !== undefined) body = threadBody(body, request.headers);
    // What the model reads on a thread's turn (the held system included), for tests.
    if (thread !== undefined)
      call.thread = { system: body.system ?? null, messages: body.messages };
    check(body, request.headers);
    if (script.mode === 'hang' && body.stream !== true) return hangingResponse(call);
    const answer = answerFor(viewOf(body, script));
    const usage = cacheUsage(body);
    const toolUse = answer.toolCall
      ? {
          type: 'tool_use',
          id: `toolu_fake${serial}`,
          name: answer.toolCall.name,
          input: JSON.parse(answer.toolCall.arguments),
        }
      : null;
    const thinking =
      body.thinking?.type === 'enabled'
        ? { type: 'thinking', thinking: 'Let me think about that.', signature: 'sig_fake' }
        : null;
    const stopReason = script.finish ?? (toolUse ? 'tool_use' : 'end_turn');
    const outputTokens = tokensOf(answer.text ?? answer.toolCall);
    const message = {
      id: `msg_fake${serial}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
    };

    // A scripted pause_turn: a long turn of server tools paused, as Anthropic
    // sends it: the server tool's call and result, then the text so far.
    const paused =
      script.finish === 'pause_turn'
        ? [
            {
              type: 'server_tool_use',
              id: `srvtoolu_fake${serial}`,
              name: 'web_search',
              input: { query: 'museums' },
            },
            {
              type: 'web_search_tool_result',
              tool_use_id: `srvtoolu_fake${serial}`,
              content: [
                {
                  type: 'web_search_result',
                  title: 'Musée des Confluences',
                  url: 'https://www.museedesconfluences.fr/',
                  encrypted_content: `EqgfCioIARgBIiQ3YTAw${serial}`,
                  page_age: null,
                },
              ],
            },
          ]
        : [];
    const content = [
      ...paused,
      ...(thinking ? [thinking] : []),
      ...(answer.text ? [{ type: 'text', text: answer.text }] : []),
      ...(toolUse ? [toolUse] : []),
    ];
    if (thread !== undefined)
      threads.set(message.id, {
        system: body.system,
        tools: body.tools,
        model: body.model,
        messages: [...body.messages, { role: 'assistant', content }],
      });
    if (body.stream !== true) {
      return Response.json(
        {
          ...message,
          content,
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { ...usage, output_tokens: outputTokens, service_tier: 'standard' },
        },
        { headers },
      );
    }

    const frames = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            ...message,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usage, output_tokens: 1 },
          },
        },
      ],
    ];
    let index = 0;
    // A paused turn's server tool blocks, as Anthropic streams them: the
    // call's input in input_json_delta pieces, the tool's result whole in
    // its content_block_start; blocks in the order of the whole answer.
    for (const block of paused) {
      if (block.type === 'server_tool_use') {
        frames.push(
          [
            'content_block_start',
            { type: 'content_block_start', index, content_block: { ...block, input: {} } },
          ],
          ...argumentPieces(JSON.stringify(block.input)).map((partial_json) => [
            'content_block_delta',
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json },
            },
          ]),
          ['content_block_stop', { type: 'content_block_stop', index }],
        );
      } else {
        frames.push(
          ['content_block_start', { type: 'content_block_start', index, content_block: block }],
          ['content_block_stop', { type: 'content_block_stop', index }],
        );
      }
      index++;
    }
    if (thinking) {
      frames.push(
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index,
            content_block: { type: 'thinking', thinking: '', signature: '' },
          },
        ],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'thinking_delta', thinking: thinking.thinking },
          },
        ],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'signature_delta', signature: thinking.signature },
          },
        ],
        ['content_block_stop', { type: 'content_block_stop', index }],
      );
      index++;
    }
    // The frames up to the first text delta (start, ping, delta follow here).
    const beforeText = frames.length;
    if (answer.text) {
      frames.push(
        [
          'content_block_start',
          { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ],
        ['ping', { type: 'ping' }],
        ...piecesOf(answer.text).map((text) => [
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
        ]),
        ['content_block_stop', { type: 'content_block_stop', index }],
      );
      index++;
    }
    if (toolUse) {
      frames.push(
        [
          'content_block_start',
          { type: 'content_block_start', index, content_block: { ...toolUse, input: {} } },
        ],
        ...argumentPieces(answer.toolCall.arguments).map((partial_json) => [
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } },
        ]),
        ['content_block_stop', { type: 'content_block_stop', index }],
      );
    }
    frames.push(
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: outputTokens },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    );
    return sseResponse({
      frames,
      mode: script.mode,
      call,
      firstText: beforeText + 3,
      idleFrame: ['ping', { type: 'ping' }],
      errorFrame: [
        'error',
        {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: id,
        },
      ],
      headers,
    });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return Response.json(anthropicError(error.status, error.message, id), {
      status: error.status,
      headers,
    });
  }
}
