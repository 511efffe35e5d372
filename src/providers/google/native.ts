import { CodedError } from '../../core/errors';
import {
  isRecord,
  lastUserTurn,
  type NativeBody,
  type NativeBodyFormat,
  type ToolPlumbing,
} from '../native';
import { fieldOf, keyOf, newKeyFor } from './fields';

type Part = Record<string, unknown>;

/**
 * A repeated field as Gemini reads it: Google's JSON parser takes a single
 * object where a list is due, and Google's own REST examples write
 * `contents`, a content's `parts` and `system_instruction.parts` that way
 * (review 268 F4, F5, F7). One object is a one-element list.
 */
const oneOrList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : isRecord(value) ? [value] : [];

/** The body's contents, a single content object as a list of it. */
const contentsOf = (body: NativeBody): unknown[] => oneOrList(body.contents);

/** A content's parts as the client wrote them, a single part object as a list of it. */
const writtenParts = (content: Record<string, unknown>): unknown[] => oneOrList(content.parts);

const partsOf = (content: unknown): Part[] =>
  isRecord(content) ? writtenParts(content).filter(isRecord) : [];

/**
 * The body with its content at `index` replaced: a single content object
 * stays an object, so the rest of the body is forwarded as the client wrote it.
 */
function withContent(body: NativeBody, index: number, content: unknown): NativeBody {
  if (!Array.isArray(body.contents)) return { ...body, contents: content };
  return { ...body, contents: body.contents.map((c, i) => (i === index ? content : c)) };
}

function textOf(content: unknown): string {
  return partsOf(content)
    .flatMap((part) => (typeof part.text === 'string' && !part.thought ? [part.text] : []))
    .filter((text) => text !== '')
    .join('\n');
}

/** A content's role; Gemini reads a missing role as the user's. */
const roleOf = (content: unknown) =>
  isRecord(content) && typeof content.role === 'string' ? content.role : 'user';

/**
 * Gemini's generateContent body, its fields named in camelCase or snake_case
 * (fields.ts). Memory is a part of the system instruction after the caller's
 * own parts, under the name the caller gave it, except with a cached content:
 * Gemini refuses a request that sets a system instruction next to a cache,
 * so memory then leads the user's last turn. Gemma models, and callers that
 * ask for it, get it in the first user turn instead (injectInUserMessage).
 */
export const googleNative: NativeBodyFormat = {
  messagesKey: 'contents',

  /** `contents` is a list, or one content object as Google's curl examples write it. */
  checkBody(body) {
    if (!Array.isArray(body.contents) && !isRecord(body.contents)) {
      throw new CodedError(
        'BAD_USER_INPUT',
        '`contents` must be a list of contents (or one content object)',
        'INVALID_REQUEST',
      );
    }
  },

  userTurn(body) {
    const contents = contentsOf(body);
    return lastUserTurn(contents, (content) =>
      roleOf(content) === 'user' ? textOf(content) : null,
    );
  },

  sentTexts(body) {
    const instruction = fieldOf(body, 'systemInstruction');
    return [
      typeof instruction === 'string' ? instruction : textOf(instruction),
      ...contentsOf(body).map(textOf),
      ...googleNative.toolPlumbing(body, -1).map((item) => item.content),
    ];
  },

  injectMemory(body, block): NativeBody {
    const memory = { text: block };
    const cached = fieldOf(body, 'cachedContent');
    if (cached !== undefined && cached !== null) {
      const contents = contentsOf(body);
      // The last user turn, even one of functionResponse parts only (a
      // function-calling loop): memory then follows the model's earlier
      // calls instead of sitting before them in the first turn (review 212 F6).
      const last = contents.findLastIndex(
        (content) => isRecord(content) && roleOf(content) === 'user',
      );
      if (last !== -1 && googleNative.userTurn(body) !== null) {
        const content = contents[last] as Record<string, unknown>;
        // A single part object becomes a list: memory has to sit beside it.
        const parts = writtenParts(content);
        // functionResponse parts answer the model's calls: keep them first.
        const at = parts.filter(
          (part) => isRecord(part) && fieldOf(part, 'functionResponse') !== undefined,
        ).length;
        const updated = { ...content, parts: [...parts.slice(0, at), memory, ...parts.slice(at)] };
        return withContent(body, last, updated);
      }
    }
    const present = keyOf(body, 'systemInstruction');
    const instruction = body[present];
    if (typeof instruction === 'string') {
      return { ...body, [present]: { parts: [{ text: instruction }, memory] } };
    }
    if (isRecord(instruction)) {
      const parts = writtenParts(instruction);
      return { ...body, [present]: { ...instruction, parts: [...parts, memory] } };
    }
    return { ...body, [newKeyFor(body, 'systemInstruction')]: { parts: [memory] } };
  },

  /**
   * X-Memory-Placement: user, the default for Gemma models (they refuse any
   * systemInstruction: memory-placement.ts): the block is a text part before
   * the first user turn's parts, a blank line after it, as llama.cpp folds a
   * system prompt into that turn. With no user turn, as injectMemory.
   */
  injectInUserMessage(body, block): NativeBody {
    const contents = contentsOf(body);
    const first = contents.findIndex((content) => isRecord(content) && roleOf(content) === 'user');
    if (first === -1) return googleNative.injectMemory(body, block);
    const content = contents[first] as Record<string, unknown>;
    const led = { ...content, parts: [{ text: `${block}\n\n` }, ...writtenParts(content)] };
    return withContent(body, first, led);
  },

  forcesToolCall(body) {
    const config = fieldOf(body, 'toolConfig');
    const calling = isRecord(config) ? fieldOf(config, 'functionCallingConfig') : undefined;
    return isRecord(calling) && calling.mode === 'ANY';
  },

  toolPlumbing(body, after) {
    return contentsOf(body)
      .slice(after + 1)
      .flatMap((content) =>
        partsOf(content).flatMap((part): ToolPlumbing[] => {
          const call = fieldOf(part, 'functionCall');
          if (isRecord(call)) {
            return [
              {
                role: 'ASSISTANT',
                content: `called ${String(call.name)}(${JSON.stringify(call.args ?? {})})`,
              },
            ];
          }
          const response = fieldOf(part, 'functionResponse');
          if (isRecord(response)) {
            return [
              {
                role: 'SYSTEM',
                content: `tool result ${String(response.name)}: ${JSON.stringify(response.response ?? null)}`,
              },
            ];
          }
          return [];
        }),
      );
  },
};
