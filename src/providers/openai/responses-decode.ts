import {
  answerBody,
  asNumber,
  collect,
  parseJson,
  type SseEvent,
  type StreamDecoder,
  type WireDecoding,
} from '../decoder';
import { isRecord, listOf } from '../native';
import type { AnswerEnd, AnswerEvent, AnswerUsage, ProviderId, ToolCall } from '../types';
import { answerBroken, providerStreamError } from '../upstream-error';

function usageOf(raw: unknown): AnswerUsage | null {
  if (!isRecord(raw)) return null;
  return { inputTokens: asNumber(raw.input_tokens), outputTokens: asNumber(raw.output_tokens) };
}

/** A `function_call` output item as a tool call; null for any other item. */
function toolCallOf(item: unknown): ToolCall | null {
  if (!isRecord(item) || item.type !== 'function_call') return null;
  return {
    id: typeof item.call_id === 'string' ? item.call_id : String(item.id ?? ''),
    name: typeof item.name === 'string' ? item.name : '',
    arguments: typeof item.arguments === 'string' ? item.arguments : '',
  };
}

/** The events that end a response, each with the status it ends in. */
const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * The Responses API's named events: text from `response.output_text.delta`,
 * function calls from their finished output items, the end (completed,
 * incomplete or failed) with its usage from the terminal event, and the
 * `error` event a provider sends after the 200. It remembers the last
 * sequence number, so an error event of ours can follow it.
 */
export class ResponsesStreamDecoder implements StreamDecoder {
  private status: string | null = null;
  private usage: AnswerUsage | null = null;
  nextSequence = 0;
  responseId: string | null = null;

  constructor(
    private readonly provider: ProviderId,
    private readonly apiKey: string | null,
  ) {}

  get complete(): boolean {
    return this.status !== null;
  }

  push({ event, data }: SseEvent): AnswerEvent[] {
    // OpenAI sends none; some compatible servers end with it anyway.
    if (data.trim() === '[DONE]') return [];
    const chunk = parseJson(this.provider, data, this.apiKey);
    const sequence = asNumber(chunk.sequence_number);
    if (sequence !== null) this.nextSequence = sequence + 1;
    const type = typeof chunk.type === 'string' ? chunk.type : (event ?? '');
    // response.created, the first event, carries the whole response and its id.
    if (
      this.responseId === null &&
      isRecord(chunk.response) &&
      typeof chunk.response.id === 'string'
    )
      this.responseId = chunk.response.id;
    if (type === 'error') {
      const code = typeof chunk.code === 'string' ? `${chunk.code}: ` : '';
      const message = typeof chunk.message === 'string' ? chunk.message : 'error event';
      throw providerStreamError(this.provider, `${code}${message}`, this.apiKey, chunk);
    }
    if (type === 'response.output_text.delta') {
      return typeof chunk.delta === 'string' && chunk.delta !== ''
        ? [{ type: 'text', text: chunk.delta }]
        : [];
    }
    if (type === 'response.output_item.done') {
      const call = toolCallOf(chunk.item);
      return call ? [{ type: 'tool_call', call }] : [];
    }
    if (TERMINAL_EVENTS.has(type)) {
      const response = isRecord(chunk.response) ? chunk.response : {};
      this.status = statusOf(response) ?? type.slice('response.'.length);
      this.usage = usageOf(response.usage);
    }
    return [];
  }

  end(): AnswerEnd {
    return { finishReason: this.status, usage: this.usage };
  }
}

/**
 * How a response ended: its status, except that one left incomplete by a
 * content filter says `content_filter`, as a chat completion's finish
 * reason does (a refused answer is not stored: answerSkipReason).
 */
function statusOf(response: Record<string, unknown>): string | null {
  const details = response.incomplete_details;
  if (response.status === 'incomplete' && isRecord(details) && details.reason === 'content_filter')
    return 'content_filter';
  return typeof response.status === 'string' ? response.status : null;
}

export const responsesDecoding: WireDecoding = {
  streamDecoder: (provider, apiKey) => new ResponsesStreamDecoder(provider, apiKey),
  decodeBody(provider, text, apiKey) {
    const body = answerBody(provider, text, apiKey);
    if (!Array.isArray(body.output)) {
      throw answerBroken(provider, 'the response has no output', apiKey);
    }
    const events: AnswerEvent[] = [];
    for (const item of body.output) {
      const call = toolCallOf(item);
      if (call) events.push({ type: 'tool_call', call });
      if (!isRecord(item) || item.type !== 'message') continue;
      for (const part of listOf(item.content)) {
        if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string')
          events.push({ type: 'text', text: part.text });
      }
    }
    return collect(events, {
      finishReason: statusOf(body),
      usage: usageOf(body.usage),
      ...(typeof body.id === 'string' ? { responseId: body.id } : {}),
    });
  },
};
