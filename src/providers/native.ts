import { isOneTaggedElement } from '../text/tagged-element';

/** A request body in a provider's own format, as the client sent it. */
export type NativeBody = Record<string, unknown>;

/** Where a format's body holds its messages. */
export type MessagesKey = 'messages' | 'contents' | 'input';

/** The message holding what the user wrote last (never a tool result). */
export interface UserTurn {
  /** Its position in the body's message list. */
  index: number;
  /** All of its text: what memory is searched with. */
  text: string;
  /**
   * The user's own words, what a vault stores of the turn: the text without
   * the context a client adds before them (`ownWordsOf`); the text itself
   * where there is none.
   */
  said: string;
}

/** Something of a tool loop, written out as text for a vault that asked to keep it. */
export interface ToolPlumbing {
  role: 'ASSISTANT' | 'SYSTEM';
  content: string;
}

/**
 * What the native routes need to know of a wire format's request body: where
 * its messages are, which one is the user's turn, and how to add a memory
 * block in the format's own system slot without touching anything else.
 */
export interface NativeBodyFormat {
  /** The list of messages (`messages`, Gemini's `contents`, or the Responses API's `input`). */
  readonly messagesKey: MessagesKey;
  /**
   * Throws a coded error when the body's messages are not in the format's
   * shape; absent: they must be a list.
   */
  checkBody?(body: NativeBody): void;
  /**
   * Whether the call reads what the provider stored under the key (the
   * Responses API's `previous_response_id`, `conversation`, item references):
   * with a key the account's memory keys share, only what the caller can be
   * shown to have created may be read (`chainedResponse`). Absent: never.
   */
  readsStoredState?(body: NativeBody): boolean;
  /**
   * When the only stored state the call reads is one earlier response (the
   * Responses API's `previous_response_id`), its id: a response whose creator
   * can be checked. Null when it reads nothing stored, or also state no
   * response id names (`conversation`, item references).
   */
  chainedResponse?(body: NativeBody): string | null;
  /** Whether the provider keeps the answer for later calls (the Responses API, unless `store: false`; an Anthropic thread). */
  storesAnswer?(body: NativeBody): boolean;
  /**
   * Whether the provider takes the system slot from what it stored and
   * refuses one sent again (an Anthropic thread's `continue`): no memory can
   * be added; the model reads the memory the thread's first call was given.
   * Absent: never.
   */
  systemHeldByProvider?(body: NativeBody): boolean;
  /**
   * Whether the provider keeps the conversation, so the next call of the
   * turn may not send the user's words again: a turn that waits for tools
   * or was paused stores them at once (an Anthropic
   * thread; a Responses API call whose response OpenAI stores, which the
   * next call chains with only its `function_call_output`). Absent: never.
   */
  historyHeldByProvider?(body: NativeBody): boolean;
  userTurn(body: NativeBody): UserTurn | null;
  /**
   * Every text the body already puts before the model, as a vault would hold
   * it: each message's text (any role, its text parts joined), the system
   * slot's, and the tool plumbing as `toolPlumbing` writes it. Memories with
   * these contents are not injected again.
   */
  sentTexts(body: NativeBody): string[];
  /** A copy of the body with the memory block added; the caller's own content is left as it was. */
  injectMemory(body: NativeBody, block: string): NativeBody;
  /**
   * The memory block in the first user message instead (X-Memory-Placement:
   * user), for models that refuse a system role; absent: a format whose
   * system slot no model refuses (Anthropic's, Gemini's, `instructions`).
   */
  injectInUserMessage?(body: NativeBody, block: string): NativeBody;
  /** Tool calls and results after the user's turn (stored only when the client asks). */
  toolPlumbing(body: NativeBody, after: number): ToolPlumbing[];
  /**
   * Whether the client forces the model to call a tool (Anthropic's
   * `tool_choice` `tool`/`any`, OpenAI's named function or `required`,
   * Gemini's `functionCallingConfig.mode: ANY`): the tool call is then the
   * answer (structured output, Anthropic's tool-forced JSON), not a pause for
   * tool results. Absent: never.
   */
  forcesToolCall?(body: NativeBody): boolean;
  /**
   * The text the model's answer continues (Anthropic's prefill: the last
   * message is the assistant's, and the answer starts where it stops), so the
   * stored answer is the model's whole answer. Absent or '': none.
   */
  answerPrefix?(body: NativeBody): string;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The last message in which `userText` finds the user's words (null: not a
 * user message) and they are not blank, with its position.
 */
export function lastUserTurn(
  messages: unknown[],
  userText: (message: unknown) => string | null,
  /** The user's own words in that message (UserTurn.said); default: all its text. */
  ownWords: (message: unknown) => string = () => '',
): UserTurn | null {
  for (let index = messages.length - 1; index >= 0; index--) {
    const text = userText(messages[index]);
    if (text === null || text.trim() === '') continue;
    const said = ownWords(messages[index]);
    return { index, text, said: said.trim() === '' ? text : said };
  }
  return null;
}

/**
 * The user's own words among a message's text parts (Anthropic's blocks, or
 * OpenAI-format parts as OpenRouter reads them). The last text part is always
 * the user's: clients put what the user just typed last, and Anthropic advises
 * the cache breakpoint (`cache_control`) on the last block, so the marker says
 * where the cached prefix ends, not that the part is a document. An earlier
 * part is context the client adds, not something the user said, when it
 * carries `cache_control` (a document resent with every turn) or its whole
 * text is one tagged element (Claude Code's `<system-reminder>…`,
 * `<document>…`); any other earlier part is kept.
 */
export function ownWordsOf(parts: readonly unknown[]): string {
  const texts = parts.filter(
    (part): part is Record<string, unknown> & { text: string } =>
      isRecord(part) && part.type === 'text' && typeof part.text === 'string' && part.text !== '',
  );
  const own = texts.filter(
    (part, at) =>
      at === texts.length - 1 || (part.cache_control == null && !isOneTaggedElement(part.text)),
  );
  return own.map((part) => part.text).join('\n');
}
