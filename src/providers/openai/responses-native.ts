import { CodedError } from '../../core/errors';
import { forcesOpenAiToolCall } from './native';
import {
  isRecord,
  lastUserTurn,
  listOf,
  type NativeBody,
  type NativeBodyFormat,
  type ToolPlumbing,
} from '../native';

/** The text parts of an input message's content (images and files are not text). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return listOf(content)
    .map((part) =>
      isRecord(part) && part.type === 'input_text' && typeof part.text === 'string'
        ? part.text
        : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

/** Any message's text: the user's input_text parts and an assistant's output_text parts sent back. */
function sentTextOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return listOf(content)
    .map((part) =>
      isRecord(part) &&
      (part.type === 'input_text' || part.type === 'output_text') &&
      typeof part.text === 'string'
        ? part.text
        : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

/** An input item that is a message (its `type` may be left out). */
const isMessage = (item: unknown): item is Record<string, unknown> =>
  isRecord(item) && (item.type === undefined || item.type === 'message');

/**
 * OpenAI's Responses API body (`POST /v1/responses`; OpenRouter's and
 * compatible servers' too). `input` is a string or a list of items: messages,
 * function calls and their outputs, reasoning, … Memory joins `instructions`,
 * after the caller's own: instructions apply to this call only (OpenAI does
 * not carry them over through `previous_response_id` nor write them into a
 * `conversation`), so each turn's memory replaces the last one's instead of
 * piling up in the stored chain, and the caller's input items stay exactly
 * as sent.
 */
export const responsesNative: NativeBodyFormat = {
  messagesKey: 'input',

  checkBody(body) {
    // A stored prompt template (`prompt`) may carry the whole input itself.
    const inputOptional = isRecord(body.prompt) && body.input === undefined;
    if (typeof body.input !== 'string' && !Array.isArray(body.input) && !inputOptional) {
      throw new CodedError(
        'BAD_USER_INPUT',
        '`input` is required (unless a `prompt` template is given): a string or a list of input items',
        'INVALID_REQUEST',
        { param: 'input' },
      );
    }
    if (body.instructions !== undefined && body.instructions !== null) {
      if (typeof body.instructions !== 'string') {
        throw new CodedError(
          'BAD_USER_INPUT',
          '`instructions` must be a string',
          'INVALID_REQUEST',
          {
            param: 'instructions',
          },
        );
      }
    }
  },

  readsStoredState(body) {
    return (
      (body.previous_response_id !== undefined && body.previous_response_id !== null) ||
      (body.conversation !== undefined && body.conversation !== null) ||
      listOf(body.input).some((item) => isRecord(item) && item.type === 'item_reference')
    );
  },

  chainedResponse(body) {
    const id = body.previous_response_id;
    if (typeof id !== 'string' || id === '') return null;
    const readsMore =
      (body.conversation !== undefined && body.conversation !== null) ||
      listOf(body.input).some((item) => isRecord(item) && item.type === 'item_reference');
    return readsMore ? null : id;
  },

  // OpenAI's default is to store (`store` true unless set false).
  storesAnswer: (body) => body.store !== false,

  // A stored response is what the next call chains on (`previous_response_id`),
  // sending only the tool results: a call that waits for tools stores the
  // user's words at once, or no call of the turn would have them. A client
  // that sends the history again anyway stores them once (repeats are skipped).
  historyHeldByProvider: (body) => body.store !== false,

  userTurn(body) {
    const input = body.input;
    if (typeof input === 'string') {
      return input.trim() === '' ? null : { index: 0, text: input, said: input };
    }
    return lastUserTurn(listOf(input), (item) =>
      isMessage(item) && item.role === 'user' ? textOf(item.content) : null,
    );
  },

  sentTexts(body) {
    const input = body.input;
    return [
      typeof body.instructions === 'string' ? body.instructions : '',
      ...(typeof input === 'string'
        ? [input]
        : listOf(input).map((item) => (isMessage(item) ? sentTextOf(item.content) : ''))),
      ...responsesNative.toolPlumbing(body, -1).map((item) => item.content),
    ];
  },

  injectMemory(body, block): NativeBody {
    const own = typeof body.instructions === 'string' ? body.instructions : '';
    return { ...body, instructions: own.trim() === '' ? block : `${own}\n\n${block}` };
  },

  forcesToolCall(body) {
    return forcesOpenAiToolCall(body.tool_choice);
  },

  toolPlumbing(body, after) {
    return listOf(body.input)
      .slice(after + 1)
      .flatMap((item): ToolPlumbing[] => {
        if (!isRecord(item)) return [];
        if (item.type === 'function_call') {
          return [
            {
              role: 'ASSISTANT',
              content: `called ${String(item.name)}(${String(item.arguments ?? '')})`,
            },
          ];
        }
        if (item.type === 'function_call_output') {
          return [{ role: 'SYSTEM', content: `tool result: ${textOf(item.output)}` }];
        }
        return [];
      });
  },
};
