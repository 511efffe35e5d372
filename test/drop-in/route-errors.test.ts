import { env } from 'cloudflare:workers';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetAccount } from '../../src/resolvers/verified-keys';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

type Surface = 'openai' | 'anthropic' | 'google';

const ROUTES: Record<
  Surface,
  { path: string; auth: (secret: string) => Record<string, string>; providerKey: string }
> = {
  openai: {
    path: '/v1/chat/completions',
    auth: (s) => ({ authorization: `Bearer ${s}` }),
    providerKey: 'sk-test',
  },
  anthropic: {
    path: '/v1/messages',
    auth: (s) => ({ 'x-api-key': s }),
    providerKey: 'sk-ant-test',
  },
  google: {
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    auth: (s) => ({ 'x-goog-api-key': s }),
    providerKey: 'AIza-test',
  },
};

const VALID: Record<Surface, unknown> = {
  openai: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
  anthropic: {
    model: 'claude-sonnet-4',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  },
  google: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
};

/** Our code and reason out of each surface's own error shape (checking the shape on the way). */
async function coded(surface: Surface, response: Response) {
  const body = (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (surface === 'openai') {
    expect(Object.keys(body.error).sort()).toEqual(
      expect.arrayContaining(['code', 'message', 'param', 'type']),
    );
    return { code: body.error.code, reason: body.error.reason, message: body.error.message };
  }
  if (surface === 'anthropic') {
    expect(body.type).toBe('error');
    expect(typeof body.error.type).toBe('string');
    return { code: body.error.code, reason: body.error.reason, message: body.error.message };
  }
  expect(body.error.code).toBe(response.status);
  expect(typeof body.error.status).toBe('string');
  return {
    code: body.error.details[0].metadata.code,
    reason: body.error.details[0].reason,
    message: body.error.message,
  };
}

describe('REST chat routes answer errors in their own shape', () => {
  beforeEach(resetFakes);

  for (const surface of ['openai', 'anthropic', 'google'] as const) {
    it(`${surface}: bodies that are not a JSON object, wrong types, bad keys and unknown paths`, async () => {
      const { secret } = await keyWithMemory();
      const route = ROUTES[surface];
      const headers = { ...route.auth(secret), 'x-provider-key': route.providerKey };
      for (const body of ['null', '[]', '42', '"text"', '{"model":', '']) {
        const response = await postJson(route.path, body, headers);
        expect(response.status, body).toBe(400);
        expect(await coded(surface, response), body).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'INVALID_JSON',
        });
      }
      const form = await workerFetch(`${BASE_URL}${route.path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'model=gpt-4o',
      });
      expect(form.status).toBe(415);
      expect(await coded(surface, form)).toMatchObject({ reason: 'UNSUPPORTED_MEDIA_TYPE' });

      const badKey = await postJson(route.path, VALID[surface], {
        ...route.auth('mk_not.a-key'),
        'x-provider-key': route.providerKey,
      });
      expect(badKey.status).toBe(401);
      expect(await coded(surface, badKey)).toMatchObject({ code: 'UNAUTHENTICATED' });

      // Paths no SDK calls (`…:predict` and POST /v1/chat/completions/{id}
      // are APIs not served, a 501: not-served.test.ts).
      const unknown = route.path.startsWith('/v1beta')
        ? '/v1beta/models/gemini-2.5-flash:noSuchMethod'
        : `${route.path}/extra/more`;
      const missing = await postJson(unknown, VALID[surface], headers);
      expect(missing.status).toBe(404);
      expect(await coded(surface, missing)).toMatchObject({ code: 'NOT_FOUND' });

      const huge = await postJson(
        route.path,
        {
          ...(VALID[surface] as object),
          padding: 'x'.repeat(Number(env.MAX_DROP_IN_REQUEST_BYTES)),
        },
        headers,
      );
      expect(huge.status).toBe(413);
      expect(await coded(surface, huge)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(await upstreamCalls('api.openai.com')).toEqual([]);
    });
  }

  it('a suspended account gets 402 PAYMENT_REQUIRED, which the SDK raises with our message', async () => {
    const { secret, accountId } = await keyWithMemory();
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
    await account.applyBillingEvent(`evt_${accountId}`, Math.floor(Date.now() / 1000), 'suspended');
    // What the Stripe webhook does after applying it: this isolate checks the account's keys again.
    forgetAccount(accountId);
    const client = new OpenAI({
      apiKey: secret,
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'x-provider-key': 'sk-test' },
    });
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(402);
    expect(error.message).toMatch(/suspended for billing/);
    expect(error.code).toBe('PAYMENT_REQUIRED');
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('never echoes the provider key, whole, masked or in fragments', async () => {
    const { secret } = await keyWithMemory();
    const providerKey = 'bad-provider-key-123456789';
    const masked = await postJson('/v1/chat/completions', VALID.openai, {
      authorization: `Bearer ${secret}`,
      'x-provider-key': providerKey,
    });
    expect(masked.status).toBe(401);
    const maskedText = await masked.text();
    // OpenAI quotes the key with its middle masked: bad-******************6789.
    expect(maskedText).toContain('Incorrect API key provided: [redacted]');
    expect(maskedText).not.toMatch(/bad-|6789|\*\*\*/);

    await scriptFake({
      host: 'api.anthropic.com',
      status: 400,
      body: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: `the key sk-ant-secret-9f8e7d6c… is not valid here`,
        },
      },
    });
    const fragment = await postJson('/v1/messages', VALID.anthropic, {
      'x-api-key': secret,
      'x-provider-key': 'sk-ant-secret-9f8e7d6c5b4a',
    });
    const fragmentText = await fragment.text();
    expect(fragmentText).toContain('the key [redacted]… is not valid here');
    expect(fragmentText).not.toContain('9f8e7d6c');
  });
});
