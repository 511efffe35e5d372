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

/** How a chat-completions request carries the memory block (`withMemoryMessage`). */
export type MemoryMessagePlacement = 'own-message' | 'joined' | 'first-user';

/**
 * The messages with the memory block after the caller's leading system or
 * developer messages. `own-message` (OpenAI): a message of its own there, a
 * developer message when the caller uses those, else a system one; OpenAI
 * reads any number of them. `joined` (OpenRouter, compatible servers):
 * appended to the caller's last leading system message (string content after
 * a blank line, a list of parts as one more text part), since the chat
 * templates of many open models (Mistral's, Llama 2's) allow one leading
 * system message and refuse a second (review 212 F2); nothing of the
 * caller's is changed. With no leading system message, both put one first.
 * Either way the caller's prefix, and a prompt cache of it, is unchanged.
 * `first-user` (X-Memory-Placement: user): before the words of the first
 * user message (a blank line between; a list of parts gets a text part
 * first), for chat templates that refuse any system role (Gemma's: "System
 * role not supported"), as llama.cpp folds a system prompt into that turn;
 * with no user message, as `own-message`.
 */
export function withMemoryMessage(
  messages: unknown[],
  block: string,
  placement: MemoryMessagePlacement,
): unknown[] {
  if (placement === 'first-user') {
    const first = messages.findIndex((message) => isRecord(message) && message.role === 'user');
    if (first >= 0) {
      const user = messages[first] as Record<string, unknown>;
      const content = user.content;
      const led =
        typeof content === 'string'
          ? content === ''
            ? block
            : `${block}\n\n${content}`
          : Array.isArray(content)
            ? [{ type: 'text', text: block }, ...content]
            : block;
      return messages.map((message, index) =>
        index === first ? { ...user, content: led } : message,
      );
    }
  }
  let at = 0;
  while (
    at < messages.length &&
    SYSTEM_ROLES.has(String((messages[at] as { role?: unknown })?.role))
  )
    at++;
  if (placement === 'joined' && at > 0 && isRecord(messages[at - 1])) {
    const last = messages[at - 1] as Record<string, unknown>;
    const content = last.content;
    const joined =
      typeof content === 'string'
        ? content === ''
          ? block
          : `${content}\n\n${block}`
        : Array.isArray(content)
          ? [...content, { type: 'text', text: block }]
          : block;
    return messages.map((message, index) =>
      index === at - 1 ? { ...last, content: joined } : message,
    );
  }
  const role = messages
    .slice(0, at)
    .some((message) => (message as { role?: unknown }).role === 'developer')
    ? 'developer'
    : 'system';
  return [...messages.slice(0, at), { role, content: block }, ...messages.slice(at)];
}

/**
 * OpenAI's chat-completions body. Memory goes in a message of its own right
 * after the caller's leading system or developer messages (a developer
 * message when the caller uses those), so the caller's prefix, and OpenAI's
 * automatic prompt cache of it, is unchanged (`withMemoryMessage`).
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
    return { ...body, messages: withMemoryMessage(listOf(body.messages), block, 'own-message') };
  },

  injectInUserMessage(body, block): NativeBody {
    return { ...body, messages: withMemoryMessage(listOf(body.messages), block, 'first-user') };
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

/**
 * The same body sent to OpenRouter or a compatible server (Ollama, vLLM,
 * LM Studio, llama.cpp): memory joins the caller's last leading system
 * message instead of following it (`withMemoryMessage`, `joined`).
 */
export const joinedSystemNative: NativeBodyFormat = {
  ...openAiNative,
  injectMemory(body, block): NativeBody {
    return { ...body, messages: withMemoryMessage(listOf(body.messages), block, 'joined') };
  },
};
