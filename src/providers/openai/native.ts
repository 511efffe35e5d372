import {
  isRecord,
  lastUserTurn,
  listOf,
  ownWordsOf,
  type NativeBody,
  type NativeBodyFormat,
  type ToolPlumbing,
} from '../native';

const SYSTEM_ROLES = new Set(['system', 'developer']);

/** The text parts of a chat message's content (images, audio and files are not text). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return listOf(content)
    .map((part) =>
      isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

/**
 * Whether an OpenAI `tool_choice` (chat completions' or the Responses API's)
 * makes the model call a tool: `required`, a named function (or custom
 * tool), or `allowed_tools` in `required` mode.
 */
export function forcesOpenAiToolCall(choice: unknown): boolean {
  if (choice === 'required') return true;
  if (!isRecord(choice)) return false;
  if (choice.type === 'allowed_tools')
    return isRecord(choice.allowed_tools)
      ? choice.allowed_tools.mode === 'required'
      : choice.mode === 'required';
  return choice.type === 'function' || choice.type === 'custom';
}

/**
 * OpenAI's chat-completions body (also OpenRouter's and compatible servers').
 * Memory goes in a system message right after the caller's leading system or
 * developer messages (as a developer message when the caller uses those), so
 * the caller's prefix, and OpenAI's automatic prompt cache of it, is unchanged.
 */
export const openAiNative: NativeBodyFormat = {
  messagesKey: 'messages',

  userTurn(body) {
    return lastUserTurn(
      listOf(body.messages),
      (message) => (isRecord(message) && message.role === 'user' ? textOf(message.content) : null),
      // OpenRouter reads Anthropic's `cache_control` on text parts.
      (message) => ownWordsOf(listOf((message as { content?: unknown }).content)),
    );
  },

  sentTexts(body) {
    return [
      // A user's turn is stored as its own words (ownWordsOf): known by those too.
      ...listOf(body.messages).flatMap((message) =>
        isRecord(message) ? [textOf(message.content), ownWordsOf(listOf(message.content))] : [],
      ),
      ...openAiNative.toolPlumbing(body, -1).map((item) => item.content),
    ];
  },

  injectMemory(body, block): NativeBody {
    const messages = listOf(body.messages);
    let at = 0;
    while (
      at < messages.length &&
      SYSTEM_ROLES.has(String((messages[at] as { role?: unknown })?.role))
    )
      at++;
    const role = messages
      .slice(0, at)
      .some((message) => (message as { role?: unknown }).role === 'developer')
      ? 'developer'
      : 'system';
    return {
      ...body,
      messages: [...messages.slice(0, at), { role, content: block }, ...messages.slice(at)],
    };
  },

  forcesToolCall(body) {
    return forcesOpenAiToolCall(body.tool_choice);
  },

  toolPlumbing(body, after) {
    return listOf(body.messages)
      .slice(after + 1)
      .flatMap((message): ToolPlumbing[] => {
        if (!isRecord(message)) return [];
        if (message.role === 'assistant') {
          return listOf(message.tool_calls).flatMap((call) => {
            const fn = isRecord(call) && isRecord(call.function) ? call.function : null;
            return fn
              ? [
                  {
                    role: 'ASSISTANT',
                    content: `called ${String(fn.name)}(${String(fn.arguments ?? '')})`,
                  },
                ]
              : [];
          });
        }
        if (message.role === 'tool') {
          return [{ role: 'SYSTEM', content: `tool result: ${textOf(message.content)}` }];
        }
        return [];
      });
  },
};
