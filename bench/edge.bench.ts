/**
 * The Worker's own cost per request, inside workerd, without wrangler's
 * proxy or a client: `GET /health`, `{ me { id } }` with a memory key (its
 * principal remembered after the first call, as in bench:api) and the same
 * operation with no credentials, each sent to the Worker's fetch handler in
 * turn, batch by batch, so all three meet the same machine. workerd's clock
 * ticks in whole milliseconds: a sample is the mean of a batch.
 */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { it } from 'vitest';
import { timeInTurn } from './measure';

const BATCH = 50;
const SAMPLES = 40;
const BASE = 'http://memoryrouter.bench';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const graphqlRequest = (query: string, token?: string) =>
  new Request(`${BASE}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });

/** A development admin token for `subject`. */
function adminToken(subject: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
}

/** A new memory key's secret, made through the API with an admin token. */
async function newMemoryKey(admin: string): Promise<string> {
  const created = (await (
    await exports.default.fetch(
      graphqlRequest('mutation { createMemoryKey(name: "edge") { secret } }', admin),
    )
  ).json()) as { data: { createMemoryKey: { secret: string } } };
  return created.data.createMemoryKey.secret;
}

it('per-request cost of the Worker: /health and { me { id } }', async () => {
  const secret = await newMemoryKey(await adminToken('bench-edge'));

  const jobs: [string, () => Promise<void>][] = [
    [
      'GET /health',
      async () => void (await (await exports.default.fetch(`${BASE}/health`)).arrayBuffer()),
    ],
    [
      '{ me { id } }',
      async () => {
        const response = await exports.default.fetch(graphqlRequest('{ me { id } }', secret));
        const body = (await response.json()) as { data?: { me?: { id: string } } };
        if (!body.data?.me?.id) throw new Error(`me failed: ${JSON.stringify(body)}`);
      },
    ],
    [
      '{ __typename } (no credentials)',
      async () =>
        void (await (await exports.default.fetch(graphqlRequest('{ __typename }'))).arrayBuffer()),
    ],
  ];
  const samples = await timeInTurn(
    jobs.map(([, run]) => run),
    SAMPLES,
    BATCH,
    200,
  );
  const health = median(samples[0]!);
  for (const [j, [name]] of jobs.entries()) {
    const ms = median(samples[j]!);
    console.log(
      `${name.padEnd(34)} ${ms.toFixed(3)} ms p50   ${(ms / health).toFixed(2)}× /health   +${(ms - health).toFixed(3)} ms`,
    );
  }
});

/**
 * Where `{ me { id } }`'s GraphQL time goes: the same request through
 * Yoga instances that differ by one part each (the production one, and
 * without graphql-armor's limits, without our own plugins, without error
 * masking, and a bare Yoga), called directly with the caller already
 * authenticated, in turn, batch by batch. A diagnostic: the parts it leaves
 * out are not optional in production.
 */
it('per-request cost of the Worker: Yoga, part by part', async () => {
  const { createYoga } = await import('graphql-yoga');
  const { EnvelopArmorPlugin } = await import('@escape.tech/graphql-armor');
  const { yoga } = await import('../src/http/graphql/yoga');
  const { schema } = await import('../src/schema');
  const { createRequestContext } = await import('../src/resolvers/request-context');
  const { authenticate } = await import('../src/http/authenticate');
  const { PhaseTimings } = await import('../src/resolvers/phase-timings');
  const { useIntrospectionPolicy } = await import('../src/http/graphql/use-introspection-policy');
  const { useVaultReadLimit } = await import('../src/http/graphql/use-vault-read-limit');
  const { useErrorCodes } = await import('../src/http/graphql/use-error-codes');
  const { useMemoryReceipt } = await import('../src/http/graphql/use-memory-receipt');
  const { useServerTiming } = await import('../src/http/graphql/use-server-timing');
  const { toClientError } = await import('../src/http/graphql/client-errors');
  const { OPERATION_LIMITS: L } = await import('../src/http/graphql/operation-limits');

  const admin = await adminToken('bench-edge-yoga');
  const secret = await newMemoryKey(admin);
  const { principal } = await authenticate(`Bearer ${secret}`, env);
  // Nothing of the context is used by `{ me { id } }`.
  const ctx = {
    waitUntil() {},
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext;

  const armor = () =>
    EnvelopArmorPlugin({
      maxDepth: { n: L.maxDepth, exposeLimits: false, ignoreIntrospection: true },
      maxAliases: { n: L.maxAliases, exposeLimits: false },
      maxDirectives: { n: L.maxDirectives, exposeLimits: false },
      maxTokens: { n: L.maxTokens, exposeLimits: false },
      costLimit: { maxCost: L.maxCost, exposeLimits: false, ignoreIntrospection: true },
      blockFieldSuggestion: { enabled: true },
    });
  const ours = () => [
    useIntrospectionPolicy(),
    useVaultReadLimit(),
    useErrorCodes(),
    useMemoryReceipt(),
    useServerTiming(),
  ];
  type Server = {
    env: Env;
    ctx: ExecutionContext;
    edge: Parameters<typeof createRequestContext>[2];
  };
  const variant = (plugins: unknown[], masked = true) =>
    createYoga<Server>({
      schema,
      landingPage: false,
      graphiql: false,
      batching: false,
      cors: false,
      maxRequestBodySize: false,
      multipart: false,
      logging: false,
      maskedErrors: masked ? { maskError: (error) => toClientError(error) } : false,
      plugins: plugins as never[],
      context: ({ env, ctx, edge }: Server) => createRequestContext(env, ctx, edge),
    });
  const yogas: [
    string,
    { fetch: (request: Request, server: Server) => Promise<Response> | Response },
  ][] = [
    ['production Yoga', yoga as never],
    ['same, rebuilt here', variant([armor(), ...ours()])],
    ['without graphql-armor', variant(ours())],
    ['without our plugins', variant([armor()])],
    ['without error masking', variant([armor(), ...ours()], false)],
    ['bare Yoga (schema, context)', variant([], false)],
  ];
  const call = (handler: (typeof yogas)[number][1]) => async () => {
    const request = graphqlRequest('{ me { id } }', secret);
    const response = await handler.fetch(request, {
      env,
      ctx,
      edge: {
        principal,
        authError: null,
        providerKey: null,
        signal: request.signal,
        timings: new PhaseTimings(),
      },
    });
    const body = (await response.json()) as { data?: { me?: { id: string } } };
    if (!body.data?.me?.id) throw new Error(`me failed: ${JSON.stringify(body)}`);
  };
  const jobs = yogas.map(([name, handler]) => [name, call(handler)] as const);
  const samples = await timeInTurn(
    jobs.map(([, run]) => run),
    SAMPLES,
    BATCH,
    200,
  );
  const full = median(samples[0]!);
  for (const [j, [name]] of jobs.entries()) {
    const ms = median(samples[j]!);
    console.log(
      `${name.padEnd(34)} ${ms.toFixed(3)} ms p50   ${(ms - full).toFixed(3)} ms vs production`,
    );
  }
});

/** What authenticating a remembered memory key costs, and its HMACs alone. */
it('per-request cost of the Worker: authenticating a remembered key', async () => {
  const { authenticate } = await import('../src/http/authenticate');
  const { deriveKey } = await import('../src/auth/memory-key');
  const secret = await newMemoryKey(await adminToken('bench-edge-auth'));
  const jobs: [string, () => Promise<unknown>][] = [
    ['authenticate (remembered key)', () => authenticate(`Bearer ${secret}`, env)],
    ['deriveKey (two HMACs)', () => deriveKey(env.KEY_HMAC_SECRET, secret)],
    ['an empty await', async () => undefined],
  ];
  const samples = await timeInTurn(
    jobs.map(([, run]) => run),
    SAMPLES,
    BATCH * 4,
    200,
  );
  for (const [j, [name]] of jobs.entries()) {
    console.log(`${name.padEnd(34)} ${median(samples[j]!).toFixed(4)} ms p50`);
  }
});

/**
 * What lies outside the Worker's Server-Timing `total` when no proxy or
 * socket is involved: the mean time from handing a request to the Worker's
 * fetch handler until its response resolves, minus the mean `total`, for
 * requests that call no Durable Object (`/health`, `{ me { id } }`) and for
 * ones that call one (a vault's stats, the account's keys). bench:api:edge
 * found the latter paying a fixed cost after the Worker's response exists.
 */
it('per-request cost of the Worker: time outside `total`, with and without an object call', async () => {
  const admin = await adminToken('bench-edge-outside');
  const secret = await newMemoryKey(admin);
  await exports.default.fetch(
    new Request(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        query: `mutation { storeMemories(inputs: [{ vault: { kind: SESSION, id: "edge-stats" }, content: "a memory" }]) { id } }`,
      }),
    }),
  );
  const jobs: [string, () => Request][] = [
    ['GET /health', () => new Request(`${BASE}/health`)],
    ['{ me { id } }', () => graphqlRequest('{ me { id } }', secret)],
    [
      'vault stats (one vault call)',
      () =>
        graphqlRequest(
          '{ vault(selector: { kind: SESSION, id: "edge-stats" }) { memoryCount } }',
          secret,
        ),
    ],
    ['memoryKeys (one account call)', () => graphqlRequest('{ memoryKeys { id } }', admin)],
  ];
  const totalOf = (response: Response) =>
    Number(/total;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  for (let i = 0; i < 100; i++) {
    for (const [, make] of jobs) await (await exports.default.fetch(make())).arrayBuffer();
  }
  const sums = jobs.map(() => ({ wall: 0, total: 0, count: 0 }));
  for (let s = 0; s < SAMPLES; s++) {
    for (const [j, [, make]] of jobs.entries()) {
      for (let b = 0; b < BATCH; b++) {
        const request = make();
        const started = performance.now();
        const response = await exports.default.fetch(request);
        sums[j]!.wall += performance.now() - started;
        sums[j]!.total += totalOf(response);
        sums[j]!.count += 1;
        await response.arrayBuffer();
      }
    }
  }
  for (const [j, [name]] of jobs.entries()) {
    const { wall, total, count } = sums[j]!;
    console.log(
      `${name.padEnd(34)} to response ${(wall / count).toFixed(3)} ms, total ${(total / count).toFixed(3)} ms, outside ${((wall - total) / count).toFixed(3)} ms (means)`,
    );
  }
});
