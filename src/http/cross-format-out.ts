import type { ChatOutcome } from '../resolvers/chat/pipeline';
import { randomId } from '../core/encoding';
import type { AnswerEvent, ToolCall } from '../providers/types';
import { sseFrame, type StreamFraming } from './chat-stream';
import { errorFrame } from './error-shapes';
import { isLengthEnd, isRefusedEnd } from '../providers/finish-reasons';

/**
 * Answers of a cross-format chat (cross-format-in.ts) in the client's own
 * format: whole responses and streamed framings, OpenAI's chat completion and
 * Anthropic's message. Gemini's format is only ever served natively.
 */

/**
 * The answer's end in the client's words. A refusal or a safety stop
 * (Anthropic `refusal`, OpenAI `content_filter`, Gemini SAFETY and its kin)
 * keeps its meaning across formats: a client told `stop`/`end_turn` would
 * take a cut-off answer for a whole one.
 */
function openAiFinish(outcome: ChatOutcome): string {
  if (isRefusedEnd(outcome.finishReason)) return 'content_filter';
  if (outcome.toolCalls.length > 0) return 'tool_calls';
  return isLengthEnd(outcome.finishReason) ? 'length' : 'stop';
}

function anthropicStop(outcome: ChatOutcome): string {
  if (isRefusedEnd(outcome.finishReason)) return 'refusal';
  if (outcome.toolCalls.length > 0) return 'tool_use';
  return isLengthEnd(outcome.finishReason) ? 'max_tokens' : 'end_turn';
}

function openAiUsage(outcome: ChatOutcome) {
  const input = outcome.usage?.inputTokens ?? null;
  const output = outcome.usage?.outputTokens ?? null;
  if (input === null && output === null) return undefined;
  return {
    prompt_tokens: input ?? 0,
    completion_tokens: output ?? 0,
    total_tokens: (input ?? 0) + (output ?? 0),
  };
}

function anthropicUsage(outcome: ChatOutcome) {
  return {
    input_tokens: outcome.usage?.inputTokens ?? 0,
    output_tokens: outcome.usage?.outputTokens ?? 0,
  };
}

function parsedInput(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments) as unknown;
  } catch {
    return {};
  }
}

export function openAiFraming(modelName: string, includeUsage: boolean): StreamFraming {
  const id = `chatcmpl-mr-${randomId()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    sseFrame({
      id,
      object: 'chat.completion.chunk',
      created,
      model: modelName,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
  let calls = 0;
  return {
    opening: [chunk({ role: 'assistant', content: '' }, null)],
    event: (event: AnswerEvent) =>
      event.type === 'text'
        ? [chunk({ content: event.text }, null)]
        : [
            chunk(
              {
                tool_calls: [
                  {
                    index: calls++,
                    id: event.call.id,
                    type: 'function',
                    function: { name: event.call.name, arguments: event.call.arguments },
                  },
                ],
              },
              null,
            ),
          ],
    closing: (outcome) => [
      chunk({}, openAiFinish(outcome)),
      ...(includeUsage
        ? [
            sseFrame({
              id,
              object: 'chat.completion.chunk',
              created,
              model: modelName,
              choices: [],
              usage: openAiUsage(outcome) ?? null,
            }),
          ]
        : []),
      sseFrame('[DONE]'),
    ],
    failure: (error) => errorFrame('openai', error),
  };
}

export function anthropicFraming(modelName: string): StreamFraming {
  const id = `msg_mr_${randomId()}`;
  let index = -1;
  let textOpen = false;
  const closeText = () => {
    if (!textOpen) return [];
    textOpen = false;
    return [sseFrame({ type: 'content_block_stop', index }, 'content_block_stop')];
  };
  return {
    opening: [
      sseFrame(
        {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model: modelName,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
        'message_start',
      ),
    ],
    event(event) {
      if (event.type === 'text') {
        const open = textOpen
          ? []
          : [
              sseFrame(
                {
                  type: 'content_block_start',
                  index: ++index,
                  content_block: { type: 'text', text: '' },
                },
                'content_block_start',
              ),
            ];
        textOpen = true;
        return [
          ...open,
          sseFrame(
            { type: 'content_block_delta', index, delta: { type: 'text_delta', text: event.text } },
            'content_block_delta',
          ),
        ];
      }
      const closing = closeText();
      index++;
      return [
        ...closing,
        sseFrame(
          {
            type: 'content_block_start',
            index,
            content_block: {
              type: 'tool_use',
              id: event.call.id,
              name: event.call.name,
              input: {},
            },
          },
          'content_block_start',
        ),
        sseFrame(
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: event.call.arguments },
          },
          'content_block_delta',
        ),
        sseFrame({ type: 'content_block_stop', index }, 'content_block_stop'),
      ];
    },
    closing: (outcome) => [
      ...closeText(),
      sseFrame(
        {
          type: 'message_delta',
          delta: { stop_reason: anthropicStop(outcome), stop_sequence: null },
          usage: anthropicUsage(outcome),
        },
        'message_delta',
      ),
      sseFrame({ type: 'message_stop' }, 'message_stop'),
    ],
    failure: (error) => errorFrame('anthropic', error),
  };
}

export function openAiCompletion(modelName: string, outcome: ChatOutcome) {
  return {
    id: `chatcmpl-mr-${randomId()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: modelName,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: outcome.content === '' && outcome.toolCalls.length > 0 ? null : outcome.content,
          refusal: null,
          ...(outcome.toolCalls.length > 0
            ? {
                tool_calls: outcome.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        finish_reason: openAiFinish(outcome),
        logprobs: null,
      },
    ],
    ...(openAiUsage(outcome) ? { usage: openAiUsage(outcome) } : {}),
  };
}

export function anthropicMessage(modelName: string, outcome: ChatOutcome) {
  return {
    id: `msg_mr_${randomId()}`,
    type: 'message',
    role: 'assistant',
    model: modelName,
    content: [
      ...(outcome.content === '' ? [] : [{ type: 'text', text: outcome.content }]),
      ...outcome.toolCalls.map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.name,
        input: parsedInput(call),
      })),
    ],
    stop_reason: anthropicStop(outcome),
    stop_sequence: null,
    usage: anthropicUsage(outcome),
  };
}
