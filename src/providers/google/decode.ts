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
import type { AnswerEnd, AnswerEvent, AnswerUsage, ProviderId } from '../types';
import { answerBroken, providerStreamError } from '../upstream-error';

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: unknown };
  thoughtSignature?: string;
}

interface Candidate {
  index?: number;
  content?: { parts?: Part[] };
  finishReason?: string;
}

function usageOf(raw: unknown, previous: AnswerUsage | null): AnswerUsage | null {
  if (typeof raw !== 'object' || raw === null) return previous;
  const usage = raw as Record<string, unknown>;
  const output = [usage.candidatesTokenCount, usage.thoughtsTokenCount].map(asNumber);
  return {
    inputTokens: asNumber(usage.promptTokenCount),
    outputTokens: output.every((n) => n === null)
      ? null
      : output.reduce<number>((sum, n) => sum + (n ?? 0), 0),
  };
}

/** The answer events of one generateContent response (a whole body or one stream chunk). */
function eventsOf(chunk: Record<string, unknown>, callCount: { n: number }): AnswerEvent[] {
  const candidates = (chunk.candidates as Candidate[] | undefined) ?? [];
  const candidate = candidates.find((c) => (c.index ?? 0) === 0) ?? candidates[0];
  const events: AnswerEvent[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (typeof part.text === 'string' && part.text !== '' && !part.thought)
      events.push({ type: 'text', text: part.text });
    if (part.functionCall) {
      const id = part.functionCall.id ?? `call_${callCount.n}`;
      callCount.n++;
      events.push({
        type: 'tool_call',
        call: {
          id,
          name: part.functionCall.name ?? '',
          arguments: JSON.stringify(part.functionCall.args ?? {}),
          ...(typeof part.thoughtSignature === 'string'
            ? { signature: part.thoughtSignature }
            : {}),
        },
      });
    }
  }
  return events;
}

function finishOf(chunk: Record<string, unknown>): string | null {
  const candidates = (chunk.candidates as Candidate[] | undefined) ?? [];
  const reason = candidates.find((c) => c.finishReason)?.finishReason;
  if (reason) return reason;
  const blocked = (chunk.promptFeedback as { blockReason?: string } | undefined)?.blockReason;
  return blocked ?? null;
}

/**
 * Gemini's streamGenerateContent chunks (`alt=sse`): text parts that are not
 * thoughts, whole functionCall parts, usageMetadata, a finishReason (or a
 * blocked prompt) as the end, and `{"error": …}` sent after the 200.
 */
export class GoogleStreamDecoder implements StreamDecoder {
  private finishReason: string | null = null;
  private usage: AnswerUsage | null = null;
  private readonly calls = { n: 0 };

  constructor(
    private readonly provider: ProviderId,
    private readonly apiKey: string | null,
  ) {}

  get complete(): boolean {
    return this.finishReason !== null;
  }

  push({ data }: SseEvent): AnswerEvent[] {
    const chunk = parseJson(this.provider, data, this.apiKey);
    const error = embeddedError(chunk);
    if (error !== null) throw providerStreamError(this.provider, error, this.apiKey, chunk);
    this.usage = usageOf(chunk.usageMetadata, this.usage);
    this.finishReason = finishOf(chunk) ?? this.finishReason;
    return eventsOf(chunk, this.calls);
  }

  end(): AnswerEnd {
    return { finishReason: this.finishReason, usage: this.usage };
  }
}

export const googleDecoding: WireDecoding = {
  streamDecoder: (provider, apiKey) => new GoogleStreamDecoder(provider, apiKey),
  decodeBody(provider, text, apiKey) {
    const body = answerBody(provider, text, apiKey);
    if (!Array.isArray(body.candidates) && body.promptFeedback === undefined) {
      throw answerBroken(provider, 'the answer has no candidates', apiKey);
    }
    return collect(eventsOf(body, { n: 0 }), {
      finishReason: finishOf(body),
      usage: usageOf(body.usageMetadata, null),
    });
  },
};
