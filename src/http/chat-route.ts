import type { ChatReceipt } from '../chat/memory-turn';
import { createRequestContext, type RequestContext } from '../context';
import { CodedError, type ErrorCode } from '../errors';
import { encodeText } from '../encoding';
import { isRecord } from '../providers/native';
import { vaultLabel } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';

/**
 * What the REST routes share: credentials from headers, the JSON body, the
 * memory receipt, and HTTP statuses for coded errors.
 *
 * The memory key is accepted as `Authorization: Bearer mk_…` (the OpenAI
 * SDKs), `x-api-key: mk_…` (Anthropic's), `x-goog-api-key: mk_…` (Google's),
 * `X-Memory-Key: mk_…`, or a `key=mk_…` query parameter (Gemini's REST
 * examples); X-Provider-Key carries the provider's key for this request only.
 */
export async function routeContext(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Promise<RequestContext> {
  const queryKey = new URL(request.url).searchParams.get('key');
  const memoryKey =
    request.headers.get('x-memory-key') ??
    bearer(request.headers.get('authorization')) ??
    request.headers.get('x-api-key') ??
    request.headers.get('x-goog-api-key') ??
    (queryKey?.startsWith('mk_') ? queryKey : null);
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

/**
 * The request body as a JSON object. Anything else (a body that is not
 * JSON, or JSON `null`, a list, a number, a string) is BAD_USER_INPUT; a
 * content type other than JSON is refused with 415.
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `send the body as application/json, not ${type}`,
      'UNSUPPORTED_MEDIA_TYPE',
      {
        status: 415,
      },
    );
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new CodedError('BAD_USER_INPUT', 'the body must be JSON', 'INVALID_JSON');
  }
  if (!isRecord(body)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `the body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'a list' : `a ${typeof body}`}`,
      'INVALID_JSON',
    );
  }
  return body;
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
