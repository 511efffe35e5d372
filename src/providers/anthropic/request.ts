import { CodedError } from '../../core/errors';
import type { ChatMessage, ProviderCall } from '../types';

export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 1024;

type Block = Record<string, unknown>;

function parsedArguments(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function blocksOf(message: ChatMessage): Block[] {
  if (message.role === 'USER' && message.toolCallId) {
    return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
  }
  const blocks: Block[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
  for (const call of message.toolCalls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: parsedArguments(call.arguments),
    });
  }
  return blocks;
}

/**
 * Anthropic messages: system text (the caller's system messages, then the
 * memory block) goes in `system`; turns alternate user/assistant, so
 * consecutive turns of one role are joined. A turn that is a single text
 * block is sent as a plain string.
 */
export function anthropicRequest(messages: ChatMessage[], memoryBlock: string | null) {
  const system = [
    ...messages.filter((m) => m.role === 'SYSTEM').map((m) => m.content),
    ...(memoryBlock ? [memoryBlock] : []),
  ];
  const turns: { role: 'user' | 'assistant'; blocks: Block[] }[] = [];
  for (const message of messages) {
    if (message.role === 'SYSTEM') continue;
    const role = message.role === 'USER' ? 'user' : 'assistant';
    const blocks = blocksOf(message);
    const last = turns.at(-1);
    if (last?.role === role) {
      // Two text blocks in a row read as one paragraph break, as before.
      const previous = last.blocks.at(-1);
      const next = blocks[0];
      if (previous?.type === 'text' && next?.type === 'text' && blocks.length === 1) {
        previous.text = `${String(previous.text)}\n\n${String(next.text)}`;
      } else last.blocks.push(...blocks);
    } else turns.push({ role, blocks });
  }
  return {
    system: system.length > 0 ? system.join('\n\n') : undefined,
    messages: turns.map(({ role, blocks }) => ({
      role,
      content: blocks.length === 1 && blocks[0]!.type === 'text' ? blocks[0]!.text : blocks,
    })),
  };
}

/** A streamed messages request from a provider-neutral call. */
export function anthropicBody(call: ProviderCall): Record<string, unknown> {
  if (call.responseFormat && call.responseFormat.type !== 'text') {
    throw new CodedError(
      'BAD_USER_INPUT',
      'responseFormat is not available for Anthropic models: describe the shape in a tool, or use POST /v1/messages',
      'UNSUPPORTED_FIELD',
    );
  }
  const { system, messages } = anthropicRequest(call.messages, call.memoryBlock);
  const body: Record<string, unknown> = {
    model: call.model,
    max_tokens: call.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
    stream: true,
  };
  if (system !== undefined) body.system = system;
  if (call.temperature !== null) body.temperature = call.temperature;
  if (call.topP != null) body.top_p = call.topP;
  if (call.stop?.length) body.stop_sequences = call.stop;
  if (call.tools?.length) {
    body.tools = call.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: tool.parameters,
    }));
  }
  const choice = call.toolChoice;
  if (choice) {
    body.tool_choice =
      choice === 'auto'
        ? { type: 'auto' }
        : choice === 'none'
          ? { type: 'none' }
          : choice === 'required'
            ? { type: 'any' }
            : { type: 'tool', name: choice.name };
  }
  return body;
}
