import type { ChatMessage, Provider, ProviderCall, ProviderSettings } from './types';
import { openUpstream, serverSentEvents } from './http';
import { streamInterrupted } from './upstream-error';

/** Gemini: system text (caller's system messages, then memory) goes in `systemInstruction`. */
export function geminiRequest(messages: ChatMessage[], memoryBlock: string | null) {
  const system = [
    ...messages.filter((m) => m.role === 'SYSTEM').map((m) => m.content),
    ...(memoryBlock ? [memoryBlock] : []),
  ];
  const contents = messages
    .filter((message) => message.role !== 'SYSTEM')
    .map((message) => ({
      role: message.role === 'USER' ? 'user' : 'model',
      parts: [{ text: message.content }],
    }));
  return {
    contents,
    ...(system.length > 0 ? { systemInstruction: { parts: [{ text: system.join('\n\n') }] } } : {}),
  };
}

interface GeminiChunk {
  candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[];
  error?: { message?: string };
}

export class GoogleProvider implements Provider {
  readonly id = 'google' as const;

  async stream(call: ProviderCall, settings: ProviderSettings) {
    const model = encodeURIComponent(call.model);
    const { response, abort } = await openUpstream(
      this.id,
      `${settings.endpoints.google.replace(/\/$/, '')}/v1beta/models/${model}:streamGenerateContent?alt=sse`,
      {
        headers: { 'x-goog-api-key': call.apiKey ?? '' },
        body: {
          ...geminiRequest(call.messages, call.memoryBlock),
          generationConfig: {
            ...(call.temperature === null ? {} : { temperature: call.temperature }),
            ...(call.maxTokens === null ? {} : { maxOutputTokens: call.maxTokens }),
          },
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
      const chunk = JSON.parse(event.data) as GeminiChunk;
      if (chunk.error)
        throw streamInterrupted(this.id, chunk.error.message ?? 'error event', apiKey);
      for (const candidate of chunk.candidates ?? []) {
        for (const part of candidate.content?.parts ?? []) if (part.text) yield part.text;
        if (candidate.finishReason) finished = true;
      }
    }
    if (!finished)
      throw streamInterrupted(this.id, 'the stream closed before a finishReason', apiKey);
  }
}
