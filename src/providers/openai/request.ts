import type { ChatMessage, ProviderCall, ProviderId } from '../types';
import { withMemoryMessage, type MemoryMessagePlacement } from './native';

/**
 * OpenAI chat messages. The memory block goes after the caller's leading
 * system messages, so their prefix (and the provider's prompt cache of it)
 * stays the same from call to call: a system message of its own for OpenAI,
 * joined to the last of them for OpenRouter and compatible servers
 * (`withMemoryMessage`).
 */
export function openAiMessages(
  messages: ChatMessage[],
  memoryBlock: string | null,
  placement: MemoryMessagePlacement = 'own-message',
) {
  const wire = messages.map((message) => {
    if (message.role === 'USER' && message.toolCallId) {
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
    if (message.role === 'ASSISTANT' && message.toolCalls?.length) {
      return {
        role: 'assistant',
        content: message.content === '' ? null : message.content,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    }
    return { role: message.role.toLowerCase(), content: message.content };
  });
  if (memoryBlock === null) return wire;
  return withMemoryMessage(wire, memoryBlock, placement);
}

/** A streamed chat-completions request from a provider-neutral call. */
export function openAiRequest(provider: ProviderId, call: ProviderCall): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: call.model,
    messages: openAiMessages(
      call.messages,
      call.memoryBlock,
      call.memoryPlacement === 'user'
        ? 'first-user'
        : provider === 'openai'
          ? 'own-message'
          : 'joined',
    ),
    stream: true,
  };
  // Usage arrives in a last chunk only when asked for. OpenAI and OpenRouter
  // know the option, and so do the compatible servers (vLLM, llama.cpp's
  // llama-server, Ollama, llamafile, MLX): ARCHITECTURE.md,
  // "Usage from compatible servers".
  body.stream_options = { include_usage: true };
  if (call.temperature !== null) body.temperature = call.temperature;
  if (call.maxTokens !== null) {
    // OpenAI's reasoning models refuse max_tokens; every current OpenAI model takes max_completion_tokens.
    body[provider === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = call.maxTokens;
  }
  if (call.topP != null) body.top_p = call.topP;
  if (call.stop?.length) body.stop = call.stop;
  if (call.tools?.length) {
    body.tools = call.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters,
      },
    }));
  }
  if (call.toolChoice) {
    body.tool_choice =
      typeof call.toolChoice === 'string'
        ? call.toolChoice
        : { type: 'function', function: { name: call.toolChoice.name } };
  }
  const format = call.responseFormat;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(format.strict === undefined ? {} : { strict: format.strict }),
      },
    };
  }
  return body;
}
