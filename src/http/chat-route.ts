import { MEMORY_MODES, type ChatInput, type ChatReceipt, type MemoryMode } from '../chat/pipeline';
import { createRequestContext, type RequestContext } from '../context';
import { CodedError, type ErrorCode } from '../errors';
import { encodeText } from '../encoding';
import type { ChatMessage } from '../providers/types';
import { vaultLabel } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';

/**
 * What the drop-in REST routes share: credentials and session from headers,
 * the chat pipeline, the receipt, and HTTP statuses for coded errors.
 *
 * Headers:
 *   Authorization: Bearer mk_…   (or x-api-key: mk_…, or X-Memory-Key: mk_…)   the memory key
 *   X-Provider-Key               the provider's API key, for this request only
 *   X-Session-Id, X-Conversation-Id, X-Memory-Mode   as in ChatInput
 */
export async function routeContext(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Promise<RequestContext> {
  const memoryKey =
    request.headers.get('x-memory-key') ??
    bearer(request.headers.get('authorization')) ??
    request.headers.get('x-api-key');
  const context = await createRequestContext(request, env, ctx, {
    authorization: memoryKey ? `Bearer ${memoryKey}` : null,
  });
  if (context.principal?.kind !== 'key') {
    throw new CodedError(
      'UNAUTHENTICATED',
      context.authError ?? 'send your memory key as "Authorization: Bearer mk_…"',
    );
  }
  return context;
}

function bearer(header: string | null): string | null {
  const match = header === null ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

export function sessionFromHeaders(
  request: Request,
): Pick<ChatInput, 'sessionId' | 'conversationId' | 'memoryMode'> {
  const mode = request.headers.get('x-memory-mode')?.toUpperCase() ?? null;
  if (mode !== null && !(MEMORY_MODES as readonly string[]).includes(mode)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `X-Memory-Mode must be one of ${MEMORY_MODES.join(', ')}`,
    );
  }
  return {
    sessionId: request.headers.get('x-session-id'),
    conversationId: request.headers.get('x-conversation-id'),
    memoryMode: mode as MemoryMode | null,
  };
}

/** Text of a message's content: a string or a list of content parts (text parts only). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) =>
        typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text'
          ? String((part as { text?: unknown }).text ?? '')
          : '',
      )
      .join('');
  }
  throw new CodedError(
    'BAD_USER_INPUT',
    'message content must be a string or a list of content parts',
  );
}

export function toRole(role: unknown): ChatMessage['role'] {
  switch (role) {
    case 'user':
      return 'USER';
    case 'assistant':
      return 'ASSISTANT';
    case 'system':
    case 'developer':
      return 'SYSTEM';
    default:
      throw new CodedError('BAD_USER_INPUT', `unsupported message role ${JSON.stringify(role)}`);
  }
}

/** The receipt, compact, for the X-Memory-Receipt header (base64url JSON) and response bodies. */
export function receiptJson(receipt: ChatReceipt) {
  return {
    memoryTokens: receipt.memoryTokens,
    hits: receipt.hits.map((hit) => ({
      id: encodeMemoryId({
        kind: hit.address.kind,
        externalId: hit.address.externalId,
        localId: hit.memory.id,
      }),
      vault: vaultLabel(hit.address),
      window: hit.window,
      score: hit.score,
      tokens: hit.memory.tokens,
    })),
  };
}

export function receiptHeaders(receipt: ChatReceipt): Record<string, string> {
  return {
    'x-memory-tokens': String(receipt.memoryTokens),
    'x-memory-receipt': encodeText(JSON.stringify(receiptJson(receipt))),
  };
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  PAYMENT_REQUIRED: 402,
  UPSTREAM_ERROR: 502,
};

/** The HTTP status for a coded error; an upstream refusal keeps the provider's 4xx (a bad provider key is a 401). */
export function statusOf(error: CodedError): number {
  const upstream = Number(error.details.status);
  if (error.code === 'UPSTREAM_ERROR' && upstream >= 400 && upstream < 500) return upstream;
  if (error.code === 'UPSTREAM_ERROR' && error.reason === 'PROVIDER_TIMEOUT') return 504;
  return HTTP_STATUS[error.code];
}

export function retryHeaders(error: CodedError): Record<string, string> {
  return error.details.retryAfter === undefined
    ? {}
    : { 'retry-after': String(error.details.retryAfter) };
}

/** The request body as JSON, or a BAD_USER_INPUT error. */
export async function readJsonBody<T>(request: Request): Promise<T> {
  try {
    return (await request.json()) as T;
  } catch {
    throw new CodedError('BAD_USER_INPUT', 'the body must be JSON');
  }
}

/** OpenAI- or Anthropic-style messages as pipeline messages. */
export function toChatMessages(messages: unknown[]): ChatMessage[] {
  return messages.map((message) => {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    return { role: toRole(role), content: textOf(content) };
  });
}
