import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { configurationProblems } from '../../src/core/config-check';
import { SetProviderKeyDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL } from '../helpers/graphql';
import { keyWithMemory } from '../helpers/drop-in';

/** The same Worker and storage, on a deployment that sets no PROVIDER_KEY_SECRET (PREVIOUS neither). */
const withoutSecret = { ...env, PROVIDER_KEY_SECRET: '', PROVIDER_KEY_SECRET_PREVIOUS: '' };

function send(path: string, body: unknown, token: string) {
  return worker.fetch(
    new Request(`${BASE_URL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }) as Request<unknown, IncomingRequestCfProperties>,
    withoutSecret,
    createExecutionContext(),
  );
}

const notSet = {
  code: 'CONFIGURATION_ERROR',
  reason: 'PROVIDER_KEY_SECRET_NOT_SET',
  variables: ['PROVIDER_KEY_SECRET'],
};

describe('stored provider keys on a deployment without PROVIDER_KEY_SECRET', () => {
  beforeEach(resetFakes);

  it('says the stored key cannot be opened, not that none is stored, on every surface', async () => {
    const { secret, admin, adminToken } = await keyWithMemory();
    await admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: 'sk-stored-before-the-secret-went-0123' },
    });

    // Before: 401 PROVIDER_KEY_MISSING "… or have an admin store one".
    const chat = await send(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
      secret,
    );
    expect(chat.status).toBe(503);
    const body = (await chat.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject(notSet);
    expect(String(body.error.message)).toBe(
      "this memory key's account has a stored openai key: PROVIDER_KEY_SECRET is not set on this deployment (at least 16 characters)",
    );
    expect(JSON.stringify(body)).not.toContain('sk-stored');

    // Before: FORBIDDEN STORED_KEYS_DISABLED.
    const set = await send(
      '/graphql',
      {
        query:
          'mutation { setProviderKey(input: { provider: OPENAI, key: "sk-another-key-4567" }) { last4 } }',
      },
      adminToken,
    );
    const setBody = (await set.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(setBody.errors[0]!.extensions).toMatchObject(notSet);

    // Before: sealedWithPreviousSecret: true, with no previous secret set.
    const listed = await send(
      '/graphql',
      { query: '{ providerKeys { last4 sealedWithPreviousSecret } }' },
      adminToken,
    );
    expect(await listed.json()).toEqual({
      data: { providerKeys: [{ last4: '0123', sealedWithPreviousSecret: null }] },
    });
  });

  it('still answers PROVIDER_KEY_MISSING when no key is stored', async () => {
    const { secret } = await keyWithMemory();
    const chat = await send(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
      secret,
    );
    expect(chat.status).toBe(401);
    expect(((await chat.json()) as { error: unknown }).error).toMatchObject({
      reason: 'PROVIDER_KEY_MISSING',
    });
  });

  it('refuses PROVIDER_KEY_SECRET_PREVIOUS without PROVIDER_KEY_SECRET in the configuration check', () => {
    expect(
      configurationProblems({ ...withoutSecret, PROVIDER_KEY_SECRET_PREVIOUS: 'x'.repeat(16) }),
    ).toEqual([
      expect.objectContaining({
        variable: 'PROVIDER_KEY_SECRET',
        reason: 'PROVIDER_KEY_SECRET_NOT_SET',
      }),
    ]);
    expect(configurationProblems(withoutSecret)).toEqual([]);
  });
});
