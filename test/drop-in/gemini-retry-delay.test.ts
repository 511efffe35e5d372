import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { errorOf, keyWithMemory, openAiClient, postJson } from '../helpers/drop-in';

// Gemini says how long to wait after a rate limit in its error body
// (google.rpc.RetryInfo), not in a Retry-After header (outside review 256
// F3): GraphQL chat's `retryAfter` and the translated routes' Retry-After
// were missing, so clients retried inside the quota window.

const QUOTA_REFUSAL = {
  host: 'generativelanguage.googleapis.com',
  status: 429,
  body: {
    error: {
      code: 429,
      message: 'You exceeded your current quota. Please retry in 37.5s.',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.5s' },
      ],
    },
  },
};

describe('a Gemini rate limit’s wait, from its error body', () => {
  beforeEach(resetFakes);

  it('GraphQL chat says retryAfter; the OpenAI route translated says Retry-After', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake(QUOTA_REFUSAL);
    const graphql = (await (
      await postJson(
        '/graphql',
        {
          query:
            'mutation { chat(input: { model: "google/gemini-2.5-flash", messages: [{ role: USER, content: "where do I live?" }] }) { content } }',
        },
        { authorization: `Bearer ${secret}`, 'x-provider-key': 'AIza-test' },
      )
    ).json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(graphql.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 429,
      retryAfter: 38,
    });

    await scriptFake(QUOTA_REFUSAL);
    const raised = await errorOf(() =>
      openAiClient(secret, { 'x-provider-key': 'AIza-test' }).chat.completions.create({
        model: 'google/gemini-2.5-flash',
        messages: [{ role: 'user', content: 'where do I live?' }],
      }),
    );
    expect(raised).toBeInstanceOf(OpenAI.RateLimitError);
    expect((raised as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('38');
  });
});
