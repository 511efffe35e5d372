import { completeChat, openChat, type ChatInput } from '../chat/pipeline';
import { CodedError } from '../errors';
import { sseFrame, streamChat } from './chat-stream';
import { randomId } from '../encoding';
import {
  receiptHeaders,
  receiptJson,
  retryHeaders,
  routeContext,
  sessionFromHeaders,
  statusOf,
  toChatMessages,
  readJsonBody,
} from './chat-route';

interface CompletionRequest {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  temperature?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
}

/** OpenAI's error body, so the official SDKs raise their usual exceptions. */
function openAiError(error: CodedError): Response {
  const type =
    error.code === 'UNAUTHENTICATED'
      ? 'authentication_error'
      : error.code === 'RATE_LIMITED'
        ? 'rate_limit_exceeded'
        : error.code === 'BAD_USER_INPUT' || error.code === 'PAYLOAD_TOO_LARGE'
          ? 'invalid_request_error'
          : 'api_error';
  return Response.json(
    { error: { message: error.message, type, code: error.reason ?? error.code, param: null } },
    { status: statusOf(error), headers: retryHeaders(error) },
  );
}

function parse(body: CompletionRequest, request: Request): ChatInput {
  if (typeof body.model !== 'string') throw new CodedError('BAD_USER_INPUT', '`model` is required');
  if (!Array.isArray(body.messages))
    throw new CodedError('BAD_USER_INPUT', '`messages` must be a list');
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    model: body.model,
    messages: toChatMessages(body.messages),
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
    ...sessionFromHeaders(request),
  };
}

/**
 * POST /v1/chat/completions in OpenAI's wire format (streaming included), with
 * memory injected and the turn stored as on the GraphQL path. Any supported
 * model works, not only OpenAI's. The receipt travels in the X-Memory-Receipt
 * header and, outside streams, as an extra `memory` field SDKs ignore.
 */
export async function handleChatCompletions(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Promise<Response> {
  try {
    const context = await routeContext(request, env, ctx);
    const body = await readJsonBody<CompletionRequest>(request);
    const input = parse(body, request);
    const id = `chatcmpl-mr-${randomId()}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const outcome = await completeChat(context, input, request.signal);
      return Response.json(
        {
          id,
          object: 'chat.completion',
          created,
          model: input.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: outcome.content, refusal: null },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          memory: receiptJson(outcome.memory),
        },
        { headers: receiptHeaders(outcome.memory) },
      );
    }

    const abort = new AbortController();
    const chat = await openChat(context, input, abort.signal);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      sseFrame({
        id,
        object: 'chat.completion.chunk',
        created,
        model: input.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
    return streamChat(chat, abort, {
      opening: [chunk({ role: 'assistant', content: '' }, null)],
      delta: (text) => chunk({ content: text }, null),
      closing: [chunk({}, 'stop'), sseFrame('[DONE]')],
      // OpenAI reports a failure inside a stream as an `error` object.
      failure: (error) =>
        sseFrame({
          error: { message: error.message, type: 'api_error', code: error.reason ?? error.code },
        }),
    });
  } catch (error) {
    if (error instanceof CodedError) return openAiError(error);
    throw error;
  }
}
