import Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { errorOf, keyWithMemory, postJson } from '../helpers/drop-in';

// When the provider refuses a key an admin stored, the caller, who sent no
// provider key and holds only the memory key, is told it was the stored
// key (outside review 256 F8): "Incorrect API key provided" alone read as a
// bad memory key.

const REFUSAL = {
  host: 'api.anthropic.com',
  status: 401,
  body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
};

async function keyWithStoredAnthropicKey() {
  const key = await keyWithMemory();
  const stored = await postJson(
    '/graphql',
    {
      query: 'mutation($input: SetProviderKeyInput!) { setProviderKey(input: $input) { last4 } }',
      variables: { input: { provider: 'ANTHROPIC', key: 'sk-ant-stored-but-revoked-7890' } },
    },
    { authorization: `Bearer ${key.adminToken}` },
  );
  expect(((await stored.json()) as { data: unknown }).data).toEqual({
    setProviderKey: { last4: '7890' },
  });
  return key;
}

describe('a refused stored provider key says it is the stored one', () => {
  beforeEach(resetFakes);

  it('Anthropic’s SDK with only the memory key: the AuthenticationError names the stored key and the fix', async () => {
    const { secret } = await keyWithStoredAnthropicKey();
    await scriptFake(REFUSAL);
    const client = new Anthropic({
      apiKey: secret,
      baseURL: BASE_URL,
      fetch: workerFetch,
      maxRetries: 0,
    });
    const error = await errorOf(() =>
      client.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'where do I live?' }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const message = (error as Error).message;
    expect(message).toContain(
      'the anthropic key an admin stored for this account (…7890) was refused',
    );
    expect(message).toContain('setProviderKey');
    expect(message).toContain('invalid x-api-key');
    expect(message).not.toContain('sk-ant-stored');
  });

  it('GraphQL chat says it in the message and in extensions.providerKeySource; X-Provider-Key’s refusal does not', async () => {
    const { secret } = await keyWithStoredAnthropicKey();
    const chat = async (headers: Record<string, string>) => {
      await scriptFake(REFUSAL);
      const response = await postJson(
        '/graphql',
        {
          query:
            'mutation { chat(input: { model: "anthropic/claude-sonnet-5-5", messages: [{ role: USER, content: "where do I live?" }] }) { content } }',
        },
        { authorization: `Bearer ${secret}`, ...headers },
      );
      return (
        (await response.json()) as {
          errors: { message: string; extensions: Record<string, unknown> }[];
        }
      ).errors[0]!;
    };
    const stored = await chat({});
    expect(stored.message).toContain('an admin stored for this account (…7890)');
    expect(stored.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      providerStatus: 401,
      providerKeySource: 'STORED_FOR_ACCOUNT',
    });
    const sent = await chat({ 'x-provider-key': 'sk-ant-from-the-caller' });
    expect(sent.message).not.toContain('admin stored');
    expect(sent.extensions.providerKeySource).toBeUndefined();
  });
});
