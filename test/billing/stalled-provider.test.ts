import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatStreamDocument, RevokeMemoryKeyDocument, UsageDocument } from '../generated/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake } from '../helpers/fakes';
import { openAiClient } from '../helpers/drop-in';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

// A slow model may take longer than the revocation bound (VERIFIED_KEY_TTL_MS,
// 15 s) before its first byte. The standing watch covers that wait too, and
// non-streamed calls: a revoked key's chat ends within the bound with the
// surface's own error, the provider call is aborted, and no turn is stored or
// billed. Before, each of these ran until the provider answered (45 s in the
// review that found it) and stored and billed the turn. Like
// test/drop-in/lost-standing.test.ts, this waits the real interval once, for
// every surface together.

const REVOKED = expect.objectContaining({
  extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
});

/** What a call ends with: the error it raised, or null. */
async function endOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return null;
  } catch (error) {
    return error;
  }
}

describe('a revoked key ends a chat whose provider has not answered yet', () => {
  beforeEach(resetFakes);

  it('streamed and non-streamed drop-in calls and a GraphQL chat end with KEY_REVOKED; the provider calls are aborted; nothing is stored or billed', async () => {
    const streamed = await newKey();
    const whole = await newKey();
    const graphql = await newKey();
    for (let i = 0; i < 3; i++) await scriptFake({ host: 'api.openai.com', mode: 'stall' });

    const streamedEnd = endOf(async () => {
      const stream = await openAiClient(streamed.secret).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'My lighthouse keeper is called Ada' }],
        stream: true,
      });
      for await (const chunk of stream) void chunk;
    });
    const wholeEnd = endOf(() =>
      openAiClient(whole.secret).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'My harbour master is called Bo' }],
      }),
    );
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${graphql.secret}`, 'x-provider-key': 'sk-test' },
      retryAttempts: 0,
    });
    try {
      const chat = client.iterate({
        query: print(ChatStreamDocument),
        variables: {
          input: {
            model: 'openai/gpt-4o',
            messages: [{ role: 'USER', content: 'My ferry captain is called Cy' }],
          },
        },
      });
      const chatEnd = chat.next();

      // Every call has reached the provider, which sends nothing yet.
      await eventually(async () =>
        expect((await fakeCalls()).filter((call) => call.host === 'api.openai.com')).toHaveLength(
          3,
        ),
      );
      for (const key of [streamed, whole, graphql])
        await key.admin.request(RevokeMemoryKeyDocument, { id: key.keyId });

      const [streamedError, wholeError, chatResult] = await Promise.all([
        streamedEnd,
        wholeEnd,
        chatEnd,
      ]);
      for (const error of [streamedError, wholeError]) {
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
        expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
          reason: 'KEY_REVOKED',
        });
      }
      expect(chatResult.value?.errors).toEqual([REVOKED]);
      expect((await chat.next()).done).toBe(true);
    } finally {
      client.dispose();
    }

    await eventually(async () => {
      const calls = (await fakeCalls()).filter((call) => call.host === 'api.openai.com');
      expect(calls.map((call) => call.cancelled)).toEqual([true, true, true]);
    });
    // No turn was stored: a stored turn bills its tokens to its key.
    for (const key of [streamed, whole, graphql]) {
      const usage = (await key.admin.request(UsageDocument, {})).usage;
      expect(usage.memoryTokens).toBe(0);
    }
  }, 45_000);
});
