import { memoryControls, stripOwnFields } from '../chat/memory-controls';
import { completeChat, openChat, type ChatInput, type ChatOutcome } from '../chat/pipeline';
import { parseResponseFormat, parseToolChoice, parseTools } from '../chat/tool-input';
import type { RequestContext } from '../context';
import { CodedError } from '../errors';
import { randomId } from '../encoding';
import { isRecord, listOf } from '../providers/native';
import type { ParsedModel } from '../providers/models';
import type { AnswerEvent, ChatMessage, ToolCall } from '../providers/types';
import { receiptHeaders, receiptJson } from './chat-route';
import { sseFrame, streamChat, type StreamFraming } from './chat-stream';
import { surfaceErrorBody, statusOf, type Surface } from './surface-errors';

/**
 * Across formats: a request in one provider's format for another provider's
 * model (OpenAI's format to a Claude or Gemini model, Anthropic's to a GPT or
 * Gemini model). The translation carries the fields listed below, each with
 * its full meaning; a request holding anything else is refused with a 400
 * naming the field and the way that keeps it (the model's native endpoint, or
 * the model through OpenRouter), so nothing is ever dropped silently.
 */

const NATIVE_ENDPOINT: Record<Surface, string> = {
  openai: 'POST /v1/chat/completions in OpenAI’s format',
  anthropic: 'POST /v1/messages in Anthropic’s format',
  google: 'POST /v1beta/models/{model}:generateContent in Gemini’s format',
};

const SURFACE_OF_PROVIDER = {
  openai: 'openai',
  openrouter: 'openai',
  compatible: 'openai',
  anthropic: 'anthropic',
  google: 'google',
} as const;

function refusal(
  field: string,
  model: ParsedModel,
  from: Surface,
  why = 'cannot be carried',
): CodedError {
  const native = NATIVE_ENDPOINT[SURFACE_OF_PROVIDER[model.provider]].replace(
    '{model}',
    model.model,
  );
  const viaOpenRouter =
    from === 'openai' && model.provider !== 'openrouter'
      ? `, or use openrouter/${model.provider === 'google' ? 'google' : model.provider}/${model.model} here`
      : '';
  return new CodedError(
    'BAD_USER_INPUT',
    `\`${field}\` ${why} from ${from === 'openai' ? 'OpenAI' : from === 'anthropic' ? 'Anthropic' : 'Gemini'}’s format to ${model.provider}/${model.model}: call ${native}${viaOpenRouter}`,
    'UNSUPPORTED_FIELD',
    { param: field },
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Checks that `record` holds only `allowed` keys; names the first other one. */
function onlyKeys(
  record: Record<string, unknown>,
  allowed: string[],
  path: string,
  refuse: (field: string) => CodedError,
) {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw refuse(path === '' ? key : `${path}.${key}`);
  }
}

// ── OpenAI's format in ───────────────────────────────────────────────────────

const OPENAI_CARRIED = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'tools',
  'tool_choice',
  'response_format',
  'n',
  'parallel_tool_calls',
];

/** Text of OpenAI content: a string, null, or text parts only. */
function openAiText(content: unknown, path: string, refuse: (field: string) => CodedError): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw refuse(path);
  return content
    .map((part: unknown, index) => {
      if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') {
        throw refuse(
          `${path}[${index}]${isRecord(part) && typeof part.type === 'string' ? ` (${part.type})` : ''}`,
        );
      }
      onlyKeys(part, ['type', 'text'], `${path}[${index}]`, refuse);
      return part.text;
    })
    .join('');
}

export function fromOpenAiFormat(body: Record<string, unknown>, model: ParsedModel): ChatInput {
  const refuse = (field: string) => refusal(field, model, 'openai');
  onlyKeys(body, OPENAI_CARRIED, '', refuse);
  if (body.n !== undefined && body.n !== 1) throw refuse('n');
  if (body.parallel_tool_calls === false) throw refuse('parallel_tool_calls');
  if (isRecord(body.stream_options))
    onlyKeys(body.stream_options, ['include_usage'], 'stream_options', refuse);
  const format = parseResponseFormat(body.response_format, 'response_format');
  if (format && format.type !== 'text' && model.provider === 'anthropic')
    throw refuse('response_format');
  if (!Array.isArray(body.messages))
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list');
  const messages: ChatMessage[] = body.messages.map((raw: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(raw)) throw new CodedError('BAD_USER_INPUT', `${path} must be an object`);
    switch (raw.role) {
      case 'system':
      case 'developer':
      case 'user':
        onlyKeys(raw, ['role', 'content'], path, refuse);
        return {
          role: raw.role === 'user' ? 'USER' : 'SYSTEM',
          content: openAiText(raw.content, `${path}.content`, refuse),
        } as ChatMessage;
      case 'assistant': {
        onlyKeys(raw, ['role', 'content', 'tool_calls', 'refusal'], path, refuse);
        if (raw.refusal !== undefined && raw.refusal !== null) throw refuse(`${path}.refusal`);
        const toolCalls: ToolCall[] = listOf(raw.tool_calls).map((call, at) => {
          const fn = isRecord(call) && isRecord(call.function) ? call.function : null;
          if (!isRecord(call) || fn === null || text(call.id) === null || text(fn.name) === null) {
            throw new CodedError(
              'BAD_USER_INPUT',
              `${path}.tool_calls[${at}] needs an id and a function name`,
            );
          }
          return {
            id: String(call.id),
            name: String(fn.name),
            arguments: text(fn.arguments) ?? '{}',
          };
        });
        return {
          role: 'ASSISTANT',
          content: openAiText(raw.content, `${path}.content`, refuse),
          toolCalls,
        };
      }
      case 'tool':
        onlyKeys(raw, ['role', 'content', 'tool_call_id'], path, refuse);
        if (text(raw.tool_call_id) === null) {
          throw new CodedError('BAD_USER_INPUT', `${path}.tool_call_id is required`);
        }
        return {
          role: 'USER',
          content: openAiText(raw.content, `${path}.content`, refuse),
          toolCallId: String(raw.tool_call_id),
        };
      default:
        throw new CodedError(
          'BAD_USER_INPUT',
          `${path}.role ${JSON.stringify(raw.role)} is not a chat role`,
        );
    }
  });
  const tools = parseTools(body.tools, 'tools');
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (
    stop !== undefined &&
    stop !== null &&
    !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))
  ) {
    throw new CodedError('BAD_USER_INPUT', '`stop` must be a string or a list of strings');
  }
  return {
    model: `${model.provider}/${model.model}`,
    messages,
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    topP: typeof body.top_p === 'number' ? body.top_p : null,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
    stop: (stop as string[] | null | undefined) ?? null,
    tools,
    toolChoice: parseToolChoice(body.tool_choice, tools, 'tool_choice'),
    responseFormat: format,
  };
}

// ── Anthropic's format in ────────────────────────────────────────────────────

const ANTHROPIC_CARRIED = [
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'stop_sequences',
  'tools',
  'tool_choice',
];

function anthropicText(
  block: Record<string, unknown>,
  path: string,
  refuse: (field: string) => CodedError,
): string {
  onlyKeys(block, ['type', 'text'], path, refuse);
  return String(block.text ?? '');
}

export function fromAnthropicFormat(body: Record<string, unknown>, model: ParsedModel): ChatInput {
  const refuse = (field: string) => refusal(field, model, 'anthropic');
  onlyKeys(body, ANTHROPIC_CARRIED, '', refuse);
  const system: ChatMessage[] = [];
  if (typeof body.system === 'string') system.push({ role: 'SYSTEM', content: body.system });
  else if (Array.isArray(body.system)) {
    body.system.forEach((block: unknown, index) => {
      if (!isRecord(block) || block.type !== 'text') throw refuse(`system[${index}]`);
      system.push({ role: 'SYSTEM', content: anthropicText(block, `system[${index}]`, refuse) });
    });
  }
  if (!Array.isArray(body.messages))
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list');
  const messages: ChatMessage[] = [];
  body.messages.forEach((raw: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(raw) || (raw.role !== 'user' && raw.role !== 'assistant')) {
      throw new CodedError('BAD_USER_INPUT', `${path}.role must be user or assistant`);
    }
    onlyKeys(raw, ['role', 'content'], path, refuse);
    const blocks =
      typeof raw.content === 'string' ? [{ type: 'text', text: raw.content }] : listOf(raw.content);
    let content = '';
    const toolCalls: ToolCall[] = [];
    blocks.forEach((block: unknown, at) => {
      const where = `${path}.content[${at}]`;
      if (!isRecord(block))
        throw new CodedError('BAD_USER_INPUT', `${where} must be a content block`);
      if (block.type === 'text') content += anthropicText(block, where, refuse);
      else if (block.type === 'tool_use' && raw.role === 'assistant') {
        onlyKeys(block, ['type', 'id', 'name', 'input'], where, refuse);
        toolCalls.push({
          id: String(block.id),
          name: String(block.name),
          arguments: JSON.stringify(block.input ?? {}),
        });
      } else if (block.type === 'tool_result' && raw.role === 'user') {
        onlyKeys(block, ['type', 'tool_use_id', 'content'], where, refuse);
        const result =
          typeof block.content === 'string'
            ? block.content
            : listOf(block.content)
                .map((part: unknown, i) => {
                  if (!isRecord(part) || part.type !== 'text')
                    throw refuse(`${where}.content[${i}]`);
                  return anthropicText(part, `${where}.content[${i}]`, refuse);
                })
                .join('');
        messages.push({ role: 'USER', content: result, toolCallId: String(block.tool_use_id) });
      } else throw refuse(`${where}${typeof block.type === 'string' ? ` (${block.type})` : ''}`);
    });
    if (raw.role === 'assistant') messages.push({ role: 'ASSISTANT', content, toolCalls });
    else if (content !== '') messages.push({ role: 'USER', content });
  });
  const tools = parseTools(
    listOf(body.tools).map((tool: unknown, index) => {
      if (!isRecord(tool)) return tool;
      onlyKeys(tool, ['name', 'description', 'input_schema'], `tools[${index}]`, refuse);
      return { name: tool.name, description: tool.description, parameters: tool.input_schema };
    }),
    'tools',
  );
  let toolChoice: ChatInput['toolChoice'] = null;
  if (isRecord(body.tool_choice)) {
    onlyKeys(body.tool_choice, ['type', 'name'], 'tool_choice', refuse);
    const { type, name } = body.tool_choice;
    toolChoice = parseToolChoice(
      type === 'any' ? 'required' : type === 'tool' ? { name } : type,
      tools,
      'tool_choice',
    );
  }
  return {
    model: `${model.provider}/${model.model}`,
    messages: [...system, ...messages],
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    topP: typeof body.top_p === 'number' ? body.top_p : null,
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : null,
    stop: Array.isArray(body.stop_sequences) ? body.stop_sequences.map(String) : null,
    tools,
    toolChoice,
  };
}

// ── answers out ──────────────────────────────────────────────────────────────

const LENGTH_REASONS = new Set(['length', 'max_tokens', 'MAX_TOKENS']);

function openAiFinish(outcome: ChatOutcome): string {
  if (outcome.toolCalls.length > 0) return 'tool_calls';
  return LENGTH_REASONS.has(outcome.finishReason ?? '') ? 'length' : 'stop';
}

function anthropicStop(outcome: ChatOutcome): string {
  if (outcome.toolCalls.length > 0) return 'tool_use';
  return LENGTH_REASONS.has(outcome.finishReason ?? '') ? 'max_tokens' : 'end_turn';
}

function openAiUsage(outcome: ChatOutcome) {
  const input = outcome.usage?.inputTokens ?? null;
  const output = outcome.usage?.outputTokens ?? null;
  if (input === null && output === null) return undefined;
  return {
    prompt_tokens: input ?? 0,
    completion_tokens: output ?? 0,
    total_tokens: (input ?? 0) + (output ?? 0),
  };
}

function anthropicUsage(outcome: ChatOutcome) {
  return {
    input_tokens: outcome.usage?.inputTokens ?? 0,
    output_tokens: outcome.usage?.outputTokens ?? 0,
  };
}

function parsedInput(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments) as unknown;
  } catch {
    return {};
  }
}

function openAiFraming(modelName: string, includeUsage: boolean): StreamFraming {
  const id = `chatcmpl-mr-${randomId()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    sseFrame({
      id,
      object: 'chat.completion.chunk',
      created,
      model: modelName,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
  let calls = 0;
  return {
    opening: [chunk({ role: 'assistant', content: '' }, null)],
    event: (event: AnswerEvent) =>
      event.type === 'text'
        ? [chunk({ content: event.text }, null)]
        : [
            chunk(
              {
                tool_calls: [
                  {
                    index: calls++,
                    id: event.call.id,
                    type: 'function',
                    function: { name: event.call.name, arguments: event.call.arguments },
                  },
                ],
              },
              null,
            ),
          ],
    closing: (outcome) => [
      chunk({}, openAiFinish(outcome)),
      ...(includeUsage
        ? [
            sseFrame({
              id,
              object: 'chat.completion.chunk',
              created,
              model: modelName,
              choices: [],
              usage: openAiUsage(outcome) ?? null,
            }),
          ]
        : []),
      sseFrame('[DONE]'),
    ],
    failure: (error) => sseFrame(surfaceErrorBody('openai', error, statusOf(error))),
  };
}

function anthropicFraming(modelName: string): StreamFraming {
  const id = `msg_mr_${randomId()}`;
  let index = -1;
  let textOpen = false;
  const closeText = () => {
    if (!textOpen) return [];
    textOpen = false;
    return [sseFrame({ type: 'content_block_stop', index }, 'content_block_stop')];
  };
  return {
    opening: [
      sseFrame(
        {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model: modelName,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
        'message_start',
      ),
    ],
    event(event) {
      if (event.type === 'text') {
        const open = textOpen
          ? []
          : [
              sseFrame(
                {
                  type: 'content_block_start',
                  index: ++index,
                  content_block: { type: 'text', text: '' },
                },
                'content_block_start',
              ),
            ];
        textOpen = true;
        return [
          ...open,
          sseFrame(
            { type: 'content_block_delta', index, delta: { type: 'text_delta', text: event.text } },
            'content_block_delta',
          ),
        ];
      }
      const closing = closeText();
      index++;
      return [
        ...closing,
        sseFrame(
          {
            type: 'content_block_start',
            index,
            content_block: {
              type: 'tool_use',
              id: event.call.id,
              name: event.call.name,
              input: {},
            },
          },
          'content_block_start',
        ),
        sseFrame(
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: event.call.arguments },
          },
          'content_block_delta',
        ),
        sseFrame({ type: 'content_block_stop', index }, 'content_block_stop'),
      ];
    },
    closing: (outcome) => [
      ...closeText(),
      sseFrame(
        {
          type: 'message_delta',
          delta: { stop_reason: anthropicStop(outcome), stop_sequence: null },
          usage: anthropicUsage(outcome),
        },
        'message_delta',
      ),
      sseFrame({ type: 'message_stop' }, 'message_stop'),
    ],
    failure: (error) =>
      `event: error\ndata: ${JSON.stringify(surfaceErrorBody('anthropic', error, statusOf(error)))}\n\n`,
  };
}

function openAiCompletion(modelName: string, outcome: ChatOutcome) {
  return {
    id: `chatcmpl-mr-${randomId()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: modelName,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: outcome.content === '' && outcome.toolCalls.length > 0 ? null : outcome.content,
          refusal: null,
          ...(outcome.toolCalls.length > 0
            ? {
                tool_calls: outcome.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        finish_reason: openAiFinish(outcome),
        logprobs: null,
      },
    ],
    ...(openAiUsage(outcome) ? { usage: openAiUsage(outcome) } : {}),
  };
}

function anthropicMessage(modelName: string, outcome: ChatOutcome) {
  return {
    id: `msg_mr_${randomId()}`,
    type: 'message',
    role: 'assistant',
    model: modelName,
    content: [
      ...(outcome.content === '' ? [] : [{ type: 'text', text: outcome.content }]),
      ...outcome.toolCalls.map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.name,
        input: parsedInput(call),
      })),
    ],
    stop_reason: anthropicStop(outcome),
    stop_sequence: null,
    usage: anthropicUsage(outcome),
  };
}

/**
 * Runs a cross-format request through the chat pipeline and answers in the
 * client's format. Memory controls work as on the native routes (except
 * X-Memory-Store-Tools: tool plumbing is never stored here).
 */
export async function translateChat(
  context: RequestContext,
  request: Request,
  body: Record<string, unknown>,
  model: ParsedModel,
  surface: Surface,
): Promise<Response> {
  if (surface === 'google')
    throw refusal(
      'contents',
      model,
      'google',
      'is only translated from the OpenAI and Anthropic formats',
    );
  const controls = memoryControls(request.headers, body);
  const { body: stripped, excluded } = stripOwnFields(body, 'messages');
  const input =
    surface === 'openai' ? fromOpenAiFormat(stripped, model) : fromAnthropicFormat(stripped, model);
  const messages = listOf(stripped.messages);
  let lastUserIndex = -1;
  messages.forEach((message, index) => {
    if (isRecord(message) && message.role === 'user') lastUserIndex = index;
  });
  const chatInput: ChatInput = {
    ...input,
    sessionId: controls.sessionId,
    conversationId: controls.conversationId,
    memoryMode: controls.mode,
    windows: controls.windows,
    contextLimit: controls.contextLimit,
    storeRequest: controls.storeRequest && !excluded.has(lastUserIndex),
    storeResponse: controls.storeResponse,
  };
  const modelName = String(body.model);
  const headers = {
    ...receiptHeaders({ hits: [], memoryTokens: 0 }),
    ...(controls.sessionId ? { 'x-session-id': controls.sessionId } : {}),
  };

  if (stripped.stream !== true) {
    const outcome = await completeChat(context, chatInput, request.signal);
    const answer =
      surface === 'openai'
        ? openAiCompletion(modelName, outcome)
        : anthropicMessage(modelName, outcome);
    return Response.json(
      controls.receiptInBody ? { ...answer, memory: receiptJson(outcome.memory) } : answer,
      {
        headers: {
          ...headers,
          ...receiptHeaders(outcome.memory),
          'x-memory-chunks-retrieved': String(outcome.memory.hits.length),
        },
      },
    );
  }
  const abort = new AbortController();
  const chat = await openChat(context, chatInput, abort.signal);
  const includeUsage =
    isRecord(stripped.stream_options) && stripped.stream_options.include_usage === true;
  return streamChat(
    chat,
    abort,
    surface === 'openai' ? openAiFraming(modelName, includeUsage) : anthropicFraming(modelName),
    {
      ...headers,
      ...receiptHeaders(chat.memory),
      'x-memory-chunks-retrieved': String(chat.memory.hits.length),
    },
  );
}
