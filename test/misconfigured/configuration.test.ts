import { env } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { createClient, isMemoryRouterError } from '../../packages/client/src/index';
import type { MemoryRouterError } from '../../packages/client/src/index';
import {
  configurationProblems,
  describeProblems,
  PROVIDER_KEY_SECRET_SHORT,
} from '../../src/core/config-check';
import { wranglerOverrides } from '../../src/core/wrangler-overrides';
import { embedderProblems } from '../../src/embed/embedder-config';
import { BASE_URL, workerFetch } from '../helpers/graphql';

// This project runs the Worker with KEY_HMAC_SECRET empty, ADMIN_JWT_SECRET
// "too-short" and VAULT_MAX_MEMORIES "lots" (see vitest.config.ts).
const NAMED = ['KEY_HMAC_SECRET', 'ADMIN_JWT_SECRET', 'VAULT_MAX_MEMORIES'];

function expectNamesNotValues(text: string) {
  for (const name of NAMED) expect(text).toContain(name);
  expect(text).not.toContain('too-short');
  expect(text).not.toContain('lots');
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack
}

describe('a misconfigured deployment', () => {
  it('answers GraphQL with CONFIGURATION_ERROR naming each variable, never its value', async () => {
    // Before: every authenticated call answered "Unexpected error.", the only
    // clue ("Imported HMAC key length (0)") being in the server log.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer mk_x.y' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    // Logged once for the operator, with names only.
    const log = logged.mock.calls.flat().join(' ');
    logged.mockRestore();
    expect(log).toContain('configuration error: KEY_HMAC_SECRET is not set');
    expectNamesNotValues(log);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      errors: { message: string; extensions: { code: string; variables: string[] } }[];
    };
    // The reason names the first problem (before: no reason at all).
    expect(body.errors[0]!.extensions).toEqual({
      code: 'CONFIGURATION_ERROR',
      reason: 'KEY_HMAC_SECRET_NOT_SET',
      variables: NAMED,
      requestId: expect.stringMatching(/^mrq_/),
    });
    expectNamesNotValues(JSON.stringify(body));
  });

  it('answers every other route in its own error shape', async () => {
    const openai = new OpenAI({
      apiKey: 'mk_x',
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
    });
    const openaiError = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(openaiError).toBeInstanceOf(OpenAI.InternalServerError);
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).code).toBe('CONFIGURATION_ERROR');
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      reason: 'KEY_HMAC_SECRET_NOT_SET',
    });
    expectNamesNotValues((openaiError as Error).message);

    const anthropic = new Anthropic({
      apiKey: 'mk_x',
      baseURL: BASE_URL,
      fetch: workerFetch,
      maxRetries: 0,
    });
    const anthropicError = await anthropic.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((error: unknown) => error);
    expect(anthropicError).toBeInstanceOf(Anthropic.InternalServerError);
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { code: 'CONFIGURATION_ERROR', reason: 'KEY_HMAC_SECRET_NOT_SET' },
    });
    expectNamesNotValues((anthropicError as Error).message);

    const exported = await workerFetch(`${BASE_URL}/v1/vaults/core/export`);
    expect(exported.status).toBe(503);
    const exportBody = (await exported.json()) as { error: { code: string; message: string } };
    expect(exportBody.error).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      reason: 'KEY_HMAC_SECRET_NOT_SET',
    });
    expectNamesNotValues(exportBody.error.message);

    // Gemini's paths answer in Google's shape, which @google/genai reads.
    const gemini = await workerFetch(`${BASE_URL}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'mk_x' },
      body: '{}',
    });
    expect(gemini.status).toBe(503);
    const geminiBody = (await gemini.json()) as {
      error: { code: number; status: string; message: string; details: { reason: string }[] };
    };
    expect(geminiBody.error).toMatchObject({
      code: 503,
      status: 'UNAVAILABLE',
      details: [{ reason: 'KEY_HMAC_SECRET_NOT_SET', metadata: { code: 'CONFIGURATION_ERROR' } }],
    });
    expectNamesNotValues(geminiBody.error.message);

    // Every other route, unknown paths included: { error: { code, message, variables } }.
    for (const [method, path] of [
      ['POST', '/stripe/webhook'],
      ['GET', '/health'],
      ['GET', '/'],
      ['POST', '/nowhere'],
    ]) {
      const response = await workerFetch(`${BASE_URL}${path}`, {
        method,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status, path).toBe(503);
      const body = (await response.json()) as {
        error: { code: string; message: string; variables: string[] };
      };
      expect(body.error, path).toMatchObject({
        code: 'CONFIGURATION_ERROR',
        reason: 'KEY_HMAC_SECRET_NOT_SET',
        variables: NAMED,
      });
      expectNamesNotValues(body.error.message);
    }
  });
});

describe('configurationProblems', () => {
  it('tells the SDKs not to resend: x-should-retry false on every chat surface, Gemini’s included', async () => {
    // The SDKs as an app uses them, with their default retries (2): a 503
    // is retried unless the answer says x-should-retry: false.
    let sent = 0;
    const counted: typeof fetch = (input, init) => {
      sent += 1;
      return workerFetch(input, init);
    };
    const openai = new OpenAI({ apiKey: 'mk_x', baseURL: `${BASE_URL}/v1`, fetch: counted });
    const openaiError = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(openaiError).toMatchObject({ status: 503, code: 'CONFIGURATION_ERROR' });
    // Before (x-should-retry: true): three calls to a deployment that cannot answer.
    expect(sent).toBe(1);
    const anthropic = new Anthropic({ apiKey: 'mk_x', baseURL: BASE_URL, fetch: counted });
    const anthropicError = await anthropic.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((error: unknown) => error);
    expect(anthropicError).toMatchObject({ status: 503 });
    expect(sent).toBe(2);
    // @google/genai does not read the header; a raw-HTTP client of Gemini's paths does.
    const gemini = await workerFetch(`${BASE_URL}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'mk_x' },
      body: '{}',
    });
    expect(gemini.status).toBe(503);
    expect(gemini.headers.get('x-should-retry')).toBe('false');
  });

  it('refuses a provider-key secret the runtime would not use, in the runtime’s own words', () => {
    const base = {
      ...env,
      KEY_HMAC_SECRET: 'a-long-enough-secret',
      ADMIN_JWT_SECRET: 'x'.repeat(16),
    };
    const problems = (vars: Record<string, unknown>) =>
      configurationProblems({
        ...base,
        ENVIRONMENT: 'development',
        VAULT_MAX_MEMORIES: '40000',
        ...vars,
      });
    expect(problems({ PROVIDER_KEY_SECRET: 'short-secret' })).toEqual([
      {
        variable: 'PROVIDER_KEY_SECRET',
        problem: PROVIDER_KEY_SECRET_SHORT,
        reason: 'PROVIDER_KEY_SECRET_TOO_SHORT',
      },
    ]);
    expect(problems({ PROVIDER_KEY_SECRET_PREVIOUS: 'short' })).toEqual([
      {
        variable: 'PROVIDER_KEY_SECRET_PREVIOUS',
        problem: PROVIDER_KEY_SECRET_SHORT,
        reason: 'PROVIDER_KEY_SECRET_PREVIOUS_TOO_SHORT',
      },
    ]);
    // Unset (or empty) is a choice: stored provider keys are off, nothing else changes.
    expect(problems({ PROVIDER_KEY_SECRET: undefined, PROVIDER_KEY_SECRET_PREVIOUS: '' })).toEqual(
      [],
    );
    expect(problems({ PROVIDER_KEY_SECRET: 'x'.repeat(16) })).toEqual([]);
  });

  it('refuses a KEY_HMAC_SECRET_PREVIOUS too short to be a previous KEY_HMAC_SECRET', () => {
    const vars = {
      ...env,
      KEY_HMAC_SECRET: 'a-long-enough-secret',
      ADMIN_JWT_SECRET: 'x'.repeat(16),
      ENVIRONMENT: 'development',
      VAULT_MAX_MEMORIES: '40000',
    };
    expect(configurationProblems({ ...vars, KEY_HMAC_SECRET_PREVIOUS: 'short' })).toEqual([
      expect.objectContaining({
        variable: 'KEY_HMAC_SECRET_PREVIOUS',
        reason: 'KEY_HMAC_SECRET_PREVIOUS_TOO_SHORT',
      }),
    ]);
    expect(configurationProblems({ ...vars, KEY_HMAC_SECRET_PREVIOUS: '' })).toEqual([]);
    expect(configurationProblems({ ...vars, KEY_HMAC_SECRET_PREVIOUS: 'y'.repeat(16) })).toEqual(
      [],
    );
  });

  it('reads wrangler’s --var and --env the way wrangler does', () => {
    expect(
      wranglerOverrides([
        '--var',
        'A:1',
        'B:two:parts',
        '--port',
        '8831',
        '--var=C:3',
        '-e',
        'staging',
      ]),
    ).toEqual({ vars: { A: '1', B: 'two:parts', C: '3' }, env: 'staging' });
    expect(wranglerOverrides(['--env=production', '--local'])).toEqual({
      vars: {},
      env: 'production',
    });
    expect(wranglerOverrides([])).toEqual({ vars: {}, env: null });
  });

  const good = {
    KEY_HMAC_SECRET: 'a-long-enough-secret',
    ADMIN_JWT_SECRET: 'another-long-secret',
    ENVIRONMENT: 'development',
  };

  it('accepts the shipped defaults with secrets set', () => {
    expect(configurationProblems({ ...env, ...good, VAULT_MAX_MEMORIES: '40000' })).toEqual([]);
  });

  it('names each problem: missing, short, unparsable, unknown, inconsistent', () => {
    expect(
      configurationProblems({
        ...env,
        KEY_HMAC_SECRET: undefined,
        ADMIN_JWT_SECRET: 'short',
        ENVIRONMENT: 'staging',
        KRONOS_HOT_HOURS: '100',
        UPSTREAM_TIMEOUT_MS: 'soon',
        OPENAI_BASE_URL: 'api.openai.com',
        EMBEDDING_PROVIDER: 'workers-ai',
        AI: undefined,
      }),
    ).toEqual([
      { variable: 'KEY_HMAC_SECRET', problem: 'is not set', reason: 'KEY_HMAC_SECRET_NOT_SET' },
      {
        variable: 'ADMIN_JWT_SECRET',
        problem: 'is shorter than 16 characters',
        reason: 'ADMIN_JWT_SECRET_TOO_SHORT',
      },
      {
        variable: 'ENVIRONMENT',
        problem: 'must be one of development, production',
        reason: 'ENVIRONMENT_INVALID',
      },
      {
        variable: 'KRONOS_HOT_HOURS',
        problem:
          'must span less time than KRONOS_WORKING_DAYS, and that less than KRONOS_LONG_TERM_DAYS',
        reason: 'KRONOS_HOT_HOURS_INVALID',
      },
      {
        variable: 'UPSTREAM_TIMEOUT_MS',
        problem: 'must be a positive number',
        reason: 'UPSTREAM_TIMEOUT_MS_INVALID',
      },
      {
        variable: 'OPENAI_BASE_URL',
        problem: 'must be an http(s) URL',
        reason: 'OPENAI_BASE_URL_INVALID',
      },
      {
        variable: 'AI',
        problem: 'binding is missing: EMBEDDING_PROVIDER = "workers-ai" needs [ai] binding = "AI"',
        reason: 'AI_BINDING_MISSING',
      },
    ]);
  });
});

describe('a mistyped variable', () => {
  const good = {
    KEY_HMAC_SECRET: 'a-long-enough-secret',
    ADMIN_JWT_SECRET: 'another-long-secret',
    ENVIRONMENT: 'development',
  };
  // A secret pasted into the wrong variable must not come back in the 503's
  // message (nor in the log line made from the same words).
  const pasted = 'sk-live-pasted-into-the-wrong-variable';

  it.each([
    ['HYBRID_VECTOR_WEIGHT', 'must be a number from 0 to 1'],
    ['REEMBED', 'must be auto or admin'],
  ])('%s: says what is expected, never the value given', (variable, expected) => {
    const problems = configurationProblems({
      ...env,
      ...good,
      VAULT_MAX_MEMORIES: '40000',
      [variable]: pasted,
    });
    // Before: "must be a number from 0 to 1, got \"sk-live-…\"" (and the same for REEMBED).
    expect(problems).toEqual([{ variable, problem: expected, reason: `${variable}_INVALID` }]);
    expect(describeProblems(problems)).toBe(`${variable} ${expected}`);
  });

  // Outside review 227 F-D: both passed the check, and then every request
  // but /health failed at its first embedding as "Unexpected error.".
  it('a Workers AI model outside the catalog, or a timeout with a unit, is named before any request', () => {
    const workersAi = {
      ...env,
      ...good,
      VAULT_MAX_MEMORIES: '40000',
      EMBEDDING_PROVIDER: 'workers-ai',
      AI: {},
    };
    const misnamed = { ...workersAi, EMBEDDING_MODEL: '@cf/baai/bge-base-en-v1.5x' };
    expect(configurationProblems(misnamed)).toEqual([]);
    expect(embedderProblems(misnamed)).toEqual([
      {
        variable: 'EMBEDDING_MODEL',
        problem:
          'must be one of @cf/baai/bge-small-en-v1.5, @cf/baai/bge-base-en-v1.5, @cf/baai/bge-large-en-v1.5, @cf/baai/bge-m3',
        reason: 'EMBEDDING_MODEL_INVALID',
      },
    ]);
    expect(embedderProblems({ ...workersAi, EMBEDDING_MODEL: pasted })[0]!.problem).not.toContain(
      pasted,
    );
    // The offline embedder reads no model: nothing to refuse.
    expect(embedderProblems({ ...misnamed, EMBEDDING_PROVIDER: 'local' })).toEqual([]);
    expect(embedderProblems({ ...workersAi, EMBEDDING_MODEL: '@cf/baai/bge-m3' })).toEqual([]);

    expect(configurationProblems({ ...workersAi, EMBEDDING_TIMEOUT_MS: '10s' })).toEqual([
      {
        variable: 'EMBEDDING_TIMEOUT_MS',
        problem: 'must be a positive number',
        reason: 'EMBEDDING_TIMEOUT_MS_INVALID',
      },
    ]);
  });
});

describe('the typed client against a misconfigured deployment', () => {
  it('raises CONFIGURATION_ERROR, a code its ErrorCode type knows, with the variables named', async () => {
    const mr = createClient({ url: BASE_URL, key: 'mk_x.y', fetch: workerFetch });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const error = await mr.me().catch((caught: unknown) => caught);
    logged.mockRestore();
    // Before: TS2345, 'CONFIGURATION_ERROR' was not an ErrorCode of the client.
    expect(isMemoryRouterError(error, 'CONFIGURATION_ERROR')).toBe(true);
    expect((error as MemoryRouterError).status).toBe(503);
    expect((error as MemoryRouterError).extensions.variables).toEqual(NAMED);
    expect((error as MemoryRouterError).reason).toBe('KEY_HMAC_SECRET_NOT_SET');
  });
});
