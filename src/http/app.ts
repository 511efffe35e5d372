import { Hono, type Context } from 'hono';
import { presentedCredentials } from '../auth/credentials';
import { CodedError } from '../core/errors';
import { inRequest, newRequestId } from '../core/request-log';
import type { PhaseTimings } from '../resolvers/phase-timings';
import { refusal, satisfies } from '../resolvers/principal';
import { authenticate } from './authenticate';
import {
  checkContentType,
  limitBody,
  maxDropInRequestBytes,
  maxRequestBytes,
  type BodyKind,
} from './body-checks';
import { anthropicCountTokensRoute, embeddingsRoute } from './beside-chat';
import { geminiRoute, nativeChatRoute, responsesRoute } from './chat-routes';
import type { Access, Edge, Handler } from './edge';
import {
  configurationErrorResponse,
  errorResponse,
  failureResponse,
  surfaceOf,
} from './error-shapes';
import { graphqlRoute } from './graphql-route';
import type { Surface } from './surfaces';
import { isGeminiMethodTarget } from './gemini-target';
import { configurationError, configurationProblemsOf } from './guard';
import { edgeHeaders } from './edge-headers';
import { geminiModelsRoute } from './gemini-models';
import { modelsRoute } from './models-route';
import { notServedError, unservedCall } from './not-served';
import { discardBody } from './request-body';
import { storedResponsesRoute } from './stored-responses';
import { EXPOSED_HEADERS } from './exposed-headers';
import { stripeWebhookRoute } from './stripe-webhook';
import { exportRoute, importRoute } from './vault-routes';

type Method = 'GET' | 'POST' | 'DELETE';

/** What a route needs before its handler runs; the chain below checks it in this order. */
interface RouteSpec<A extends Access> {
  methods: readonly Method[];
  path: string;
  /** The body's kind, for the Content-Type check; absent: any (or none). */
  body?: BodyKind;
  /**
   * Read as a stream with bounds of its own (an import caps each line, in
   * bounded memory), so no limit on the whole body; every other body is
   * refused over MAX_REQUEST_BYTES, or a drop-in chat route's over
   * MAX_DROP_IN_REQUEST_BYTES.
   */
  streamed?: true;
  /** A drop-in chat route: its requests carry images and PDFs inline, so its limit is larger. */
  dropIn?: true;
  access: A;
}

/**
 * The Worker's HTTP layer: every route, and one chain every request goes
 * through. For all requests: CORS (any origin; credentials travel in
 * headers, never cookies), then the configuration guard. Then per route: the
 * method (405), the body's content type (415) and size (413), the
 * credentials (401, 403, 402 for a suspended account on a metered route),
 * and the handler. Any refusal or failure is answered in the shape of the
 * surface the path belongs to (error-shapes.ts), after reading and dropping
 * a body nobody will use.
 */
type AppEnv = { Bindings: Env; Variables: { timings: PhaseTimings } };

export const app = new Hono<AppEnv>();

// Before anything else runs: the request's id (core/request-log.ts), which
// every log line about a failure names and every response carries.
app.use((_c, next) => inRequest(newRequestId(), next));

// Every response, errors included, carries CORS headers, the request id and
// says where its time went (Server-Timing); preflights are answered here.
app.use(edgeHeaders(EXPOSED_HEADERS));

app.use(async (c, next) => {
  const problems = configurationProblemsOf(c.env);
  if (problems.length === 0) return next();
  await discardBody(c.req.raw);
  const { message, variables, reason } = configurationError(problems);
  return configurationErrorResponse(surfaceOf(c.req.path, c.req.raw), message, variables, reason);
});

app.notFound(async (c) => {
  const unserved = await notServedResponse(c.req.raw);
  if (unserved !== null) return unserved;
  await discardBody(c.req.raw);
  return errorResponse(
    surfaceOf(c.req.path, c.req.raw),
    new CodedError(
      'NOT_FOUND',
      `MemoryRouter serves no ${c.req.method} ${c.req.path}`,
      'ROUTE_NOT_FOUND',
    ),
  );
});

/**
 * A call an SDK makes beside chat that MemoryRouter does not serve (its
 * Files API, stored chat completions, …; not-served.ts): a 501 in that SDK's
 * shape, reason ROUTE_NOT_SERVED, before any credential is read, as a 404
 * is. Null for any other request.
 */
async function notServedResponse(request: Request): Promise<Response | null> {
  const call = unservedCall(request);
  if (call === null) return null;
  await discardBody(request);
  return errorResponse(call.surface, notServedError(request, call));
}

app.onError(async (error, c) => {
  await discardBody(c.req.raw);
  return failureResponse(surfaceOf(c.req.path, c.req.raw), error);
});

function route<A extends Access>(spec: RouteSpec<A>, handle: Handler<A>): void {
  serve(spec, handle);
  refuseOtherMethods(spec.path, spec.methods);
}

/** A path's handler for some methods; a path served with different specs by method calls this once per spec. */
function serve<A extends Access>(spec: RouteSpec<A>, handle: Handler<A>): void {
  app.on([...spec.methods], spec.path, async (c) => handle(await admit(c, spec)));
}

/**
 * Any other method on the path: 405 naming the ones it takes (after every
 * `serve` of the path); `methodsOf` when they depend on the path's parameters.
 */
function refuseOtherMethods(
  path: string,
  methodsOf: readonly Method[] | ((params: Record<string, string>) => readonly Method[]),
): void {
  app.all(path, async (c) => {
    // A method of the path that an SDK calls but MemoryRouter does not serve
    // (`chat.completions.list()` is a GET of the chat path) says so, not "use POST".
    const unserved = await notServedResponse(c.req.raw);
    if (unserved !== null) return unserved;
    throw methodNotAllowed(typeof methodsOf === 'function' ? methodsOf(c.req.param()) : methodsOf);
  });
}

/** 405, naming in Allow the methods the path takes. */
function methodNotAllowed(methods: readonly Method[]): CodedError {
  return new CodedError(
    'BAD_USER_INPUT',
    `use ${methods.join(' or ')} for this path`,
    'METHOD_NOT_ALLOWED',
    { status: 405, allow: methods.join(', ') },
  );
}

/**
 * Where the SDK of a route's format puts its key, for the refusal of a
 * request that sent none (the others: a Bearer token, refusal's default).
 */
const KEY_SLOT: Partial<Record<Surface, string>> = {
  anthropic: '"x-api-key: mk_…"',
  google: '"x-goog-api-key: mk_…" (or ?key=mk_…)',
};

/** The per-route checks, cheapest first: content type, size, then credentials. */
async function admit<A extends Access>(c: Context<AppEnv>, spec: RouteSpec<A>) {
  let request = c.req.raw;
  if (spec.body !== undefined) checkContentType(request, spec.body);
  if (!spec.streamed) {
    const limit = spec.dropIn ? maxDropInRequestBytes(c.env) : maxRequestBytes(c.env);
    request = await limitBody(request, limit);
  }
  const timings = c.get('timings');
  // Two credentials that disagree are refused here, on every route. The
  // routes an SDK calls with the provider's key in its key slot (everything
  // but GraphQL and the vault routes) take that key beside X-Memory-Key.
  const presented =
    spec.access === 'none'
      ? { credential: null, providerKey: null }
      : presentedCredentials(request, {
          dropIn: spec.path !== '/graphql' && !spec.path.startsWith('/v1/vaults/'),
        });
  const { principal, authError } =
    spec.access === 'none'
      ? { principal: null, authError: null }
      : await timings.time('auth', () => authenticate(presented.credential, c.env));
  if (spec.access !== 'none' && spec.access !== 'optional' && !satisfies(principal, spec.access)) {
    throw refusal(principal, authError, spec.access, KEY_SLOT[surfaceOf(c.req.path, request)]);
  }
  return {
    request,
    env: c.env,
    ctx: c.executionCtx,
    params: c.req.param() as Record<string, string>,
    principal,
    authError,
    providerKey: presented.providerKey,
    timings,
  } as Edge<A>;
}

// ── the routes ───────────────────────────────────────────────────────────────

route({ methods: ['GET'], path: '/', access: 'none' }, healthRoute);
route({ methods: ['GET'], path: '/health', access: 'none' }, healthRoute);

// GraphQL over HTTP and SSE; GET with Upgrade: websocket is GraphQL over WebSocket.
route(
  { methods: ['GET', 'POST'], path: '/graphql', body: 'graphql', access: 'optional' },
  graphqlRoute,
);

// The drop-in chat routes, each in its provider's own format.
route(
  {
    methods: ['POST'],
    path: '/v1/chat/completions',
    body: 'json',
    dropIn: true,
    access: 'activeMemoryKey',
  },
  nativeChatRoute('openai'),
);
route(
  {
    methods: ['POST'],
    path: '/v1/responses',
    body: 'json',
    dropIn: true,
    access: 'activeMemoryKey',
  },
  responsesRoute,
);
// OpenAI's stored responses, passed through without memory (stored-responses.ts);
// input_tokens before {id}, which would otherwise take it.
route(
  {
    methods: ['POST'],
    path: '/v1/responses/input_tokens',
    body: 'json',
    // Counts the tokens of a request /v1/responses takes.
    dropIn: true,
    access: 'activeMemoryKey',
  },
  storedResponsesRoute,
);
route(
  { methods: ['GET', 'DELETE'], path: '/v1/responses/:id', access: 'activeMemoryKey' },
  storedResponsesRoute,
);
route(
  { methods: ['POST'], path: '/v1/responses/:id/cancel', access: 'activeMemoryKey' },
  storedResponsesRoute,
);
route(
  { methods: ['GET'], path: '/v1/responses/:id/input_items', access: 'activeMemoryKey' },
  storedResponsesRoute,
);
route(
  {
    methods: ['POST'],
    path: '/v1/messages',
    body: 'json',
    dropIn: true,
    access: 'activeMemoryKey',
  },
  nativeChatRoute('anthropic'),
);
// Calls the SDKs make beside chat, passed through without memory (beside-chat.ts).
route(
  {
    methods: ['POST'],
    path: '/v1/messages/count_tokens',
    body: 'json',
    dropIn: true,
    access: 'activeMemoryKey',
  },
  anthropicCountTokensRoute,
);
route(
  { methods: ['POST'], path: '/v1/embeddings', body: 'json', access: 'activeMemoryKey' },
  embeddingsRoute,
);
// The model list, answered for the SDK that asks (models-route.ts): OpenAI's
// shape of MemoryRouter's catalog, or Anthropic's or Google's own list.
route({ methods: ['GET'], path: '/v1/models', access: 'memoryKey' }, modelsRoute);
route({ methods: ['GET'], path: '/v1beta/models', access: 'memoryKey' }, geminiModelsRoute);
// Gemini's paths, as @google/genai builds them: POST /v1beta/models/{model}:{method}
// (and /v1/…), and GET of one model (by any SDK's client on /v1/models/…).
// The model may hold a slash (`compatible/llama3.2`): the route answers it
// by naming the models it serves rather than as an unknown path. GET serves
// models only, colons and all (an OpenAI fine-tune, `ft:gpt-4o-mini:org::abc`):
// a GET of Gemini's `{model}:{method}` (gemini-target.ts) is refused with 405.
for (const version of ['v1beta', 'v1']) {
  const path = `/${version}/models/:target{.+}`;
  // A `{model}:{method}` target takes POST only; a model, GET and POST (countTokens… are POSTs).
  const methodsOf = (target = ''): Method[] =>
    isGeminiMethodTarget(target) ? ['POST'] : ['GET', 'POST'];
  app.get(path, async (c, next) => {
    if (isGeminiMethodTarget(c.req.param('target') ?? '')) throw methodNotAllowed(['POST']);
    await next();
  });
  // Gemini's methods beside chat that are not served (embedContent, predict,
  // …) say so before the credentials are read, as every path not served does.
  app.post(path, async (c, next) => (await notServedResponse(c.req.raw)) ?? next());
  serve(
    { methods: ['GET'], path, access: 'memoryKey' },
    version === 'v1' ? modelsRoute : geminiModelsRoute,
  );
  serve(
    { methods: ['POST'], path, body: 'json', dropIn: true, access: 'activeMemoryKey' },
    geminiRoute,
  );
  refuseOtherMethods(path, ({ target }) => methodsOf(target));
}

// A vault's JSONL: /v1/vaults/core/… or /v1/vaults/{session|ephemeral}/{id}/…
// Grouped: Hono anchors a parameter's pattern as ^pattern$, so bare
// alternatives would let "corefoo" or "xsession" through as a real kind.
const VAULT_KIND = ':kind{(?:core|session|ephemeral)}';
for (const vault of [`/v1/vaults/${VAULT_KIND}`, `/v1/vaults/${VAULT_KIND}/:id`]) {
  route({ methods: ['GET'], path: `${vault}/export`, access: 'memoryKey' }, exportRoute);
  route(
    {
      methods: ['POST'],
      path: `${vault}/import`,
      body: 'jsonl',
      streamed: true,
      access: 'activeMemoryKey',
    },
    importRoute,
  );
}

// Stripe signs its deliveries: the signature, not a credential, says who sent them.
route({ methods: ['POST'], path: '/stripe/webhook', access: 'none' }, stripeWebhookRoute);

function healthRoute(): Response {
  return Response.json({ service: 'memoryrouter', graphql: '/graphql' });
}
