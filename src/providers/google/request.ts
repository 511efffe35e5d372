import { refusesSystemSlot, type MemoryPlacement } from '../memory-placement';
import type { ChatMessage, ProviderCall } from '../types';

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Gemini contents: system text (caller's system messages, then memory) goes in
 * `systemInstruction`; tool calls are functionCall parts of a model turn and
 * their results functionResponse parts, named after the call they answer.
 * Placement `user` moves the memory block to a text part before the first
 * user turn's words; a model that refuses `systemInstruction` (Gemma's:
 * memory-placement.ts) gets the caller's system text there too, since
 * nothing can reach it otherwise. With no user turn, all of it stays in
 * `systemInstruction`.
 */
export function geminiRequest(
  messages: ChatMessage[],
  memoryBlock: string | null,
  options: { placement?: MemoryPlacement; systemSlot?: boolean } = {},
) {
  const callerSystem = messages.filter((m) => m.role === 'SYSTEM').map((m) => m.content);
  const memory = memoryBlock ? [memoryBlock] : [];
  const turns = messages.filter((message) => message.role !== 'SYSTEM');
  const firstUser = turns.findIndex((message) => message.role === 'USER' && !message.toolCallId);
  let system = [...callerSystem, ...memory];
  let led: string[] = [];
  if (firstUser !== -1 && options.systemSlot === false) [system, led] = [[], system];
  else if (firstUser !== -1 && options.placement === 'user') [system, led] = [callerSystem, memory];
  const callNames = new Map<string, string>();
  for (const message of messages)
    for (const call of message.toolCalls ?? []) callNames.set(call.id, call.name);
  const contents = turns.map((message, index) => {
    if (message.role === 'USER' && message.toolCallId) {
      const result = parsedJson(message.content);
      return {
        role: 'user',
        parts: [
          {
            functionResponse: {
              name: callNames.get(message.toolCallId) ?? message.toolCallId,
              response:
                typeof result === 'object' && result !== null && !Array.isArray(result)
                  ? result
                  : { result },
            },
          },
        ],
      };
    }
    const parts: Record<string, unknown>[] =
      index === firstUser && led.length > 0 ? [{ text: `${led.join('\n\n')}\n\n` }] : [];
    if (message.content !== '') parts.push({ text: message.content });
    for (const call of message.toolCalls ?? []) {
      parts.push({
        functionCall: { name: call.name, args: parsedJson(call.arguments) },
        // Gemini 3 checks that a call comes back with the signature it was given.
        ...(call.signature ? { thoughtSignature: call.signature } : {}),
      });
    }
    return { role: message.role === 'USER' ? 'user' : 'model', parts };
  });
  return {
    contents,
    ...(system.length > 0 ? { systemInstruction: { parts: [{ text: system.join('\n\n') }] } } : {}),
  };
}

/** A streamGenerateContent body from a provider-neutral call. */
export function geminiBody(call: ProviderCall): Record<string, unknown> {
  const generationConfig: Record<string, unknown> = {};
  if (call.temperature !== null) generationConfig.temperature = call.temperature;
  if (call.maxTokens !== null) generationConfig.maxOutputTokens = call.maxTokens;
  if (call.topP != null) generationConfig.topP = call.topP;
  if (call.stop?.length) generationConfig.stopSequences = call.stop;
  const format = call.responseFormat;
  if (format?.type === 'json_object') generationConfig.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    generationConfig.responseMimeType = 'application/json';
    generationConfig.responseJsonSchema = format.schema;
  }
  const body: Record<string, unknown> = {
    ...geminiRequest(call.messages, call.memoryBlock, {
      placement: call.memoryPlacement,
      systemSlot: !refusesSystemSlot({ provider: 'google', model: call.model }),
    }),
    generationConfig,
  };
  if (call.tools?.length) {
    body.tools = [
      {
        functionDeclarations: call.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          // Full JSON Schema; `parameters` only takes an OpenAPI subset.
          parametersJsonSchema: tool.parameters,
        })),
      },
    ];
  }
  const choice = call.toolChoice;
  if (choice) {
    body.toolConfig = {
      functionCallingConfig:
        typeof choice === 'string'
          ? { mode: choice === 'required' ? 'ANY' : choice.toUpperCase() }
          : { mode: 'ANY', allowedFunctionNames: [choice.name] },
    };
  }
  return body;
}
