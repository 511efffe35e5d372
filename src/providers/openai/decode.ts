import {
  answerBody,
  asNumber,
  collect,
  embeddedError,
  parseJson,
  type SseEvent,
  type StreamDecoder,
  type WireDecoding,
} from '../decoder';
import type { AnswerEnd, AnswerEvent, AnswerUsage, ProviderId, ToolCall } from '../types';
import { answerBroken, providerStreamError } from '../upstream-error';

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface Choice {
  index?: number;
  delta?: { content?: unknown; tool_calls?: ToolCallDelta[]; audio?: unknown };
  message?: {
    content?: unknown;
    audio?: unknown;
    tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
  };
  finish_reason?: string | null;
}

function usageOf(raw: unknown): AnswerUsage | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { prompt_tokens, completion_tokens } = raw as Record<string, unknown>;
  return { inputTokens: asNumber(prompt_tokens), outputTokens: asNumber(completion_tokens) };
}

/**
 * The words of an audio answer (`modalities: ["text", "audio"]`): its
 * transcript, streamed as `delta.audio.transcript` pieces. It is what the
 * model said, so it is the answer's text to store (review 248 A1); the audio
 * itself passes to the client untouched.
 */
function transcriptOf(audio: unknown): string {
  if (typeof audio !== 'object' || audio === null) return '';
  const { transcript } = audio as Record<string, unknown>;
  return typeof transcript === 'string' ? transcript : '';
}

/** Text of a message's content: a string, or (some compatible servers) a list of text parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part?.text === 'string' ? (part.text as string) : ''))
      .join('');
  }
  return '';
}

/**
 * OpenAI chat-completion chunks (OpenRouter and compatible servers too): text
 * of choice 0, tool calls assembled from their argument deltas, the usage
 * chunk of `stream_options.include_usage`, and `data: {"error": …}` sent after
 * the 200. OpenRouter's keep-alive comments never reach a decoder.
 */
export class OpenAiStreamDecoder implements StreamDecoder {
  private done = false;
  private finishReason: string | null = null;
  private usage: AnswerUsage | null = null;
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  constructor(
    private readonly provider: ProviderId,
    private readonly apiKey: string | null,
  ) {}

  get complete(): boolean {
    return this.done || this.finishReason !== null;
  }

  push({ data }: SseEvent): AnswerEvent[] {
    if (data.trim() === '[DONE]') {
      this.done = true;
      return this.flushCalls();
    }
    const chunk = parseJson(this.provider, data, this.apiKey);
    const error = embeddedError(chunk);
    if (error !== null) throw providerStreamError(this.provider, error, this.apiKey, chunk);
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    const events: AnswerEvent[] = [];
    for (const choice of (chunk.choices as Choice[] | undefined) ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const text = textOf(choice.delta?.content) + transcriptOf(choice.delta?.audio);
      if (text !== '') events.push({ type: 'text', text });
      for (const delta of choice.delta?.tool_calls ?? []) {
        const index = delta.index ?? 0;
        const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name += delta.function.name;
        if (delta.function?.arguments) call.arguments += delta.function.arguments;
        this.calls.set(index, call);
      }
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        events.push(...this.flushCalls());
      }
    }
    return events;
  }

  end(): AnswerEnd {
    return { finishReason: this.finishReason, usage: this.usage };
  }

  private flushCalls(): AnswerEvent[] {
    const calls = [...this.calls.entries()].sort(([a], [b]) => a - b);
    this.calls.clear();
    return calls.map(([index, call]) => ({
      type: 'tool_call' as const,
      call: { ...call, id: call.id || `call_${index}` },
    }));
  }
}

export const openAiDecoding: WireDecoding = {
  streamDecoder: (provider, apiKey) => new OpenAiStreamDecoder(provider, apiKey),
  decodeBody(provider, text, apiKey) {
    const body = answerBody(provider, text, apiKey);
    const choices = body.choices as Choice[] | undefined;
    if (!Array.isArray(choices)) throw answerBroken(provider, 'the answer has no choices', apiKey);
    const choice = choices.find((c) => (c.index ?? 0) === 0) ?? choices[0];
    const events: AnswerEvent[] = [];
    const text0 = textOf(choice?.message?.content) || transcriptOf(choice?.message?.audio);
    if (text0 !== '') events.push({ type: 'text', text: text0 });
    (choice?.message?.tool_calls ?? []).forEach((call, index) => {
      const toolCall: ToolCall = {
        id: call.id ?? `call_${index}`,
        name: call.function?.name ?? '',
        arguments: call.function?.arguments ?? '',
      };
      events.push({ type: 'tool_call', call: toolCall });
    });
    return collect(events, {
      finishReason: choice?.finish_reason ?? null,
      usage: usageOf(body.usage),
    });
  },
};
