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

/**
 * A vault namespace whose objects answer each method with the answer the
 * real object gave its first call (cloned, as RPC copies it): the Worker's
 * own handling of a search or a store, with the vault's work and its
 * variance taken out. Writes are not repeated, so a store's answer (its ids)
 * is the same every time.
 */
function recordedVaults(real: Env['VAULT']): Env['VAULT'] {
  const answers = new Map<string, unknown>();
  return {
    idFromName: (name: string) => real.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = real.get(id) as unknown as Record<string, (...args: unknown[]) => unknown>;
      return new Proxy(
        {},
        {
          get: (_target, method) =>
            typeof method !== 'string' || method === 'then'
              ? undefined
              : async (...args: unknown[]) => {
                  const key = `${id.toString()}:${method}`;
                  if (!answers.has(key)) answers.set(key, await stub[method]!(...args));
                  return structuredClone(answers.get(key));
                },
        },
      );
    },
  } as unknown as Env['VAULT'];
}

/**
 * The Worker's own time in bench:api's 1-vault HYBRID search and single
 * store beside `{ me { id } }`: the whole Worker (routing, auth, Yoga, the
 * resolvers, the headers) with the vault's answers replayed, in turn, batch
 * by batch. Per row: wall time from the fetch handler to the body read, the
 * mean Server-Timing phases, and `total` less the named phases (what no
 * phase names). The search and store rows less `me`'s are their excess.
 */
it('per-request cost of the Worker: a search and a store beside me, vault answers replayed', async () => {
  const { app } = await import('../src/http/app');
  const admin = await adminToken('bench-edge-search');
  const secret = await newMemoryKey(admin);
  const vault = { kind: 'SESSION', id: 'edge-search' };
  const post = (query: string, variables: Record<string, unknown>) =>
    new Request(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query, variables }),
    });
  const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
  const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
  const words =
    'garden travel music family coffee weekend project painting river mountain book friend'.split(
      ' ',
    );
  const sentence = (i: number) =>
    Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
  for (let b = 0; b < 4; b++) {
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      vault,
      content: sentence(b * 100 + i),
      // Spread over 60 days, as bench:api's corpus: the WORKING and LONG_TERM windows hold hits.
      createdAt: new Date(Date.now() - ((b * 100 + i) % 60) * 86_400_000 - 60_000).toISOString(),
    }));
    const stored = await (await exports.default.fetch(post(STORE, { inputs }))).json();
    if ((stored as { errors?: unknown }).errors) throw new Error(JSON.stringify(stored));
  }
  // The store row's vault exists and is registered before its answer is
  // recorded: a first write's answer says `created`, and replaying it would
  // register the vault with the account on every request.
  const writes = { kind: 'SESSION', id: 'edge-writes' };
  await (
    await exports.default.fetch(post(STORE, { inputs: [{ vault: writes, content: sentence(1) }] }))
  ).text();
  const replayEnv = { ...env, VAULT: recordedVaults(env.VAULT) } as Env;
  const ctx = {
    waitUntil() {},
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext;
  const windows = [
    { window: 'WORKING', limit: 10 },
    { window: 'LONG_TERM', limit: 10 },
  ];
  const rows: [string, () => Request][] = [
    ['{ me { id } }', () => graphqlRequest('{ me { id } }', secret)],
    [
      'search, 1 vault, HYBRID, 2 windows × 10',
      () =>
        post(SEARCH, {
          input: {
            query: 'what did my friend say about the garden and the river last weekend',
            mode: 'HYBRID',
            vaults: [vault],
            windows,
          },
        }),
    ],
    [
      'the same, selecting memoryTokens only',
      () =>
        post(`query($input: SearchInput!) { search(input: $input) { memoryTokens } }`, {
          input: {
            query: 'what did my friend say about the garden and the river last weekend',
            mode: 'HYBRID',
            vaults: [vault],
            windows,
          },
        }),
    ],
    [
      'the same search, TEXT (nothing embedded)',
      () =>
        post(SEARCH, {
          input: {
            query: 'what did my friend say about the garden and the river last weekend',
            mode: 'TEXT',
            vaults: [vault],
            windows,
          },
        }),
    ],
    [
      'storeMemories, 1 memory',
      () =>
        post(STORE, {
          inputs: [{ vault: writes, content: sentence(3) }],
        }),
    ],
  ];
  const named = [
    'auth',
    'parse',
    'key',
    'embed',
    'tokenize',
    'vault',
    'meter',
    'prompt',
    'serialize',
  ];
  const sums = rows.map(() => ({ phases: new Map<string, number>(), count: 0, bytes: 0 }));
  let check = '';
  const jobs = rows.map(([, make], r) => async () => {
    const response = await app.fetch(make(), replayEnv, ctx);
    const body = await response.text();
    if (response.status !== 200 || body.includes('"errors"')) check = body;
    const sum = sums[r]!;
    sum.count += 1;
    sum.bytes += body.length;
    for (const entry of (response.headers.get('server-timing') ?? '').split(', ')) {
      const [name, dur] = entry.split(';dur=');
      sum.phases.set(name!, (sum.phases.get(name!) ?? 0) + Number(dur));
    }
  });
  const samples = await timeInTurn(jobs, SAMPLES, BATCH, 200);
  if (check) throw new Error(`a request failed: ${check}`);
  const me = median(samples[0]!);
  for (const [r, [name]] of rows.entries()) {
    const { phases, count, bytes } = sums[r]!;
    const mean = (phase: string) => (phases.get(phase) ?? 0) / count;
    const unnamed = mean('total') - named.reduce((sum, phase) => sum + mean(phase), 0);
    const listed = [...phases.keys()]
      .map((phase) => `${phase} ${mean(phase).toFixed(3)}`)
      .join(', ');
    const ms = median(samples[r]!);
    console.log(
      `${name.padEnd(40)} ${ms.toFixed(3)} ms p50 (+${(ms - me).toFixed(3)} vs me), ${Math.round(bytes / count)} B; unnamed ${unnamed.toFixed(3)} ms; ${listed}`,
    );
  }
});

/**
 * The same search and store through Yoga instances that differ by one part
 * each (as "Yoga, part by part" does for `me`), the vault's answers
 * replayed: what each of our plugins and graphql-armor adds to them.
 */
it('per-request cost of the Worker: a search and a store through Yoga, part by part', async () => {
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
  const { useOperationNameCheck } = await import('../src/http/graphql/use-operation-name-check');
  const { toClientError } = await import('../src/http/graphql/client-errors');
  const { OPERATION_LIMITS: L } = await import('../src/http/graphql/operation-limits');

  const secret = await newMemoryKey(await adminToken('bench-edge-parts'));
  const { principal } = await authenticate(`Bearer ${secret}`, env);
  const vault = { kind: 'SESSION', id: 'edge-parts' };
  const writes = { kind: 'SESSION', id: 'edge-parts-writes' };
  const STORE = `mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
  const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
  const words =
    'garden travel music family coffee weekend project painting river mountain book friend'.split(
      ' ',
    );
  const sentence = (i: number) =>
    Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
  const body = (query: string, variables: Record<string, unknown>) =>
    JSON.stringify({ query, variables });
  const through = async (text: string) =>
    (
      await exports.default.fetch(
        new Request(`${BASE}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          body: text,
        }),
      )
    ).text();
  for (let b = 0; b < 4; b++) {
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      vault,
      content: sentence(b * 100 + i),
      createdAt: new Date(Date.now() - ((b * 100 + i) % 60) * 86_400_000 - 60_000).toISOString(),
    }));
    await through(body(STORE, { inputs }));
  }
  await through(body(STORE, { inputs: [{ vault: writes, content: sentence(1) }] }));
  const replayEnv = { ...env, VAULT: recordedVaults(env.VAULT) } as Env;
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
  const ours = {
    operationName: useOperationNameCheck,
    introspection: useIntrospectionPolicy,
    vaultReads: useVaultReadLimit,
    errorCodes: useErrorCodes,
    receipt: useMemoryReceipt,
    serverTiming: useServerTiming,
  } as const;
  const without = (left: string) =>
    Object.entries(ours)
      .filter(([name]) => name !== left)
      .map(([, make]) => make());
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
    ['same, rebuilt here', variant([armor(), ...without('')])],
    ['without graphql-armor', variant(without(''))],
    ...Object.keys(ours).map(
      (name) => [`without ${name}`, variant([armor(), ...without(name)])] as (typeof yogas)[number],
    ),
    ['without error masking', variant([armor(), ...without('')], false)],
    ['bare Yoga (schema, context)', variant([], false)],
  ];
  const windows = [
    { window: 'WORKING', limit: 10 },
    { window: 'LONG_TERM', limit: 10 },
  ];
  const requests: [string, string][] = [
    ['{ me { id } }', body('{ me { id } }', {})],
    [
      'search',
      body(SEARCH, {
        input: {
          query: 'what did my friend say about the garden and the river last weekend',
          mode: 'HYBRID',
          vaults: [vault],
          windows,
        },
      }),
    ],
    ['store', body(STORE, { inputs: [{ vault: writes, content: sentence(3) }] })],
  ];
  let failed = '';
  const call = (handler: (typeof yogas)[number][1], text: string) => async () => {
    const request = new Request(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    const response = await handler.fetch(request, {
      env: replayEnv,
      ctx,
      edge: {
        principal,
        authError: null,
        providerKey: null,
        signal: request.signal,
        timings: new PhaseTimings(),
      },
    });
    const answer = await response.text();
    if (answer.includes('"errors"')) failed = answer;
  };
  for (const [what, text] of requests) {
    const jobs = yogas.map(([name, handler]) => [name, call(handler, text)] as const);
    const samples = await timeInTurn(
      jobs.map(([, run]) => run),
      SAMPLES,
      BATCH,
      100,
    );
    if (failed) throw new Error(`a request failed: ${failed}`);
    const full = median(samples[0]!);
    console.log(`-- ${what}`);
    for (const [j, [name]] of jobs.entries()) {
      const ms = median(samples[j]!);
      console.log(
        `${name.padEnd(34)} ${ms.toFixed(3)} ms p50   ${(ms - full).toFixed(3)} ms vs production`,
      );
    }
  }
});

/** Pieces of a search's Worker work that `me` does not do, each alone (sync, many calls a sample). */
it('per-request cost of the Worker: pieces of a search', async () => {
  const { getOperationAST, getVariableValues, getArgumentValues, parse, Kind } =
    await import('graphql');
  const { schema } = await import('../src/schema');
  const { lacksSearchableWords } = await import('../src/text/searchable-words');
  const { PhaseTimings } = await import('../src/resolvers/phase-timings');
  const { encodeText, toBase64Url } = await import('../src/core/encoding');
  const { sampleInTurn } = await import('./measure');
  const SEARCH = `query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score memory { id content } } } }`;
  const document = parse(SEARCH);
  const variables = {
    input: {
      query: 'what did my friend say about the garden and the river last weekend',
      mode: 'HYBRID',
      vaults: [{ kind: 'SESSION', id: 'edge-parts' }],
      windows: [
        { window: 'WORKING', limit: 10 },
        { window: 'LONG_TERM', limit: 10 },
      ],
    },
  };
  const hits = Array.from({ length: 20 }, (_, i) => ({
    score: 0.5 + i / 100,
    memory: {
      id: `mem_${'x'.repeat(20)}${i}`,
      content:
        'garden travel music family coffee weekend project painting river mountain book friend',
    },
  }));
  const result = {
    data: { search: { memoryTokens: 300, hits } },
    extensions: {
      memory: {
        vaults: [{ vault: 'SESSION:edge-parts', calls: 1, elapsedMs: 2.5 }],
        windows: [
          { window: 'WORKING', hits: 10 },
          { window: 'LONG_TERM', hits: 10 },
        ],
        memoryTokens: 300,
        timings: { auth: 0.1, parse: 0.02, embed: 0.1, vault: 2.5, search: 1.2, hydrate: 0.3 },
      },
    },
  };
  const encoder = new TextEncoder();
  const ids = Array.from(
    { length: 20 },
    (_, i) => `s:${(i * 7919).toString(36)}abcdefghijk:bench-a`,
  );
  const receiptText = JSON.stringify({
    memories: Array.from({ length: 12 }, (_, i) => ({
      id: `mem_czphYmMxMjM6YmVuY2gtYQ${i}`,
      vault: 'SESSION:bench-a',
      window: 'WORKING',
      score: 0.51234 + i,
    })),
  });
  const jobs: [string, () => void][] = [
    ['20 memory ids, encodeText', () => ids.forEach((id) => encodeText(id))],
    [
      '20 memory ids, through TextEncoder (before worker-trim)',
      () => ids.forEach((id) => toBase64Url(encoder.encode(id))),
    ],
    [
      `receipt-sized text (${receiptText.length} chars), encodeText`,
      () => void encodeText(receiptText),
    ],
    [
      'coercing a search’s variables and arguments (the vault read limit’s work a search before worker-trim)',
      () => {
        const operation = getOperationAST(document, undefined)!;
        const root = schema.getRootType(operation.operation)!;
        const { coerced } = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          variables,
        );
        const selection = operation.selectionSet.selections[0]!;
        if (selection.kind === Kind.FIELD)
          getArgumentValues(root.getFields()[selection.name.value]!, selection, coerced);
      },
    ],
    ['lacksSearchableWords', () => void lacksSearchableWords(variables.input.query, Date.now())],
    ['JSON.stringify a search result', () => void JSON.stringify(result)],
    [
      'PhaseTimings, 7 phases, toHeader',
      () => {
        const t = new PhaseTimings();
        for (const p of [
          'auth',
          'parse',
          'embed',
          'vault',
          'search',
          'hydrate',
          'serialize',
        ] as const)
          t.add(p, 0.123456);
        t.toHeader();
      },
    ],
  ];
  const samples = sampleInTurn(
    jobs.map(([, run]) => () => {
      for (let i = 0; i < 40; i++) run();
    }),
    [0],
    40,
  );
  for (const [j, [name]] of jobs.entries())
    console.log(`${name.padEnd(50)} ${((median(samples[j]!) / 40) * 1000).toFixed(2)} µs`);
});

/**
 * Executing a search's selection over 20 hits, its resolver answering a made
 * outcome at once: Yoga's executor (@graphql-tools/executor) against
 * graphql-js's own, and the same selecting memoryTokens only.
 */
it('per-request cost of the Worker: executing a search result', async () => {
  const { parse, execute: graphqlExecute } = await import('graphql');
  const { normalizedExecutor } = await import('@graphql-tools/executor');
  const { schema } = await import('../src/schema');
  const { sampleInTurn } = await import('./measure');
  const field = schema.getQueryType()!.getFields().search!;
  const original = field.resolve;
  const address = { keyId: 'k', kind: 'SESSION', externalId: 'edge' };
  const outcome = {
    memoryTokens: 300,
    notice: null,
    hits: Array.from({ length: 20 }, (_, i) => ({
      address,
      score: 0.5 + i / 100,
      window: 'WORKING',
      match: { start: 0, end: 10 },
      memory: {
        id: `m${i}abcdefgh`,
        content:
          'garden travel music family coffee weekend project painting river mountain book friend',
      },
    })),
  };
  field.resolve = () => outcome;
  try {
    const full = parse(
      `{ search(input: { query: "q" }) { memoryTokens hits { score memory { id content } } } }`,
    );
    const tokens = parse(`{ search(input: { query: "q" }) { memoryTokens } }`);
    const contextValue = { principal: null };
    const check = (await normalizedExecutor({ schema, document: full, contextValue })) as {
      errors?: unknown;
    };
    if (check.errors) throw new Error(JSON.stringify(check.errors));
    const variants = [
      'hits { score }',
      'hits { memory { content } }',
      'hits { memory { id } }',
    ].map(
      (selection) =>
        [selection, parse(`{ search(input: { query: "q" }) { ${selection} } }`)] as const,
    );
    const jobs: [string, () => unknown][] = [
      ...variants.map(
        ([name, document]) =>
          [
            `tools executor, ${name}`,
            () => normalizedExecutor({ schema, document, contextValue }),
          ] as [string, () => unknown],
      ),
      [
        'tools executor, 20 hits',
        () => normalizedExecutor({ schema, document: full, contextValue }),
      ],
      [
        'tools executor, memoryTokens',
        () => normalizedExecutor({ schema, document: tokens, contextValue }),
      ],
      [
        'graphql-js execute, 20 hits',
        () => graphqlExecute({ schema, document: full, contextValue }),
      ],
      [
        'graphql-js execute, memoryTokens',
        () => graphqlExecute({ schema, document: tokens, contextValue }),
      ],
    ];
    const samples = sampleInTurn(
      jobs.map(([, run]) => () => {
        for (let i = 0; i < 10; i++) run();
      }),
      [0],
      40,
    );
    for (const [j, [name]] of jobs.entries())
      console.log(`${name.padEnd(40)} ${((median(samples[j]!) / 10) * 1000).toFixed(1)} µs`);
  } finally {
    field.resolve = original;
  }
});
