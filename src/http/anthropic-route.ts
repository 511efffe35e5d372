import { completeChat, openChat, type ChatInput } from '../chat/pipeline';
import { CodedError } from '../errors';
import { sseFrame, streamChat } from './chat-stream';
import { randomId } from '../encoding';
import type { ChatMessage } from '../providers/types';
import {
  receiptHeaders,
  receiptJson,
  retryHeaders,
  routeContext,
  sessionFromHeaders,
  statusOf,
  textOf,
  toChatMessages,
  readJsonBody,
} from './chat-route';

interface MessagesRequest {
  model?: unknown;
  system?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  stream?: unknown;
  temperature?: unknown;
}

const ERROR_TYPES: Record<string, string> = {
  UNAUTHENTICATED: 'authentication_error',
  FORBIDDEN: 'permission_error',
  NOT_FOUND: 'not_found_error',
  RATE_LIMITED: 'rate_limit_error',
  BAD_USER_INPUT: 'invalid_request_error',
  PAYLOAD_TOO_LARGE: 'request_too_large',
  PAYMENT_REQUIRED: 'billing_error',
  UPSTREAM_ERROR: 'api_error',
};

function anthropicErrorBody(error: CodedError) {
  return {
    type: 'error',
    error: { type: ERROR_TYPES[error.code] ?? 'api_error', message: error.message },
  };
}

function parse(body: MessagesRequest, request: Request): ChatInput {
  if (typeof body.model !== 'string') throw new CodedError('BAD_USER_INPUT', '`model` is required');
  if (!Array.isArray(body.messages))
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list');
  const system: ChatMessage[] =
    body.system === undefined || body.system === null
      ? []
      : [{ role: 'SYSTEM', content: textOf(body.system) }];
  // Bare Claude names route to Anthropic, like the provider's own API.
  const model =
    body.model.includes('/') || !body.model.startsWith('claude')
      ? body.model
      : `anthropic/${body.model}`;
  return {
    model,
    messages: [...system, ...toChatMessages(body.messages)],
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : null,
    ...sessionFromHeaders(request),
  };
}

/**
 * POST /v1/messages in Anthropic's wire format (streaming included), with
 * memory injected and the turn stored as on the GraphQL path.
 */
export async function handleMessages(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Promise<Response> {
  try {
    const context = await routeContext(request, env, ctx);
    const body = await readJsonBody<MessagesRequest>(request);
    const input = parse(body, request);
    const id = `msg_mr_${randomId()}`;
    const usage = { input_tokens: 0, output_tokens: 0 };

    if (body.stream !== true) {
      const outcome = await completeChat(context, input, request.signal);
      return Response.json(
        {
          id,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text: outcome.content }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage,
          memory: receiptJson(outcome.memory),
        },
        { headers: receiptHeaders(outcome.memory) },
      );
    }

    const abort = new AbortController();
    const chat = await openChat(context, input, abort.signal);
    return streamChat(chat, abort, {
      opening: [
        sseFrame(
          {
            type: 'message_start',
            message: {
              id,
              type: 'message',
              role: 'assistant',
              model: body.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage,
            },
          },
          'message_start',
        ),
        sseFrame(
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          'content_block_start',
        ),
      ],
      delta: (text) =>
        sseFrame(
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
          'content_block_delta',
        ),
      closing: [
        sseFrame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        sseFrame(
          {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: 0 },
          },
          'message_delta',
        ),
        sseFrame({ type: 'message_stop' }, 'message_stop'),
      ],
      failure: (error) => sseFrame(anthropicErrorBody(error), 'error'),
    });
  } catch (error) {
    if (error instanceof CodedError) {
      return Response.json(anthropicErrorBody(error), {
        status: statusOf(error),
        headers: retryHeaders(error),
      });
    }
    throw error;
  }
}
