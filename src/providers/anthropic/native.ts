import {
  isRecord,
  lastUserTurn,
  listOf,
  ownWordsOf,
  type NativeBody,
  type NativeBodyFormat,
  type ToolPlumbing,
} from '../native';

type Block = Record<string, unknown>;

/** A message's content as blocks (a string is one text block). */
function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return listOf(content).filter(isRecord);
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .flatMap((block) =>
      block.type === 'text' && typeof block.text === 'string' ? [block.text] : [],
    )
    .filter((text) => text !== '')
    .join('\n');
}

const hasBreakpoint = (block: unknown) => isRecord(block) && block.cache_control != null;

/**
 * Automatic prompt caching (a top-level `cache_control`): Anthropic puts
 * that breakpoint on the last block of the last message. Memory added there
 * would become that last block and enter the cached prefix, so no later call
 * would read it (review 248 A6): the same breakpoint is set on that block
 * instead, explicitly, so memory can follow it as it follows the client's own
 * breakpoints. The number of breakpoints (at most 4) stays the same.
 */
function placeAutomaticBreakpoint(body: NativeBody): NativeBody {
  if (!isRecord(body.cache_control)) return body;
  const messages = listOf(body.messages);
  const last = messages.at(-1);
  if (!isRecord(last)) return body;
  const content = blocksOf(last.content);
  if (content.length === 0) return body;
  const { cache_control: breakpoint, ...rest } = body;
  const marked = content.map((part, index) =>
    index === content.length - 1 ? { ...part, cache_control: breakpoint } : part,
  );
  return {
    ...rest,
    messages: messages.map((m, index) =>
      index === messages.length - 1 ? { ...last, content: marked } : m,
    ),
  };
}

/**
 * Anthropic's prompt cache keys on the prefix up to each `cache_control`
 * breakpoint, in the order tools → system → messages. Memory changes from
 * call to call, so it must come after the last breakpoint: as a last system
 * block when the breakpoints are in tools or system (or there are none), else
 * in the user's turn after the cached block (and after any tool_result
 * blocks, which must lead a user message).
 */
function injectAnthropic(original: NativeBody, block: string): NativeBody {
  const body = placeAutomaticBreakpoint(original);
  const memory = { type: 'text', text: block };
  const messages = listOf(body.messages);
  let lastCached = -1;
  messages.forEach((message, index) => {
    if (isRecord(message) && Array.isArray(message.content) && message.content.some(hasBreakpoint))
      lastCached = index;
  });
  if (lastCached === -1) {
    const system = body.system;
    const blocks =
      system === undefined || system === null || system === ''
        ? []
        : typeof system === 'string'
          ? [{ type: 'text', text: system }]
          : listOf(system);
    return { ...body, system: [...blocks, memory] };
  }
  let target = -1;
  for (let index = messages.length - 1; index >= lastCached; index--) {
    if (isRecord(messages[index]) && (messages[index] as Block).role === 'user') {
      target = index;
      break;
    }
  }
  if (target === -1) {
    // The last breakpoint sits after the user's last turn (an assistant
    // prefill): no place keeps every breakpoint, so keep the system slot.
    const system = body.system;
    const blocks = typeof system === 'string' ? [{ type: 'text', text: system }] : listOf(system);
    return { ...body, system: [...blocks, memory] };
  }
  const message = messages[target] as Block;
  const content = blocksOf(message.content);
  let at = 0;
  content.forEach((part, index) => {
    if (part.type === 'tool_result' || (target === lastCached && hasBreakpoint(part)))
      at = index + 1;
  });
  const updated = { ...message, content: [...content.slice(0, at), memory, ...content.slice(at)] };
  return { ...body, messages: messages.map((m, index) => (index === target ? updated : m)) };
}

/**
 * Anthropic's message threads (beta `message-threads-2026-08-12`, which the
 * SDK's `beta.messages.toolRunner()` uses by default): `thread: {type:
 * "create"}` has Anthropic hold the conversation under the answer's id, and
 * `{type: "continue", previous_message_id}` sends only the new turn's
 * messages, Anthropic reading `system` and `tools` from the thread (a
 * continue that sends them again is refused).
 */
const threadOf = (body: NativeBody): Block | null => (isRecord(body.thread) ? body.thread : null);
const continues = (body: NativeBody) => threadOf(body)?.type === 'continue';

export const anthropicNative: NativeBodyFormat = {
  messagesKey: 'messages',

  readsStoredState: continues,

  chainedResponse(body) {
    const id = threadOf(body)?.previous_message_id;
    return continues(body) && typeof id === 'string' && id !== '' ? id : null;
  },

  storesAnswer: (body) => threadOf(body) !== null,

  // The thread keeps the system its create call sent, memory included.
  systemHeldByProvider: continues,

  historyHeldByProvider: (body) => threadOf(body) !== null,

  userTurn(body) {
    const messages = listOf(body.messages);
    return lastUserTurn(
      messages,
      (message) => (isRecord(message) && message.role === 'user' ? textOf(message.content) : null),
      (message) => ownWordsOf(blocksOf((message as Block).content)),
    );
  },

  sentTexts(body) {
    return [
      textOf(body.system),
      // A user's turn is stored as its own words (ownWordsOf): known by those too.
      ...listOf(body.messages).flatMap((message) =>
        isRecord(message) ? [textOf(message.content), ownWordsOf(blocksOf(message.content))] : [],
      ),
      ...anthropicNative.toolPlumbing(body, -1).map((item) => item.content),
    ];
  },

  injectMemory: injectAnthropic,

  answerPrefix(body) {
    const last = listOf(body.messages).at(-1);
    if (!isRecord(last) || last.role !== 'assistant') return '';
    const blocks = blocksOf(last.content);
    // A paused turn resent (pause_turn: server tools' blocks beside the text
    // so far) is whole blocks the answer's new blocks follow; a prefill (text
    // only) is the start of the answer's first text, continued as is.
    const paused = blocks.some((block) => block.type !== 'text');
    const texts = blocks.flatMap((block) =>
      block.type === 'text' && typeof block.text === 'string' && block.text !== ''
        ? [block.text]
        : [],
    );
    if (!paused) return texts.join('');
    return texts.length === 0 ? '' : `${texts.join('\n')}\n`;
  },

  forcesToolCall(body) {
    const choice = body.tool_choice;
    return isRecord(choice) && (choice.type === 'tool' || choice.type === 'any');
  },

  toolPlumbing(body, after) {
    return listOf(body.messages)
      .slice(after + 1)
      .flatMap((message): ToolPlumbing[] => {
        if (!isRecord(message)) return [];
        return blocksOf(message.content).flatMap((block): ToolPlumbing[] => {
          if (block.type === 'tool_use') {
            return [
              {
                role: 'ASSISTANT',
                content: `called ${String(block.name)}(${JSON.stringify(block.input ?? {})})`,
              },
            ];
          }
          if (block.type === 'tool_result') {
            const result =
              typeof block.content === 'string' ? block.content : textOf(block.content);
            return [{ role: 'SYSTEM', content: `tool result: ${result}` }];
          }
          return [];
        });
      });
  },
};
