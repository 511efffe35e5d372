import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { failureResponse } from '../../src/http/error-shapes';
import type { Surface } from '../../src/http/surfaces';
import { maxImportLineBytes } from '../../src/vaults/jsonl';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { upstreamCalls } from '../helpers/drop-in';

const PROVIDER_HOSTS = ['api.openai.com', 'api.anthropic.com', 'generativelanguage.googleapis.com'];

/**
 * Every route, walked with every kind of bad request, answers with the
 * status the HTTP layer promises and in its own surface's error shape
 * (src/http/error-shapes.ts): GraphQL's `errors[].extensions`, OpenAI's,
 * Anthropic's and Google's error objects, and `{ "error": { code, message } }`
 * everywhere else. A bad request never reaches a provider.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

interface Route {
  name: string;
  surface: Surface;
  method: 'GET' | 'POST';
  path: string;
  /** A request body that is good apart from what a case breaks. */
  body?: string;
  /** How the route's clients send the memory key. */
  auth?: (secret: string) => Record<string, string>;
  /** Content types the route reads (for the wrong-content-type case); none: not checked. */
  json?: true;
  /** Streams its body with per-line bounds (an import): no whole-body limit. */
  streamed?: true;
  /** Credentials the route needs; 'none' answers without any. */
  access: 'none' | 'optional' | 'memoryKey';
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

const ROUTES: Route[] = [
  {
    name: 'GraphQL',
    surface: 'graphql',
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ query: '{ me { id } }' }),
    auth: bearer,
    access: 'optional',
  },
  {
    name: 'OpenAI chat completions',
    surface: 'openai',
    method: 'POST',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    auth: bearer,
    json: true,
    access: 'memoryKey',
  },
  {
    name: 'OpenAI responses',
    surface: 'openai',
    method: 'POST',
    path: '/v1/responses',
    body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }),
    auth: bearer,
    json: true,
    access: 'memoryKey',
  },
  {
    name: 'OpenAI model list',
    surface: 'openai',
    method: 'GET',
    path: '/v1/models',
    auth: bearer,
    access: 'memoryKey',
  },
  {
    name: 'Anthropic messages',
    surface: 'anthropic',
    method: 'POST',
    path: '/v1/messages',
    body: JSON.stringify({
      model: 'claude-sonnet-4',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }),
    auth: (secret) => ({ 'x-api-key': secret }),
    json: true,
    access: 'memoryKey',
  },
  ...['generateContent', 'streamGenerateContent'].map((method): Route => ({
    name: `Gemini ${method}`,
    surface: 'google',
    method: 'POST',
    path: `/v1beta/models/gemini-2.5-flash:${method}`,
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    auth: (secret) => ({ 'x-goog-api-key': secret }),
    json: true,
    access: 'memoryKey',
  })),
  {
    name: 'vault export',
    surface: 'rest',
    method: 'GET',
    path: '/v1/vaults/session/table-s1/export',
    auth: bearer,
    access: 'memoryKey',
  },
  {
    name: 'vault import',
    surface: 'rest',
    method: 'POST',
    path: '/v1/vaults/session/table-s1/import',
    body: '{"content":"imported by the route table"}\n',
    auth: bearer,
    streamed: true,
    access: 'memoryKey',
  },
  {
    name: 'Stripe webhook',
    surface: 'rest',
    method: 'POST',
    path: '/stripe/webhook',
    body: '{}',
    access: 'none',
  },
  { name: 'health', surface: 'rest', method: 'GET', path: '/health', access: 'none' },
  { name: 'root', surface: 'rest', method: 'GET', path: '/', access: 'none' },
];

/** The fields every surface's error shape must hold; returns our code, reason and message. */
async function coded(surface: Surface, response: Response) {
  const text = await response.text();
  expect(text, 'never a stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
  const body = JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (surface) {
    case 'graphql': {
      const [error] = body.errors as { message: string; extensions: Record<string, string> }[];
      expect(typeof error!.message).toBe('string');
      return {
        code: error!.extensions.code,
        reason: error!.extensions.reason,
        message: error!.message,
      };
    }
    case 'openai':
      expect(Object.keys(body.error)).toEqual(
        expect.arrayContaining(['message', 'type', 'param', 'code']),
      );
      expect(typeof body.error.type).toBe('string');
      return body.error as { code: string; reason?: string; message: string };
    case 'anthropic':
      expect(body.type).toBe('error');
      expect(typeof body.error.type).toBe('string');
      return body.error as { code: string; reason?: string; message: string };
    case 'google':
      expect(body.error.code).toBe(response.status);
      expect(body.error.status).toMatch(/^[A-Z_]+$/);
      return {
        code: body.error.details[0].metadata.code as string,
        reason: body.error.details[0].reason as string,
        message: body.error.message as string,
      };
    case 'rest':
      expect(Object.keys(body)).toEqual(['error']);
      expect(typeof body.error.message).toBe('string');
      return body.error as { code: string; reason?: string; message: string };
  }
}

function send(
  route: Route,
  init: { method?: string; headers?: Record<string, string>; body?: string },
) {
  const method = init.method ?? route.method;
  return workerFetch(`${BASE_URL}${route.path}`, {
    method,
    headers: init.headers ?? {},
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: init.body ?? route.body ?? '' }),
  });
}

describe('every route answers every bad request in its own shape', () => {
  let key: Key;
  beforeAll(async () => {
    key = await newKey();
  });
  beforeEach(resetFakes);
  // A refused request never reaches a provider.
  afterEach(async () => {
    for (const host of PROVIDER_HOSTS) expect(await upstreamCalls(host), host).toEqual([]);
  });

  const headersFor = (route: Route, secret: string) => ({
    ...(route.json || route.surface === 'graphql' ? { 'content-type': 'application/json' } : {}),
    ...(route.auth?.(secret) ?? {}),
    'x-provider-key': 'sk-test',
  });

  for (const route of ROUTES) {
    describe(`${route.method} ${route.path} (${route.name})`, () => {
      it('without credentials', async () => {
        const response = await send(route, { headers: headersFor(route, '') });
        if (route.access === 'memoryKey') {
          expect(response.status).toBe(401);
          expect(await coded(route.surface, response)).toMatchObject({ code: 'UNAUTHENTICATED' });
        } else if (route.surface === 'graphql') {
          // GraphQL reads credentials if sent; a field that needs them refuses.
          expect(await coded('graphql', response)).toMatchObject({ code: 'UNAUTHENTICATED' });
        } else {
          // The webhook is signed, not authenticated; health needs nothing.
          expect(response.status).not.toBe(401);
        }
      });

      it('with a key that is not valid', async () => {
        const response = await send(route, { headers: headersFor(route, 'mk_bad.key') });
        if (route.access === 'none') return void (await response.body?.cancel());
        if (route.surface !== 'graphql') expect(response.status).toBe(401);
        expect(await coded(route.surface, response)).toMatchObject({
          code: 'UNAUTHENTICATED',
          reason: 'MALFORMED_CREDENTIAL',
        });
      });

      it('with a body over the limit', async () => {
        if (route.method === 'GET') return;
        // The chat surfaces' POST routes are the drop-in routes, with a limit of their own.
        const dropIn = ['openai', 'anthropic', 'google'].includes(route.surface);
        // An import's limit is per line (the longest line an export writes).
        const padding = 'x'.repeat(
          route.streamed
            ? maxImportLineBytes(Number(env.MAX_CONTENT_BYTES ?? 32_768)) + 1
            : Number(dropIn ? env.MAX_DROP_IN_REQUEST_BYTES : env.MAX_REQUEST_BYTES),
        );
        const response = await send(route, {
          headers: headersFor(route, key.secret),
          body: route.streamed
            ? `{"content":"${padding}"}\n`
            : JSON.stringify({ ...(JSON.parse(route.body!) as object), padding }),
        });
        if (route.streamed) {
          // An import has no whole-body limit: each line is checked in bounded memory.
          expect(response.status).toBe(200);
          expect(await response.json()).toMatchObject({
            imported: 0,
            failed: 1,
            failures: [{ line: 1, code: 'LINE_TOO_LONG' }],
          });
          return;
        }
        expect(response.status).toBe(413);
        expect(await coded(route.surface, response)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      });

      it('with a method it does not take', async () => {
        const method = route.method === 'GET' ? 'DELETE' : 'PUT';
        const response = await send(route, { method, headers: headersFor(route, key.secret) });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toContain(route.method);
        expect(await coded(route.surface, response)).toMatchObject({ code: 'BAD_USER_INPUT' });
      });

      it('with a body that is not JSON', async () => {
        if (route.method === 'GET') return;
        const response = await send(route, {
          headers: headersFor(route, key.secret),
          body: '{"model": ',
        });
        if (route.streamed) {
          // An import reports each line: the broken one by its number.
          expect(await response.json()).toMatchObject({
            failed: 1,
            failures: [{ line: 1, code: 'INVALID_JSON' }],
          });
        } else if (route.name === 'Stripe webhook') {
          // Nothing is read before the signature checks out.
          expect(response.status).toBe(400);
          expect(await coded('rest', response)).toMatchObject({ reason: 'INVALID_SIGNATURE' });
        } else {
          expect(response.status).toBe(400);
          expect(await coded(route.surface, response)).toMatchObject({
            code: 'BAD_USER_INPUT',
            ...(route.json ? { reason: 'INVALID_JSON' } : {}),
          });
        }
      });

      it('with a content type it does not read', async () => {
        if (!route.json && !route.streamed && route.surface !== 'graphql') return;
        const response = await send(route, {
          headers: { ...headersFor(route, key.secret), 'content-type': 'multipart/form-data' },
        });
        expect(response.status).toBe(415);
        expect(await coded(route.surface, response)).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'UNSUPPORTED_MEDIA_TYPE',
        });
      });
    });
  }

  it('answers unknown paths with a 404 in the shape of the surface they are under', async () => {
    const paths: [string, Surface][] = [
      ['/nowhere', 'rest'],
      ['/graphql/extra', 'rest'],
      ['/v1/vaults/closet/export', 'rest'],
      ['/v1/chat/nowhere', 'openai'],
      ['/v1/responses/resp_123/nowhere', 'openai'],
      // The APIs beside chat an SDK calls are 501s instead (not-served.test.ts).
      ['/v1/messages/nowhere', 'anthropic'],
      ['/v1beta/models/gemini-2.5-flash:noSuchMethod', 'google'],
      ['/v1beta/models/gemini-2.5-flash:toString', 'google'],
      ['/v1/models/gemini-2.5-flash:noSuchMethod', 'google'],
    ];
    for (const [path, surface] of paths) {
      const response = await workerFetch(`${BASE_URL}${path}`, {
        method: 'POST',
        headers: { ...bearer(key.secret), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status, path).toBe(404);
      expect(await coded(surface, response), path).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('serves vault JSONL only under the three vault kinds spelled exactly', async () => {
    // A kind that merely begins or ends like one (Hono tests alternatives
    // unanchored unless grouped) must not reach, or write to, a real vault.
    const line = JSON.stringify({ content: 'written through a misspelled path' });
    for (const kind of ['sessionsTYPO', 'xsession', 'corefoo', 'ephemeralz']) {
      const imported = await workerFetch(`${BASE_URL}/v1/vaults/${kind}/typo1/import`, {
        method: 'POST',
        headers: { ...bearer(key.secret), 'content-type': 'application/x-ndjson' },
        body: `${line}\n`,
      });
      expect(imported.status, kind).toBe(404);
      expect(await coded('rest', imported), kind).toMatchObject({ code: 'NOT_FOUND' });
      for (const path of [`/v1/vaults/${kind}/export`, `/v1/vaults/${kind}/typo1/export`]) {
        const exported = await workerFetch(`${BASE_URL}${path}`, { headers: bearer(key.secret) });
        expect(exported.status, path).toBe(404);
        expect(await coded('rest', exported), path).toMatchObject({ code: 'NOT_FOUND' });
      }
    }
    const session = await workerFetch(`${BASE_URL}/v1/vaults/session/typo1/export`, {
      headers: bearer(key.secret),
    });
    // The real vault was never written: there is nothing to export.
    expect(session.status).toBe(404);
    expect(await coded('rest', session)).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'VAULT_NOT_FOUND',
    });
  });
});

describe('CORS, answered once for every route', () => {
  it('lets a browser on any origin call every surface and read the receipt headers', async () => {
    for (const route of ROUTES) {
      const preflight = await workerFetch(`${BASE_URL}${route.path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': route.method,
          'access-control-request-headers': 'authorization, content-type, x-provider-key',
        },
      });
      expect(preflight.status, route.path).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toContain(route.method);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('x-provider-key');
    }
    // Refusals carry the headers too, so a browser can read the error.
    const refused = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toContain('x-memory-receipt');
  });
});

describe('an unexpected failure', () => {
  it('is a masked 500 in every shape, saying nothing of what failed (only the log does)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const surface of ['graphql', 'openai', 'anthropic', 'google', 'rest'] as const) {
        logged.mockClear();
        const response = failureResponse(surface, new Error('secret internals at db.ts:12'));
        expect(response.status).toBe(500);
        const text = await response.clone().text();
        expect(text).not.toContain('secret internals');
        expect(await coded(surface, response)).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
        expect(logged.mock.calls.flat().map(String).join(' ')).toContain(
          'Error: secret internals at db.ts:12',
        );
      }
    } finally {
      logged.mockRestore();
    }
  });
});
