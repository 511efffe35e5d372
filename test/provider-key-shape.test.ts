import OpenAI from 'openai';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatStreamDocument } from './generated/graphql';
import { BASE_URL, post } from './helpers/graphql';
import { fakeCalls, resetFakes } from './helpers/fakes';
import { errorOf, keyWithMemory, openAiClient, postJson } from './helpers/drop-in';
import { WorkerWebSocket } from './helpers/websocket';

// A provider key no provider could take is refused before anything leaves
// (outside review 256, F9 and F2): a memory key or an admin token in
// X-Provider-Key was forwarded to the provider as its API key, and a key
// with a pasted smart quote was logged whole by the runtime and echoed back
// past the message scrub.

const ASK = { model: 'gpt-4o', messages: [{ role: 'user', content: 'What colour do I like?' }] };

describe('a provider key no provider could take', () => {
  beforeEach(resetFakes);

  it('a memory key or an admin token in X-Provider-Key: 401 PROVIDER_KEY_IS_CREDENTIAL, nothing sent on', async () => {
    const { secret, adminToken } = await keyWithMemory();
    for (const [misplaced, what] of [
      [secret, 'a memory key'],
      [adminToken, 'an admin token'],
    ] as const) {
      const response = await postJson('/v1/chat/completions', ASK, {
        authorization: `Bearer ${secret}`,
        'x-provider-key': misplaced,
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: Record<string, string> };
      expect(body.error).toMatchObject({ reason: 'PROVIDER_KEY_IS_CREDENTIAL' });
      expect(body.error.message).toContain(what);
      expect(JSON.stringify(body)).not.toContain(misplaced);
    }
    // GraphQL chat, the same refusal in GraphQL's shape.
    const graphql = (await (
      await postJson(
        '/graphql',
        {
          query:
            'mutation { chat(input: { model: "gpt-4o", messages: [{ role: USER, content: "hi there" }] }) { content } }',
        },
        { authorization: `Bearer ${secret}`, 'x-provider-key': secret },
      )
    ).json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(graphql.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'PROVIDER_KEY_IS_CREDENTIAL',
    });
    expect(await fakeCalls()).toEqual([]);
  });

  it('a key with a character outside printable ASCII: 401 PROVIDER_KEY_MALFORMED, the OpenAI SDK raises AuthenticationError, nothing sent on', async () => {
    const { secret } = await keyWithMemory();
    const pasted = 'sk-proj-pasted\u00e9123XYZ';
    const raised = await errorOf(() =>
      openAiClient(secret, { 'x-provider-key': pasted }).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What colour do I like?' }],
      }),
    );
    expect(raised).toBeInstanceOf(OpenAI.AuthenticationError);
    const response = await postJson('/v1/chat/completions', ASK, {
      authorization: `Bearer ${secret}`,
      'x-provider-key': pasted,
    });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      error: { type: 'authentication_error', reason: 'PROVIDER_KEY_MALFORMED' },
    });
    expect(text).toContain('position 15');
    expect(text).not.toContain('123XYZ');
    expect(await fakeCalls()).toEqual([]);
  });

  it('over a GraphQL WebSocket, connectionParams.providerKey is checked the same way', async () => {
    const { secret } = await keyWithMemory();
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${secret}`, providerKey: secret },
      retryAttempts: 0,
      lazy: true,
    });
    // graphql-ws raises the operation's errors (an `error` message) from the iterator.
    const raised = await errorOf(() =>
      client
        .iterate({
          query: print(ChatStreamDocument),
          variables: {
            input: { model: 'gpt-4o', messages: [{ role: 'USER', content: 'hi there' }] },
          },
        })
        .next(),
    ).finally(() => client.dispose());
    expect(raised).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({
          code: 'UNAUTHENTICATED',
          reason: 'PROVIDER_KEY_IS_CREDENTIAL',
        }) as unknown,
      }),
    ]);
    expect(await fakeCalls()).toEqual([]);
  });

  it('setProviderKey refuses an admin token and a key with a character outside printable ASCII', async () => {
    const { adminToken } = await keyWithMemory();
    for (const key of [adminToken, 'sk-stored-key\u201c7890', 'sk-stored\tkey-7890']) {
      const result = await post(
        'mutation($input: SetProviderKeyInput!) { setProviderKey(input: $input) { last4 } }',
        { input: { provider: 'OPENAI', key } },
        adminToken,
      );
      expect(result.errors?.[0]?.extensions, key.slice(0, 12)).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_PROVIDER_KEY',
      });
    }
  });
});
