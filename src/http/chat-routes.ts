import { CodedError } from '../errors';
import { DEFAULT_MAX_REQUEST_BYTES, limitBody } from './body-limit';
import { handleNativeChat, type NativeRoute } from './native-chat';
import { surfaceErrorResponse, type Surface } from './surface-errors';

/** A request to one of the drop-in chat surfaces, or to an unknown path under one. */
export type ChatRouteMatch = { surface: Surface; route: NativeRoute | null };

/** Gemini's paths, as @google/genai builds them from a base URL: /v1beta/models/{model}:{method}. */
const GEMINI_PATH = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/**
 * The drop-in chat routes:
 *   POST /v1/chat/completions                       OpenAI's format (OpenAI, OpenRouter, compatible servers)
 *   POST /v1/messages                               Anthropic's format
 *   POST /v1beta/models/{model}:generateContent     Gemini's format (also /v1/models/…, and
 *   POST /v1beta/models/{model}:streamGenerateContent  the replaced system's path)
 * Other paths under these prefixes answer 404 in the surface's own shape.
 */
export function matchChatRoute(pathname: string): ChatRouteMatch | null {
  if (pathname === '/v1/chat/completions') {
    return { surface: 'openai', route: { surface: 'openai', model: null, stream: null } };
  }
  if (pathname === '/v1/messages') {
    return { surface: 'anthropic', route: { surface: 'anthropic', model: null, stream: null } };
  }
  const gemini = GEMINI_PATH.exec(pathname);
  if (gemini !== null) {
    let model: string;
    try {
      model = decodeURIComponent(gemini[2]!);
    } catch {
      return { surface: 'google', route: null };
    }
    return {
      surface: 'google',
      route: { surface: 'google', model, stream: gemini[3] === 'streamGenerateContent' },
    };
  }
  if (pathname.startsWith('/v1/chat/')) return { surface: 'openai', route: null };
  if (pathname.startsWith('/v1/messages/')) return { surface: 'anthropic', route: null };
  if (pathname.startsWith('/v1beta/')) return { surface: 'google', route: null };
  return null;
}

/** Method, size and path checks in the surface's own error shape, then the route. */
export async function handleChatRoute(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  match: ChatRouteMatch,
): Promise<Response> {
  const { pathname } = new URL(request.url);
  const refuse = (error: CodedError) => surfaceErrorResponse(match.surface, error);
  if (match.route === null) {
    await request.body?.cancel();
    return refuse(
      new CodedError('NOT_FOUND', `MemoryRouter serves no ${request.method} ${pathname}`),
    );
  }
  if (request.method !== 'POST') {
    await request.body?.cancel();
    return refuse(
      new CodedError('BAD_USER_INPUT', `use POST for ${pathname}`, 'METHOD_NOT_ALLOWED', {
        status: 405,
      }),
    );
  }
  const limited = await limitBody(
    request,
    Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES,
    (message) => {
      void request.body?.cancel().catch(() => undefined);
      return refuse(new CodedError('PAYLOAD_TOO_LARGE', message));
    },
  );
  if (limited instanceof Response) return limited;
  return handleNativeChat(limited, env, ctx, match.route);
}
