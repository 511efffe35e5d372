import type { ChatMessage, Provider, ProviderCall, ProviderSettings } from './types';
import { openUpstream, serverSentEvents } from './http';
import { streamInterrupted } from './upstream-error';

const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 1024;

/**
 * Anthropic messages: system text (the caller's system messages, then the
 * memory block) goes in `system`; turns alternate user/assistant, so
 * consecutive turns of one role are joined.
 */
export function anthropicRequest(messages: ChatMessage[], memoryBlock: string | null) {
  const system = [
    ...messages.filter((m) => m.role === 'SYSTEM').map((m) => m.content),
    ...(memoryBlock ? [memoryBlock] : []),
  ];
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const message of messages) {
    if (message.role === 'SYSTEM') continue;
    const role = message.role === 'USER' ? 'user' : 'assistant';
    const last = turns.at(-1);
    if (last?.role === role) last.content += `\n\n${message.content}`;
    else turns.push({ role, content: message.content });
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: turns };
}

interface AnthropicEvent {
  type: string;
  delta?: { type?: string; text?: string };
  error?: { type?: string; message?: string };
}

export class AnthropicProvider implements Provider {
  readonly id = 'anthropic' as const;

  async stream(call: ProviderCall, settings: ProviderSettings) {
    const { system, messages } = anthropicRequest(call.messages, call.memoryBlock);
    const { response, abort } = await openUpstream(
      this.id,
      `${settings.endpoints.anthropic.replace(/\/$/, '')}/v1/messages`,
      {
        headers: { 'x-api-key': call.apiKey ?? '', 'anthropic-version': ANTHROPIC_VERSION },
        body: {
          model: call.model,
          max_tokens: call.maxTokens ?? DEFAULT_MAX_TOKENS,
          messages,
          stream: true,
          ...(system === undefined ? {} : { system }),
          ...(call.temperature === null ? {} : { temperature: call.temperature }),
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
    for await (const event of serverSentEvents(this.id, response, abort, settings.timeoutMs)) {
      const body = JSON.parse(event.data) as AnthropicEvent;
      switch (body.type) {
        case 'content_block_delta':
          if (body.delta?.type === 'text_delta' && body.delta.text) yield body.delta.text;
          break;
        case 'message_stop':
          return;
        case 'error':
          throw streamInterrupted(this.id, body.error?.message ?? 'error event', apiKey);
      }
    }
    throw streamInterrupted(this.id, 'the stream closed before message_stop', apiKey);
  }
}
