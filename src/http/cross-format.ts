import { CodedError } from '../core/errors';
import { memoryControls, stripOwnFields } from '../resolvers/chat/memory-controls';
import { completeChat, openChat, type ChatInput, type OpenChat } from '../resolvers/chat/pipeline';
import type { ParsedModel } from '../providers/models';
import { anthropicNative } from '../providers/anthropic/native';
import { isRecord } from '../providers/native';
import { openAiNative } from '../providers/openai/native';
import type { MeteredContext } from '../resolvers/request-context';
import {
  keyStandingCheck,
  standingSchedule,
  unlessStandingLost,
  watchStanding,
  whileInStanding,
} from '../resolvers/standing-watch';
import { streamChat } from './chat-stream';
import { fromAnthropicFormat, fromOpenAiFormat, notServedByGemini } from './cross-format-in';
import {
  anthropicFraming,
  anthropicMessage,
  openAiCompletion,
  openAiFraming,
} from './cross-format-out';
import type { ChatSurface } from './surfaces';
import { factsAsked, receiptHeaders, receiptJson } from './receipt-headers';

/**
 * Runs a cross-format request through the chat pipeline and answers in the
 * client's format. Memory controls work as on the native routes (except
 * X-Memory-Store-Tools: tool plumbing is never stored here).
 */
export async function translateChat(
  context: MeteredContext,
  request: Request,
  body: Record<string, unknown>,
  model: ParsedModel,
  surface: ChatSurface,
): Promise<Response> {
  if (surface === 'google') throw notServedByGemini(model);
  const controls = memoryControls(request.headers, body);
  // A translated call carries memory where the target takes it (the
  // pipeline's placement); Anthropic's system slot is read by every model.
  if (controls.placement === 'user' && model.provider === 'anthropic') {
    throw new CodedError(
      'BAD_USER_INPUT',
      `X-Memory-Placement: user is not served for Anthropic models (${model.model}): every model of theirs reads the system prompt`,
      'MEMORY_CONTROL',
    );
  }
  const { body: stripped, excluded } = stripOwnFields(body, 'messages');
  const input =
    surface === 'openai' ? fromOpenAiFormat(stripped, model) : fromAnthropicFormat(stripped, model);
  // The user's words: the last user message with text (never a tool result).
  const userTurn = (surface === 'openai' ? openAiNative : anthropicNative).userTurn(stripped);
  const userExcluded = userTurn !== null && excluded.has(userTurn.index);
  const chatInput: ChatInput = {
    ...input,
    sessionId: controls.sessionId,
    conversationId: controls.conversationId,
    memoryMode: controls.mode,
    windows: controls.windows,
    contextLimit: controls.contextLimit,
    storeRequest: controls.storeRequest && !userExcluded,
    storeResponse: controls.storeResponse,
    userExcluded,
    extract: controls.extract,
    factsVault: controls.factsVault,
    now: controls.now,
    storeRepeats: controls.storeRepeats,
    memoryPlacement:
      controls.placement === null ? null : controls.placement === 'user' ? 'USER' : 'SYSTEM',
  };
  const modelName = String(body.model);
  const headers = {
    ...receiptHeaders({ hits: [], memoryTokens: 0 }),
    ...(controls.sessionId ? { 'x-session-id': controls.sessionId } : {}),
  };

  if (stripped.stream !== true) {
    // Watched for the key's standing while the answer is awaited, as the pass-through is.
    const outcome = await whileInStanding(
      keyStandingCheck(context.env, context.principal, 'request'),
      standingSchedule(context.env, context.principal),
      request.signal,
      (signal) => completeChat(context, chatInput, signal),
    );
    const answer =
      surface === 'openai'
        ? openAiCompletion(modelName, outcome)
        : anthropicMessage(modelName, outcome);
    return Response.json(
      controls.receiptInBody ? { ...answer, memory: receiptJson(outcome.memory) } : answer,
      {
        headers: {
          ...headers,
          ...receiptHeaders(outcome.memory, factsAsked(controls)),
          'x-memory-chunks-retrieved': String(outcome.memory.hits.length),
        },
      },
    );
  }
  const abort = new AbortController();
  // A revoked key or a suspended account ends the stream, as on the
  // pass-through: from before the provider's first byte.
  const standing = watchStanding(
    keyStandingCheck(context.env, context.principal, 'stream'),
    standingSchedule(context.env, context.principal),
    () => abort.abort(),
  );
  let chat: OpenChat;
  try {
    chat = await unlessStandingLost(standing, openChat(context, chatInput, abort.signal));
  } catch (error) {
    standing.stop();
    throw error;
  }
  const includeUsage =
    isRecord(stripped.stream_options) && stripped.stream_options.include_usage === true;
  return streamChat(
    chat,
    abort,
    surface === 'openai' ? openAiFraming(modelName, includeUsage) : anthropicFraming(modelName),
    {
      ...headers,
      ...receiptHeaders(chat.memory, factsAsked(controls)),
      'x-memory-chunks-retrieved': String(chat.memory.hits.length),
    },
    standing,
  );
}
