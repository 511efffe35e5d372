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

interface Block {
  type?: string;
  id?: string;
  name?: string;
  text?: string;
  input?: unknown;
}

/** All input tokens, cached or not: Anthropic reports the three parts apart. */
function usageOf(raw: unknown, previous: AnswerUsage | null): AnswerUsage | null {
  if (typeof raw !== 'object' || raw === null) return previous;
  const usage = raw as Record<string, unknown>;
  const parts = [
    usage.input_tokens,
    usage.cache_creation_input_tokens,
    usage.cache_read_input_tokens,
  ].map(asNumber);
  const input = parts.every((part) => part === null)
    ? (previous?.inputTokens ?? null)
    : parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
  return {
    inputTokens: input,
    outputTokens: asNumber(usage.output_tokens) ?? previous?.outputTokens ?? null,
  };
}

/**
 * Anthropic message events: text deltas of text blocks (thinking is not the
 * answer), tool_use blocks assembled from their input_json deltas, usage from
 * message_start and message_delta, `event: error` (e.g. overloaded_error)
 * after the 200, and message_stop as the end.
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  complete = false;
  /** The message's id (message_start): a thread's turn is continued by it. */
  responseId: string | null = null;
  private stopReason: string | null = null;
  private usage: AnswerUsage | null = null;
  private readonly blocks = new Map<number, Block & { json: string }>();

  constructor(
    private readonly provider: ProviderId,
    private readonly apiKey: string | null,
  ) {}

  push({ data }: SseEvent): AnswerEvent[] {
    const body = parseJson(this.provider, data, this.apiKey);
    switch (body.type) {
      case 'message_start': {
        const id = (body.message as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string' && id !== '') this.responseId = id;
        this.usage = usageOf((body.message as { usage?: unknown } | undefined)?.usage, this.usage);
        return [];
      }
      case 'content_block_start': {
        const block = (body.content_block ?? {}) as Block;
        this.blocks.set(Number(body.index), { ...block, json: '' });
        return [];
      }
      case 'content_block_delta': {
        const delta = (body.delta ?? {}) as { type?: string; text?: string; partial_json?: string };
        const block = this.blocks.get(Number(body.index));
        if (delta.type === 'text_delta' && delta.text && block?.type !== 'thinking')
          return [{ type: 'text', text: delta.text }];
        if (delta.type === 'input_json_delta' && block) block.json += delta.partial_json ?? '';
        return [];
      }
      case 'content_block_stop': {
        const block = this.blocks.get(Number(body.index));
        if (block?.type !== 'tool_use') return [];
        const args = block.json !== '' ? block.json : JSON.stringify(block.input ?? {});
        return [
          {
            type: 'tool_call',
            call: { id: block.id ?? '', name: block.name ?? '', arguments: args },
          },
        ];
      }
      case 'message_delta':
        this.stopReason =
          (body.delta as { stop_reason?: string | null } | undefined)?.stop_reason ??
          this.stopReason;
        this.usage = usageOf(body.usage, this.usage);
        return [];
      case 'message_stop':
        this.complete = true;
        return [];
      case 'error':
        throw providerStreamError(
          this.provider,
          embeddedError(body) ?? 'error event',
          this.apiKey,
          body,
        );
      default:
        // ping, and event types added later
        return [];
    }
  }

  end(): AnswerEnd {
    return { finishReason: this.stopReason, usage: this.usage };
  }
}

export const anthropicDecoding: WireDecoding = {
  streamDecoder: (provider, apiKey) => new AnthropicStreamDecoder(provider, apiKey),
  decodeBody(provider, text, apiKey) {
    // Its error sent with a 200 is its error (errorInAnswer), as the other formats'.
    const body = answerBody(provider, text, apiKey);
    if (!Array.isArray(body.content))
      throw answerBroken(provider, 'the answer has no content', apiKey);
    const events: AnswerEvent[] = [];
    for (const block of body.content as Block[]) {
      if (block.type === 'text' && block.text) events.push({ type: 'text', text: block.text });
      if (block.type === 'tool_use') {
        events.push({
          type: 'tool_call',
          call: {
            id: block.id ?? '',
            name: block.name ?? '',
            arguments: JSON.stringify(block.input ?? {}),
          },
        });
      }
    }
    return collect(events, {
      finishReason: typeof body.stop_reason === 'string' ? body.stop_reason : null,
      usage: usageOf(body.usage, null),
      ...(typeof body.id === 'string' ? { responseId: body.id } : {}),
    });
  },
};
