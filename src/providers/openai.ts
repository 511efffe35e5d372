import type { ChatMessage, Provider, ProviderCall, ProviderId, ProviderSettings } from './types';
import { openUpstream, serverSentEvents } from './http';
import { streamInterrupted } from './upstream-error';

/** OpenAI chat messages: the memory block is the first system message. */
export function openAiMessages(messages: ChatMessage[], memoryBlock: string | null) {
  return [
    ...(memoryBlock === null ? [] : [{ role: 'system' as const, content: memoryBlock }]),
    ...messages.map((message) => ({
      role: message.role.toLowerCase() as 'user' | 'assistant' | 'system',
      content: message.content,
    })),
  ];
}

interface ChunkBody {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  error?: { message?: string };
}

/**
 * The OpenAI chat-completions wire format, shared by OpenAI, OpenRouter and any
 * OpenAI-compatible server; they differ only in base URL and headers.
 */
export class OpenAiCompatibleProvider implements Provider {
  constructor(
    readonly id: ProviderId,
    private readonly baseUrl: (settings: ProviderSettings) => string | null,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  async stream(call: ProviderCall, settings: ProviderSettings) {
    const baseUrl = this.baseUrl(settings);
    if (baseUrl === null) throw new Error(`provider ${this.id} is not configured`);
    const { response, abort } = await openUpstream(
      this.id,
      `${baseUrl.replace(/\/$/, '')}/chat/completions`,
      {
        headers: {
          ...(call.apiKey ? { authorization: `Bearer ${call.apiKey}` } : {}),
          ...this.extraHeaders,
        },
        body: {
          model: call.model,
          messages: openAiMessages(call.messages, call.memoryBlock),
          stream: true,
          ...(call.temperature === null ? {} : { temperature: call.temperature }),
          ...(call.maxTokens === null ? {} : { max_tokens: call.maxTokens }),
        },
      },
      call.apiKey,
      settings.timeoutMs,
      call.signal,
    );
    return this.deltas(response, abort, settings, call.apiKey);
  }

  private async *deltas(
    response: Response,
    abort: AbortController,
    settings: ProviderSettings,
    apiKey: string | null,
  ) {
    let finished = false;
    for await (const event of serverSentEvents(this.id, response, abort, settings.timeoutMs)) {
      if (event.data === '[DONE]') return;
      const chunk = JSON.parse(event.data) as ChunkBody;
      if (chunk.error)
        throw streamInterrupted(this.id, chunk.error.message ?? 'error event', apiKey);
      for (const choice of chunk.choices ?? []) {
        if (choice.delta?.content) yield choice.delta.content;
        if (choice.finish_reason) finished = true;
      }
    }
    if (!finished)
      throw streamInterrupted(this.id, 'the stream closed before the answer finished', apiKey);
  }
}
