import { CodedError } from '../core/errors';
import { errorResponse } from './error-shapes';
import { yoga } from './graphql/yoga';
import type { Edge } from './edge';
import { handleGraphQLWebSocket } from './graphql-websocket';

/**
 * /graphql: GraphQL over HTTP and SSE through Yoga, with the caller the edge
 * authenticated (credentials are optional here: each field declares what it
 * needs, see src/schema/builder.ts); GET with `Upgrade: websocket` is GraphQL
 * over WebSocket, whose operations authenticate as they start.
 */
export function graphqlRoute(edge: Edge<'optional'>): Response | Promise<Response> {
  const { request, env, ctx } = edge;
  if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
    return handleGraphQLWebSocket(request, env, ctx);
  }
  if (asksForGraphiQL(request) && env.ENVIRONMENT !== 'development') {
    // Yoga would answer 406 with an empty body: say what is off and what to do.
    return errorResponse(
      'graphql',
      new CodedError(
        'NOT_FOUND',
        'GraphiQL is off on this deployment (ENVIRONMENT is not development): send GraphQL as POST /graphql with a JSON body { "query": … }',
        'GRAPHIQL_DISABLED',
      ),
    );
  }
  const unreadable = request.method === 'GET' ? unreadableSearchParam(request) : null;
  if (unreadable !== null) return errorResponse('graphql', unreadable);
  if (request.method === 'POST' && request.body !== null) {
    const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (!type) return answer(edge, asJson(request));
    if (type === FORM)
      return formBody(request).then((read) =>
        read instanceof CodedError ? errorResponse('graphql', read) : answer(edge, read),
      );
  }
  return answer(edge, request);
}

const FORM = 'application/x-www-form-urlencoded';

/** Yoga's answer, with its empty 406 said (notAcceptable). */
function answer(edge: Edge<'optional'>, request: Request): Promise<Response> {
  const { env, ctx } = edge;
  const answered = yoga.fetch(request, {
    env,
    ctx,
    edge: {
      principal: edge.principal,
      authError: edge.authError,
      providerKey: edge.providerKey,
      signal: request.signal,
      timings: edge.timings,
    },
  });
  return Promise.resolve(answered).then((response) =>
    response.status === 406 ? notAcceptable(request, response) : response,
  );
}

/**
 * A POST without Content-Type is read as the route's own kind, JSON, as the
 * other routes read theirs (body-checks.ts): Yoga alone would answer an empty
 * 415.
 */
function asJson(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.set('content-type', 'application/json');
  return new Request(request, { headers });
}

/**
 * A form-encoded body (`query=…`, which Yoga reads) that is JSON instead:
 * what `curl -d '{"query": …}'` sends without `-H 'content-type:
 * application/json'`. Yoga would read it as one form field and answer "Must
 * provide query string."; it is refused as a body of a type the route does
 * not read, saying what to send. Not read as JSON on a guess: a browser
 * sends this type cross-site without asking first (no CORS preflight).
 */
async function formBody(request: Request): Promise<Request | CodedError> {
  const text = await request.text();
  if (/^\s*[{[]/.test(text)) {
    return new CodedError(
      'BAD_USER_INPUT',
      `the body is JSON but its Content-Type is ${FORM} (what curl -d sends by default): send it as application/json (curl: -H 'content-type: application/json')`,
      'UNSUPPORTED_MEDIA_TYPE',
      { status: 415 },
    );
  }
  return new Request(request, { body: text });
}

/**
 * A GET's `variables` or `extensions` that is not a JSON object: Yoga would
 * throw parsing it and answer an unexpected error. Said as a POST's
 * unreadable body is (400, BAD_USER_INPUT, INVALID_JSON).
 */
function unreadableSearchParam(request: Request): CodedError | null {
  const params = new URL(request.url).searchParams;
  for (const name of ['variables', 'extensions']) {
    const text = params.get(name);
    if (!text) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return new CodedError(
        'BAD_USER_INPUT',
        `the \`${name}\` parameter must be a JSON object`,
        'INVALID_JSON',
        { status: 400 },
      );
  }
  return null;
}

/**
 * Yoga's 406 has an empty body: the request's Accept takes none of the media
 * types the answer can have. Said, with what to send instead, and still 406.
 */
function notAcceptable(request: Request, response: Response): Response {
  if (response.headers.get('content-length') !== '0' && response.body !== null) return response;
  const accept = request.headers.get('accept') ?? '';
  const refusal = errorResponse(
    'graphql',
    new CodedError(
      'BAD_USER_INPUT',
      `nothing this route answers is acceptable to "Accept: ${accept.slice(0, 200)}": queries and mutations answer application/graphql-response+json or application/json, a subscription answers text/event-stream (or use the WebSocket)`,
      'NOT_ACCEPTABLE',
      { status: 406 },
    ),
  );
  // Yoga's own header: the media types it would have answered in.
  const offered = response.headers.get('accept');
  if (offered !== null) refusal.headers.set('accept', offered);
  return refusal;
}

/** A browser opening /graphql: a GET without a query that takes HTML. */
function asksForGraphiQL(request: Request): boolean {
  return (
    request.method === 'GET' &&
    !new URL(request.url).searchParams.has('query') &&
    (request.headers.get('accept') ?? '').includes('text/html')
  );
}
