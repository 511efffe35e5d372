import { CodedError } from '../core/errors';
import type { ParsedModel } from '../providers/models';
import { errorBody, statusOf } from './error-shapes';
import { providerOwnError, withOurReason } from './provider-errors';

/**
 * What POST /v1/responses (OpenAI's Responses API) does apart from the chat
 * routes: its stream's error event, and the refusal of a model whose provider
 * does not speak the Responses API.
 */

/**
 * The `error` event that ends a broken Responses stream, as OpenAI sends one
 * after the 200 (`type`, `code`, `message`, `param`, `sequence_number`, here
 * with our code and reason); the openai SDK raises it as an APIError.
 */
export function responsesErrorFrame(error: CodedError, sequenceNumber: number): string {
  // OpenAI's own error event, as it sent it (its sequence number included).
  const own = providerOwnError('openai', error);
  if (own !== null && own.reply.body.type === 'error') {
    return `event: error\ndata: ${JSON.stringify(withOurReason(own))}\n\n`;
  }
  const { error: fields } = errorBody(
    'openai',
    { code: error.code, message: error.message, reason: error.reason, details: error.details },
    statusOf(error),
  ) as { error: { message: string; param: string | null; code: string; reason?: string } };
  const event = {
    type: 'error',
    code: fields.code,
    message: fields.message,
    param: fields.param,
    ...(fields.reason ? { reason: fields.reason } : {}),
    sequence_number: sequenceNumber,
  };
  return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Anthropic's and Google's models have no Responses API, and a translation
 * could not keep its meaning (stored responses, `previous_response_id`,
 * `conversation`, built-in tools): a 400 naming the routes that serve them.
 */
export function notServedByResponses(model: ParsedModel): CodedError {
  const native =
    model.provider === 'anthropic'
      ? 'POST /v1/messages in Anthropic’s format'
      : `POST /v1beta/models/${model.model}:generateContent in Gemini’s format`;
  return new CodedError(
    'BAD_USER_INPUT',
    `${model.provider}/${model.model} is not served by POST /v1/responses, which reaches OpenAI, OpenRouter and OpenAI-compatible models: call ${native}, POST /v1/chat/completions (translated), or use openrouter/${model.provider}/${model.model} here`,
    'UNSUPPORTED_MODEL',
    { param: 'model' },
  );
}
