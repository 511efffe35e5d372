import type { MiddlewareHandler } from 'hono';
import { currentRequestId, REQUEST_ID_HEADER } from '../core/request-log';
import { PhaseTimings } from '../resolvers/phase-timings';
import { withServerTiming } from './server-timing';

/** Methods a preflight allows (what Hono's cors() allowed by default). */
const ALLOWED_METHODS = 'GET,HEAD,PUT,POST,DELETE,PATCH,QUERY';
const MAX_AGE_SECONDS = '86400';

/**
 * The headers every response carries: CORS for any origin (credentials
 * travel in headers, never cookies), the request id (`X-Memory-Request-Id`,
 * made by the middleware before this one) and `Server-Timing` from the
 * request's PhaseTimings. A preflight (OPTIONS) is answered here, before any route.
 *
 * One middleware instead of Hono's cors() plus a timing one: cors() touches
 * `c.res` before the handler runs, which makes Hono create a placeholder
 * response and then copy the handler's response into a new one, headers and
 * all; reassigning `c.res` afterwards copies it again. Here the headers are
 * set on the response the handler made, and `c.res` is replaced only when
 * that response's headers are immutable (one passed through from fetch).
 */
export function edgeHeaders(
  exposedHeaders: readonly string[],
): MiddlewareHandler<{ Bindings: Env; Variables: { timings: PhaseTimings } }> {
  const exposed = exposedHeaders.join(',');
  return async (c, next) => {
    const timings = new PhaseTimings();
    const requestId = currentRequestId() ?? '';
    if (c.req.method === 'OPTIONS')
      return withServerTiming(preflight(c.req.raw, exposed, requestId), timings);
    c.set('timings', timings);
    const startedAt = Date.now();
    await next();
    const response = c.res;
    let finished: Response;
    try {
      setEdgeHeaders(response.headers, exposed, requestId);
      finished = withServerTiming(response, timings);
    } catch {
      // Immutable headers: a copy takes them (and keeps the body streaming).
      finished = new Response(response.body, response);
      setEdgeHeaders(finished.headers, exposed, requestId);
      finished = withServerTiming(finished, timings);
    }
    // Mutable by now: the handler's own response, or the copy made above.
    if (wantsEpochs(c.req.raw, c.env)) {
      finished.headers.set(DEBUG_EPOCH_HEADER, `${startedAt},${Date.now()}`);
    }
    if (finished !== response) {
      // Hono's setter merges the old response's headers into a copy of the
      // new one; clearing it first hands over the finished response as is.
      c.res = undefined;
      c.res = finished;
    }
  };
}

/**
 * A diagnostic for `npm run bench:api:edge`, in development only and only
 * when the request asks for it: the Worker's wall clock (epoch ms) as this
 * middleware started and as it finished, so a client on the same machine
 * can tell time spent before the Worker ran and after its response was made
 * from time inside it. Never sent in production: it would tell anyone the
 * server's clock to the millisecond for nothing.
 */
export const DEBUG_EPOCH_HEADER = 'x-debug-epoch';

function wantsEpochs(request: Request, env: Env): boolean {
  return env.ENVIRONMENT === 'development' && request.headers.has(DEBUG_EPOCH_HEADER);
}

function setEdgeHeaders(headers: Headers, exposed: string, requestId: string): void {
  headers.set('access-control-allow-origin', '*');
  headers.set('access-control-expose-headers', exposed);
  if (requestId !== '') headers.set(REQUEST_ID_HEADER, requestId);
}

function preflight(request: Request, exposed: string, requestId: string): Response {
  const headers = new Headers({
    'access-control-allow-origin': '*',
    'access-control-expose-headers': exposed,
    ...(requestId === '' ? {} : { [REQUEST_ID_HEADER]: requestId }),
    'access-control-max-age': MAX_AGE_SECONDS,
    'access-control-allow-methods': ALLOWED_METHODS,
  });
  const asked = request.headers.get('access-control-request-headers');
  if (asked) {
    headers.set(
      'access-control-allow-headers',
      asked
        .split(',')
        .map((name) => name.trim())
        .join(','),
    );
    headers.append('vary', 'Access-Control-Request-Headers');
  }
  return new Response(null, { status: 204, headers });
}
