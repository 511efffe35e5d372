import { runInDurableObject } from 'cloudflare:test';
import { runAlarm } from '../helpers/alarms';
import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateBillingCustomerDocument,
  StoreMemoriesDocument,
  VaultSnapshotsDocument,
} from '../generated/graphql';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { vaultObjectName } from '../../src/vaults/address';
import { writeMetaBeneath } from '../helpers/vaults';

/**
 * Hostile and faulty input, one row per input (issue 11, items 13–22; the
 * chat routes' rows belong with the chat routes). Every row checks the HTTP
 * status, the coded error in that route's own error shape, and that nothing
 * was stored or changed: the memories, the metered usage and the billing
 * state of both accounts are the same before and after.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

interface World {
  victim: Key;
  intruder: Key;
  customer: string;
  snapshotKey: string;
}

/** How a route reports a refusal. */
type Expect =
  // GraphQL: { errors: [{ extensions: { code, reason? } }] } and no data for the field.
  | { graphql: string; reason?: string }
  // Every other route (vaults, unknown paths): { error: { code, message, reason? } }.
  | { route: string; reason?: string }
  // An import answered 200 with a per-line report: line 1 refused with this code.
  | { line: string }
  // The Stripe webhook: { error: { code, message } }, the REST shape.
  | { webhook: true }
  // Accepted, with nothing found and nothing billed (a search).
  | { nothingFound: true };

interface Case {
  item: number;
  name: string;
  send: (world: World) => Promise<Response>;
  status: number;
  expect: Expect;
  /** What the server logs about it; any other log is a failure (client errors are not logged). */
  logs?: string;
}

const DAY = 86_400_000;
const encoder = new TextEncoder();
const stripe = new Stripe('sk_test_fake', { httpClient: Stripe.createFetchHttpClient() });

// ── requests ────────────────────────────────────────────────────────────────

function gql(query: string, variables: Record<string, unknown> = {}, token?: string) {
  return workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
}

const asKey =
  (query: string, variables: Record<string, unknown> = {}) =>
  ({ victim }: World) =>
    gql(query, variables, victim.secret);
const asIntruderAdmin =
  (query: string, variables: (world: World) => Record<string, unknown>) => (world: World) =>
    gql(query, variables(world), world.intruder.adminToken);

const STORE = 'mutation($input: StoreMemoryInput!) { storeMemory(input: $input) { id } }';
const STORE_MANY =
  'mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }';
const SEARCH =
  'query($input: SearchInput!) { search(input: $input) { memoryTokens hits { score } } }';

const store = (input: Record<string, unknown>) => asKey(STORE, { input });
const search = (input: Record<string, unknown>) =>
  asKey(SEARCH, {
    input: {
      windows: [
        { window: 'HOT', limit: 5 },
        { window: 'ARCHIVE', limit: 5 },
      ],
      ...input,
    },
  });

function importLines(body: BodyInit, path = 'session/imports', token?: (world: World) => string) {
  return (world: World) =>
    workerFetch(`${BASE_URL}/v1/vaults/${path}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token ? token(world) : world.victim.secret}` },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
}
const importLine = (line: Record<string, unknown> | string) =>
  importLines(typeof line === 'string' ? line : JSON.stringify(line));

function bytes(...parts: (string | number[])[]): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((part) =>
    typeof part === 'string' ? encoder.encode(part) : new Uint8Array(part),
  );
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function stream(size: number, fill = 0x78): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(fill);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(chunk.slice(0, Math.min(chunk.length, size - sent)));
      sent += chunk.length;
    },
  });
}

function raw(path: string, init: RequestInit) {
  return () =>
    workerFetch(`${BASE_URL}${path}`, {
      ...init,
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
}

async function signedWebhook(
  world: World,
  options: { status?: string; timestamp?: number; tamper?: boolean; size?: number } = {},
) {
  const payload = JSON.stringify({
    id: `evt_${crypto.randomUUID()}`,
    object: 'event',
    type: 'customer.subscription.updated',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: 'sub_1',
        object: 'subscription',
        customer: world.customer,
        status: options.status ?? 'past_due',
      },
    },
    ...(options.size ? { padding: 'x'.repeat(options.size) } : {}),
  });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: 'whsec_test_secret',
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return workerFetch(`${BASE_URL}/stripe/webhook`, {
    method: 'POST',
    headers: { 'stripe-signature': header, 'content-type': 'application/json' },
    body: options.tamper ? payload.replace('past_due', 'active') : payload,
  });
}

async function adminJwt(accountId: string, claims: { exp?: number }) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(accountId);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
}

const now = () => Math.floor(Date.now() / 1000);
const aliases = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const searchVaults = (count: number) =>
  `search(input: { query: "x", vaults: [${Array.from({ length: count }, (_, i) => `{ kind: SESSION, id: "s${i}" }`).join(', ')}] }) { memoryTokens }`;

// ── the table ───────────────────────────────────────────────────────────────

const cases: Case[] = [
  // 13. The import route: bounded lines, linear splitting, bad requests.
  {
    item: 13,
    name: 'a single line of 2 MiB (over the line limit)',
    send: importLines(stream(2 * 1024 * 1024)),
    status: 200,
    expect: { line: 'LINE_TOO_LONG' },
  },
  {
    item: 13,
    name: 'a line of 6 MiB with no newline, in small chunks',
    send: importLines(stream(6 * 1024 * 1024, 0x7b)),
    status: 200,
    expect: { line: 'LINE_TOO_LONG' },
  },
  {
    item: 13,
    name: 'import without credentials',
    send: importLines('{"content":"x"}', 'session/imports', () => ''),
    status: 401,
    expect: { route: 'UNAUTHENTICATED' },
  },
  {
    item: 13,
    name: 'import with an admin token instead of a memory key',
    send: importLines('{"content":"x"}', 'session/imports', (world) => world.victim.adminToken),
    // The credential is valid but of the wrong kind, as GraphQL says it too.
    status: 403,
    expect: { route: 'FORBIDDEN' },
  },
  {
    item: 13,
    name: 'import with GET',
    send: (world) =>
      workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
        headers: { authorization: `Bearer ${world.victim.secret}` },
      }),
    status: 405,
    expect: { route: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' },
  },
  {
    item: 13,
    name: 'import with no body',
    send: (world) =>
      workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.victim.secret}` },
      }),
    status: 400,
    expect: { route: 'BAD_USER_INPUT' },
  },
  {
    item: 13,
    name: 'import into a session id with a space',
    send: importLines('{"content":"x"}', 'session/bad%20id'),
    status: 400,
    expect: { route: 'BAD_USER_INPUT' },
  },
  {
    item: 13,
    name: 'import into a CORE vault given an id',
    send: importLines('{"content":"x"}', 'core/extra'),
    status: 400,
    expect: { route: 'BAD_USER_INPUT' },
  },
  {
    item: 13,
    name: 'export with POST',
    send: (world) =>
      workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.victim.secret}` },
        body: 'x'.repeat(1000),
      }),
    status: 405,
    expect: { route: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' },
  },

  // 14. Each line judged on its own, reported by its own number.
  {
    item: 14,
    name: 'a timestamp a month ahead',
    send: importLine({ content: 'x', timestamp: Date.now() + 30 * DAY }),
    status: 200,
    expect: { line: 'CREATED_AT_RANGE' },
  },
  {
    item: 14,
    name: 'a timestamp before 1970',
    send: importLine({ content: 'x', timestamp: -1 }),
    status: 200,
    expect: { line: 'CREATED_AT_RANGE' },
  },
  {
    item: 14,
    name: 'a timestamp that is not a time',
    send: importLine({ content: 'x', timestamp: 'last tuesday' }),
    status: 200,
    expect: { line: 'INVALID_DATE_TIME' },
  },
  {
    item: 14,
    name: 'an id with spaces',
    send: importLine({ content: 'x', id: 'not an id' }),
    status: 200,
    expect: { line: 'INVALID_ID' },
  },
  {
    item: 14,
    name: 'an id that is a number',
    send: importLine({ content: 'x', id: 42 }),
    status: 200,
    expect: { line: 'INVALID_ID' },
  },
  {
    item: 14,
    name: 'an embedding that is not base64url',
    send: importLine({ content: 'x', embedding: 'not*base64' }),
    status: 200,
    expect: { line: 'INVALID_EMBEDDING' },
  },
  {
    item: 14,
    name: 'an embedding holding a string',
    send: importLine({ content: 'x', embedding: [0.1, '0.2'] }),
    status: 200,
    expect: { line: 'INVALID_EMBEDDING' },
  },
  {
    item: 14,
    name: 'an embedding of zeros',
    send: importLine({ content: 'x', embedding: Array(384).fill(0) }),
    status: 200,
    expect: { line: 'EMBEDDING_ZERO' },
  },
  {
    item: 14,
    // The core vault holds the deployment's vectors: a line's own is of another kind.
    name: 'an embedding of its own into a vault the deployment embeds',
    send: importLines(JSON.stringify({ content: 'x', embedding: [1, 2, 3] }), 'core'),
    status: 200,
    expect: { line: 'EMBEDDING_MISMATCH' },
  },
  {
    item: 14,
    name: 'an embedding of 4,097 components',
    send: importLine({ content: 'x', embedding: Array(4097).fill(0.5) }),
    status: 200,
    expect: { line: 'EMBEDDING_DIMENSIONS' },
  },
  {
    item: 14,
    name: 'an infinite component (1e999)',
    send: importLine('{"content":"x","embedding":[1e999,1,1,1]}'),
    status: 200,
    expect: { line: 'EMBEDDING_NOT_FINITE' },
  },
  {
    item: 14,
    name: 'empty content',
    send: importLine({ content: '   ' }),
    status: 200,
    expect: { line: 'EMPTY_CONTENT' },
  },
  {
    item: 14,
    name: 'content that is a number',
    send: importLine({ content: 7 }),
    status: 200,
    expect: { line: 'EMPTY_CONTENT' },
  },
  {
    item: 14,
    name: 'content over 32 KiB',
    send: importLine({ content: 'é'.repeat(17_000) }),
    status: 200,
    expect: { line: 'CONTENT_TOO_LARGE' },
  },
  {
    item: 14,
    name: 'metadata that is a list',
    send: importLine({ content: 'x', metadata: [1, 2] }),
    status: 200,
    expect: { line: 'INVALID_METADATA' },
  },
  {
    item: 14,
    name: 'metadata over 16 KiB',
    send: importLine({ content: 'x', metadata: { blob: 'y'.repeat(16_400) } }),
    status: 200,
    expect: { line: 'METADATA_TOO_LARGE' },
  },
  {
    item: 14,
    name: 'an unknown role',
    send: importLine({ content: 'x', role: 'robot' }),
    status: 200,
    expect: { line: 'INVALID_ROLE' },
  },
  {
    item: 14,
    name: 'a line that is a JSON array',
    send: importLine('[{"content":"x"}]'),
    status: 200,
    expect: { line: 'INVALID_JSON' },
  },
  {
    item: 14,
    name: 'a line that is not JSON',
    send: importLine('{"content": "x"'),
    status: 200,
    expect: { line: 'INVALID_JSON' },
  },

  // 16. The Stripe webhook.
  {
    item: 16,
    name: 'an unsigned delivery',
    send: raw('/stripe/webhook', { method: 'POST', body: '{}' }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a signature header that is garbage',
    send: raw('/stripe/webhook', {
      method: 'POST',
      headers: { 'stripe-signature': 'garbage' },
      body: '{}',
    }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a tampered body',
    send: (world) => signedWebhook(world, { tamper: true }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a signature an hour old',
    send: (world) => signedWebhook(world, { timestamp: now() - 3_600 }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a signature an hour ahead',
    send: (world) => signedWebhook(world, { timestamp: now() + 3_600 }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a signature ten years ahead',
    send: (world) => signedWebhook(world, { timestamp: now() + 10 * 365 * 86_400 }),
    status: 400,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a body over the limit',
    send: (world) => signedWebhook(world, { size: Number(env.MAX_REQUEST_BYTES) }),
    status: 413,
    expect: { webhook: true },
  },
  {
    item: 16,
    name: 'a valid event whose customer lookup fails',
    send: async (world) => {
      await fetch('http://fakes.test/_script', {
        method: 'POST',
        body: JSON.stringify({ host: 'api.stripe.com', status: 500 }),
      });
      return signedWebhook(world);
    },
    status: 503,
    expect: { webhook: true },
    logs: 'stripe webhook: customer lookup failed',
  },

  // 17. Text that would be altered silently.
  {
    item: 17,
    name: 'content with a lone high surrogate',
    send: store({ content: 'before \ud800 after' }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'content with a lone low surrogate',
    send: store({ content: '\udc00 at the start' }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'a batch with one lone surrogate among valid memories',
    send: asKey(STORE_MANY, {
      inputs: [{ content: 'fine' }, { content: 'bad \ud83d' }, { content: 'fine too' }],
    }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'metadata with a lone surrogate in a value, and in a key',
    send: asKey(STORE_MANY, {
      inputs: [
        { content: 'fine', metadata: { mood: 'ok \ud800' } },
        { content: 'fine too', metadata: { ['\udc00key']: 'x' } },
      ],
    }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'an import line with a lone surrogate in its metadata',
    send: importLine('{"content":"fine","metadata":{"tags":["a","\\ud83d"]}}'),
    status: 200,
    expect: { line: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'an import line of invalid UTF-8',
    send: importLines(bytes('{"content":"', [0xff, 0xfe], '"}')),
    status: 200,
    expect: { line: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'an import line with an overlong UTF-8 encoding',
    send: importLines(bytes('{"content":"', [0xc0, 0xaf], '"}')),
    status: 200,
    expect: { line: 'INVALID_TEXT' },
  },
  {
    item: 17,
    name: 'an import line with an escaped lone surrogate',
    send: importLine('{"content":"lone \\udfff"}'),
    status: 200,
    expect: { line: 'INVALID_TEXT' },
  },

  // 18. Queries with nothing to embed find nothing and bill nothing.
  {
    item: 18,
    name: 'a HYBRID search for punctuation',
    send: search({ query: '!!! ??? ...' }),
    status: 200,
    expect: { nothingFound: true },
  },
  {
    item: 18,
    name: 'a VECTOR search for punctuation',
    send: search({ query: '?!', mode: 'VECTOR' }),
    status: 200,
    expect: { nothingFound: true },
  },
  {
    item: 18,
    name: 'a HYBRID search for NUL',
    send: search({ query: '\u0000' }),
    status: 200,
    expect: { nothingFound: true },
  },
  {
    item: 18,
    name: 'a TEXT search for symbols',
    send: search({ query: '*** --- ###', mode: 'TEXT' }),
    status: 200,
    expect: { nothingFound: true },
  },

  // 19. Vectors with a direction, however large or small, are not "zero".
  {
    item: 19,
    name: 'a search vector of 1e308s',
    send: search({
      query: 'x',
      mode: 'VECTOR',
      embedding: [1e308, 1e308, 1e308, 1e308],
      vaults: [{ kind: 'SESSION', id: 'nothing-here' }],
    }),
    status: 200,
    expect: { nothingFound: true },
  },
  {
    item: 19,
    name: 'a search vector of 1e-200s',
    send: search({
      query: 'x',
      mode: 'VECTOR',
      embedding: [1e-200, 2e-200, 3e-200, 4e-200],
      vaults: [{ kind: 'SESSION', id: 'nothing-here' }],
    }),
    status: 200,
    expect: { nothingFound: true },
  },
  {
    item: 19,
    name: 'a search vector of zeros',
    send: search({ query: 'x', embedding: [0, 0, 0, 0] }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'EMBEDDING_ZERO' },
  },
  {
    item: 19,
    name: 'a stored vector of zeros',
    send: store({ content: 'x', embedding: Array(384).fill(0) }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'EMBEDDING_ZERO' },
  },
  {
    item: 19,
    name: 'a stored vector with an infinite component',
    send: raw('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"mutation { storeMemory(input: { content: \\"x\\", embedding: [1e999, 1] }) { id } }"}`,
    }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT' },
  },

  // 20. GraphQL errors that say what happened.
  {
    item: 20,
    name: 'an operation nested too deeply',
    send: asKey(
      `{ vault(selector: { kind: CORE }) { memories { edges { node { vault { memories { edges { node { vault { memories { edges { node { id } } } } } } } } } } } } }`,
    ),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'DEPTH_LIMIT' },
  },
  {
    item: 20,
    name: 'twenty aliases',
    send: asKey(aliases(20, 'me { id }')),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'ALIAS_LIMIT' },
  },
  {
    item: 20,
    name: 'eleven directives',
    send: asKey(
      `{ me { ${Array.from({ length: 11 }, () => 'id @include(if: true)').join(' ')} } }`,
    ),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'DIRECTIVE_LIMIT' },
  },
  {
    item: 20,
    name: 'three thousand tokens',
    send: asKey(`{ me { ${Array(3000).fill('id').join(' ')} } }`),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'TOKEN_LIMIT' },
  },
  {
    item: 20,
    name: 'several operations and no operationName',
    send: asKey('query A { me { id } } query B { me { name } }'),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    item: 20,
    name: 'an operationName that names nothing',
    send: ({ victim }) =>
      workerFetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // 400 under this media type; 200 under application/json or no
          // Accept, as for any well-formed request (test/http.test.ts).
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${victim.secret}`,
        },
        body: JSON.stringify({ query: 'query A { me { id } }', operationName: 'Missing' }),
      }),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    item: 20,
    name: 'a syntax error',
    send: asKey('{ me { id }'),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' },
  },
  {
    item: 20,
    name: 'an unknown field',
    send: asKey('{ me { secret } }'),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' },
  },

  // 21. Hardening.
  {
    item: 21,
    name: 'createdAt in year 0',
    send: store({ content: 'x', createdAt: '0000-01-01T00:00:00Z' }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'CREATED_AT_RANGE' },
  },
  {
    item: 21,
    name: 'createdAt a second before 1970',
    send: store({ content: 'x', createdAt: '1969-12-31T23:59:59Z' }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'CREATED_AT_RANGE' },
  },
  {
    item: 21,
    name: 'createdAt next year',
    send: store({ content: 'x', createdAt: new Date(Date.now() + 365 * DAY).toISOString() }),
    status: 200,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'CREATED_AT_RANGE' },
  },
  {
    item: 21,
    name: 'an admin token valid for 31 million years',
    send: async ({ victim }) =>
      gql(
        'mutation { createMemoryKey(name: "x") { secret } }',
        {},
        await adminJwt(victim.accountId, { exp: now() + 31_000_000 * 365 * 86_400 }),
      ),
    status: 200,
    expect: { graphql: 'UNAUTHENTICATED' },
  },
  {
    item: 21,
    name: 'an admin token without exp',
    send: async ({ victim }) =>
      gql(
        'mutation { createMemoryKey(name: "x") { secret } }',
        {},
        await adminJwt(victim.accountId, {}),
      ),
    status: 200,
    expect: { graphql: 'UNAUTHENTICATED' },
  },
  {
    item: 21,
    name: 'fifteen aliased searches of two vaults each',
    send: asKey(aliases(15, searchVaults(2))),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'VAULT_READ_LIMIT' },
  },
  {
    item: 21,
    name: 'three searches of ten vaults',
    send: asKey(aliases(3, searchVaults(10))),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'VAULT_READ_LIMIT' },
  },
  {
    item: 21,
    name: 'aliased searches hidden in a fragment, vaults in a variable',
    send: asKey(
      `query($v: [VaultSelector!]) { ...F } fragment F on Query { ${Array.from({ length: 8 }, (_, i) => `s${i}: search(input: { query: "x", vaults: $v }) { memoryTokens }`).join(' ')} }`,
      { v: Array.from({ length: 3 }, (_, i) => ({ kind: 'SESSION', id: `v${i}` })) },
    ),
    status: 400,
    expect: { graphql: 'BAD_USER_INPUT', reason: 'VAULT_READ_LIMIT' },
  },
  {
    item: 21,
    name: 'a 5 MiB POST to an unknown route',
    send: raw('/nowhere', { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024) }),
    status: 404,
    expect: { route: 'NOT_FOUND' },
  },
  {
    item: 21,
    name: 'a 5 MiB chunked POST to an unknown route',
    send: raw('/v2/anything', { method: 'POST', body: stream(5 * 1024 * 1024) }),
    status: 404,
    expect: { route: 'NOT_FOUND' },
  },
  {
    item: 21,
    name: 'a body over the limit on /graphql',
    send: raw('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream(Number(env.MAX_REQUEST_BYTES) + 1),
    }),
    status: 413,
    expect: { graphql: 'PAYLOAD_TOO_LARGE' },
  },
  {
    item: 21,
    name: 'a mutation over GET',
    send: ({ victim }) =>
      workerFetch(
        `${BASE_URL}/graphql?query=${encodeURIComponent('mutation { storeMemory(input: { content: "x" }) { id } }')}`,
        {
          headers: {
            authorization: `Bearer ${victim.secret}`,
            accept: 'application/graphql-response+json',
          },
        },
      ),
    status: 405,
    expect: { graphql: 'BAD_USER_INPUT' },
  },

  // 22. Cross-tenant reads and writes by another account's admin.
  {
    item: 22,
    name: 'vaultSnapshots of another account’s key',
    send: asIntruderAdmin(
      'query($k: ID!) { vaultSnapshots(keyId: $k, vault: { kind: SESSION, id: "kept" }) { key } }',
      (world) => ({ k: world.victim.keyId }),
    ),
    status: 200,
    expect: { graphql: 'NOT_FOUND' },
  },
  {
    item: 22,
    name: 'restoreVault of another account’s key',
    send: asIntruderAdmin(
      'mutation($k: ID!) { restoreVault(keyId: $k, vault: { kind: SESSION, id: "kept" }) { restored } }',
      (world) => ({ k: world.victim.keyId }),
    ),
    status: 200,
    expect: { graphql: 'NOT_FOUND' },
  },
  {
    item: 22,
    name: 'restoreVault of an own vault from another account’s snapshot',
    send: asIntruderAdmin(
      'mutation($k: ID!, $s: String) { restoreVault(keyId: $k, vault: { kind: SESSION, id: "kept" }, snapshot: $s) { restored } }',
      (world) => ({ k: world.intruder.keyId, s: world.snapshotKey }),
    ),
    status: 200,
    expect: { graphql: 'NOT_FOUND' },
  },
  {
    item: 22,
    name: 'migrateKvVaults of a prefix recorded for another account',
    send: asIntruderAdmin(
      'mutation($k: ID!) { migrateKvVaults(keyId: $k, prefix: "hostile-victim/") { done } }',
      (world) => ({ k: world.intruder.keyId }),
    ),
    status: 200,
    expect: { graphql: 'FORBIDDEN', reason: 'PREFIX_NOT_OWNED' },
  },
  {
    item: 22,
    name: 'migrateKvVaults of a prefix nobody recorded',
    send: asIntruderAdmin(
      'mutation($k: ID!) { migrateKvVaults(keyId: $k, prefix: "hostile-") { done } }',
      (world) => ({ k: world.intruder.keyId }),
    ),
    status: 200,
    expect: { graphql: 'FORBIDDEN', reason: 'PREFIX_NOT_OWNED' },
  },
  {
    item: 22,
    name: 'migrateKvVaults of an own prefix into another account’s key',
    send: (world) =>
      gql(
        'mutation($k: ID!) { migrateKvVaults(keyId: $k, prefix: "hostile-victim/") { done } }',
        { k: world.intruder.keyId },
        world.victim.adminToken,
      ),
    status: 200,
    expect: { graphql: 'NOT_FOUND' },
  },
  {
    item: 22,
    name: 'restoreVault with a memory key',
    send: (world) =>
      gql(
        'mutation($k: ID!) { restoreVault(keyId: $k, vault: { kind: SESSION, id: "kept" }) { restored } }',
        { k: world.victim.keyId },
        world.victim.secret,
      ),
    status: 200,
    expect: { graphql: 'FORBIDDEN' },
  },
];

// ── state before and after ──────────────────────────────────────────────────

/** Everything a hostile request could have changed, for both accounts. */
async function fingerprint(world: World) {
  const read = async (key: Key) => {
    const response = await gql(
      '{ usage { memoryTokens } vaults { kind externalId memoryCount } imports: vault(selector: { kind: SESSION, id: "imports" }) { memoryCount } }',
      {},
      key.secret,
    );
    const billing = await gql(
      '{ billing { status pendingMeterEvents unbilledMemoryTokens } memoryKeys { id } }',
      {},
      key.adminToken,
    );
    // Data only: the receipt in `extensions` lists vault calls in arrival order.
    const data = async (r: Response) => ((await r.json()) as { data: unknown }).data;
    return { key: await data(response), admin: await data(billing) };
  };
  const vaults = await env.SNAPSHOTS.list({ prefix: 'vaults/' });
  return {
    victim: await read(world.victim),
    intruder: await read(world.intruder),
    snapshots: vaults.objects.length,
  };
}

/** Runs an object's alarm now (alarms never run on their own in tests). */
async function runAlarmNow(stub: DurableObjectStub) {
  await runAlarm(stub);
}

/** Makes a vault's snapshot due now and runs its alarm. */
async function snapshotNow(keyId: string, id: string | null) {
  const stub = env.VAULT.get(
    env.VAULT.idFromName(
      vaultObjectName(
        id === null
          ? { kind: 'CORE', keyId, externalId: null }
          : { kind: 'SESSION', keyId, externalId: id },
      ),
    ),
  );
  await runInDurableObject(stub, (object, state) =>
    writeMetaBeneath(object, state, ({ sql }) => {
      sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
      // Writes have settled: the alarm writes a due snapshot only then.
      sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
    }),
  );
  await runAlarmNow(stub);
}

describe('hostile input: a coded error in the route’s own shape, and nothing changed', () => {
  let world: World;

  beforeAll(async () => {
    const victim = await newKey('victim');
    const intruder = await newKey('intruder');
    await victim.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The victim keeps bees on the roof' },
        {
          content: 'The victim was born in 1980',
          createdAt: new Date(Date.now() - 400 * DAY).toISOString(),
        },
        { content: 'kept in a session', vault: { kind: 'SESSION', id: 'kept' } },
      ],
    });
    await intruder.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'the intruder has its own vault', vault: { kind: 'SESSION', id: 'kept' } },
      ],
    });
    await snapshotNow(victim.keyId, 'kept');
    const [snapshot] = (
      await victim.admin.request(VaultSnapshotsDocument, {
        keyId: victim.keyId,
        vault: { kind: 'SESSION', id: 'kept' },
      })
    ).vaultSnapshots;
    const customer = (await victim.admin.request(CreateBillingCustomerDocument, {}))
      .createBillingCustomer.stripeCustomerId!;
    // Nothing may happen in the background while the cases run: send the usage
    // so far to Stripe now, and let every vault write its pending snapshot.
    await runAlarmNow(env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${victim.accountId}`)));
    await snapshotNow(victim.keyId, null);
    await snapshotNow(intruder.keyId, 'kept');
    const kv = (env as unknown as { LEGACY_KV: KVNamespace }).LEGACY_KV;
    await kv.put(
      'hostile-victim/core',
      JSON.stringify({ version: 1, memories: [{ id: 'kv1', content: 'victim KV data' }] }),
    );
    await kv.put('memoryrouter-owner:hostile-victim/', victim.accountId);
    world = { victim, intruder, customer, snapshotKey: snapshot!.key };
  });

  it(`has at least 60 cases covering items 13 to 22`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.item))).toEqual(
      new Set([13, 14, 16, 17, 18, 19, 20, 21, 22]),
    );
  });

  for (const testCase of cases) {
    it(`item ${testCase.item}: ${testCase.name}`, async () => {
      const before = await fingerprint(world);
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      let text: string;
      let response: Response;
      let log: string;
      try {
        response = await testCase.send(world);
        text = new TextDecoder().decode(await response.arrayBuffer());
      } finally {
        log = logged.mock.calls.flat().join(' ');
        logged.mockRestore();
      }
      if (testCase.logs) expect(log).toContain(testCase.logs);
      else expect(log).toBe('');
      expect(response.status, text.slice(0, 300)).toBe(testCase.status);
      // Never a stack trace, whatever the shape.
      expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
      const body = JSON.parse(text) as Record<string, unknown>;
      const shape = testCase.expect;
      if ('graphql' in shape) {
        const errors = body.errors as { extensions: { code: string; reason?: string } }[];
        expect(errors?.[0]?.extensions, text.slice(0, 300)).toMatchObject({
          code: shape.graphql,
          ...(shape.reason ? { reason: shape.reason } : {}),
        });
        const data = body.data as Record<string, unknown> | null | undefined;
        expect(Object.values(data ?? {}).every((value) => value === null)).toBe(true);
      } else if ('route' in shape) {
        expect(body.error).toMatchObject({
          code: shape.route,
          message: expect.any(String),
          ...(shape.reason ? { reason: shape.reason } : {}),
        });
      } else if ('line' in shape) {
        expect(body).toMatchObject({
          imported: 0,
          skipped: 0,
          failed: 1,
          failures: [{ line: 1, code: shape.line, reason: expect.any(String) }],
        });
      } else if ('webhook' in shape) {
        expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      } else {
        expect(body.errors).toBeUndefined();
        expect((body.data as { search: unknown }).search).toEqual({ memoryTokens: 0, hits: [] });
      }
      expect(await fingerprint(world)).toEqual(before);
    });
  }
});
