import { parseResponseFormat, parseToolChoice, parseTools } from '../resolvers/chat/tool-input';
import type { ChatInput } from '../resolvers/chat/pipeline';
import { CodedError } from '../core/errors';
import { isRecord, listOf } from '../providers/native';
import type { ParsedModel } from '../providers/models';
import type { ChatMessage, ToolCall } from '../providers/types';
import type { ChatSurface } from './surfaces';

/**
 * Across formats: a request in one provider's format for another provider's
 * model (OpenAI's format to a Claude or Gemini model, Anthropic's to a GPT or
 * Gemini model). This file reads such a request into the chat pipeline's input. The
 * translation carries the fields listed below, each with
 * its full meaning; a request holding anything else is refused with a 400
 * naming the field and the way that keeps it (the model's native endpoint, or
 * the model through OpenRouter), so nothing is ever dropped silently.
 */

const NATIVE_ENDPOINT: Record<ChatSurface, string> = {
  openai: 'POST /v1/chat/completions in OpenAI’s format',
  anthropic: 'POST /v1/messages in Anthropic’s format',
  google: 'POST /v1beta/models/{model}:generateContent in Gemini’s format',
};

/**
 * The Gemini route asked for another provider's model: it translates nothing
 * into other formats, so it names the models it serves and where this one is served.
 */
export function notServedByGemini(model: ParsedModel): CodedError {
  const native = NATIVE_ENDPOINT[SURFACE_OF_PROVIDER[model.provider]].replace(
    '{model}',
    model.model,
  );
  return new CodedError(
    'BAD_USER_INPUT',
    `the Gemini route serves Gemini models only (gemini-…, google/gemini-…), not ${model.provider}/${model.model}: call ${native} with model "${model.provider}/${model.model}"`,
    'MODEL_NOT_SERVED',
    { param: 'model' },
  );
}

const SURFACE_OF_PROVIDER = {
  openai: 'openai',
  openrouter: 'openai',
  compatible: 'openai',
  anthropic: 'anthropic',
  google: 'google',
} as const;

export function refusal(
  field: string,
  model: ParsedModel,
  from: ChatSurface,
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

/**
 * Fields whose value asks for nothing (OpenAI's defaults, which clients and
 * frameworks often send anyway, or `store: false` for privacy): accepted and
 * dropped, as `n: 1` is, since no target lacks what they ask for (review 248
 * A3). Any other value of theirs is still refused by name.
 */
const OPENAI_NEUTRAL: Record<string, (value: unknown) => boolean> = {
  logprobs: (value) => value === false,
  presence_penalty: (value) => value === 0,
  frequency_penalty: (value) => value === 0,
  store: (value) => value === false,
  metadata: (value) => isRecord(value) && Object.keys(value).length === 0,
  user: (value) => value === '',
};

const neutral = (key: string, value: unknown): boolean => OPENAI_NEUTRAL[key]?.(value) === true;

export function fromOpenAiFormat(body: Record<string, unknown>, model: ParsedModel): ChatInput {
  const refuse = (field: string) => refusal(field, model, 'openai');
  onlyKeys(
    Object.fromEntries(Object.entries(body).filter(([key, value]) => !neutral(key, value))),
    OPENAI_CARRIED,
    '',
    refuse,
  );
  if (body.n !== undefined && body.n !== 1) throw refuse('n');
  if (body.parallel_tool_calls === false) throw refuse('parallel_tool_calls');
  if (isRecord(body.stream_options))
    onlyKeys(body.stream_options, ['include_usage'], 'stream_options', refuse);
  const format = parseResponseFormat(body.response_format, 'response_format');
  if (format && format.type !== 'text' && model.provider === 'anthropic')
    throw refuse('response_format');
  if (!Array.isArray(body.messages))
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list', 'INVALID_REQUEST');
  const messages: ChatMessage[] = body.messages.map((raw: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(raw))
      throw new CodedError('BAD_USER_INPUT', `${path} must be an object`, 'INVALID_REQUEST');
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
              'INVALID_REQUEST',
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
          throw new CodedError(
            'BAD_USER_INPUT',
            `${path}.tool_call_id is required`,
            'INVALID_REQUEST',
          );
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
          'INVALID_REQUEST',
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
    throw new CodedError(
      'BAD_USER_INPUT',
      '`stop` must be a string or a list of strings',
      'INVALID_REQUEST',
    );
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
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list', 'INVALID_REQUEST');
  const messages: ChatMessage[] = [];
  body.messages.forEach((raw: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(raw) || (raw.role !== 'user' && raw.role !== 'assistant')) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `${path}.role must be user or assistant`,
        'INVALID_REQUEST',
      );
    }
    onlyKeys(raw, ['role', 'content'], path, refuse);
    const blocks =
      typeof raw.content === 'string' ? [{ type: 'text', text: raw.content }] : listOf(raw.content);
    let content = '';
    const toolCalls: ToolCall[] = [];
    blocks.forEach((block: unknown, at) => {
      const where = `${path}.content[${at}]`;
      if (!isRecord(block))
        throw new CodedError(
          'BAD_USER_INPUT',
          `${where} must be a content block`,
          'INVALID_REQUEST',
        );
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
