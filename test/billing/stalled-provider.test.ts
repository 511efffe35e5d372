import { print } from 'graphql';
import Anthropic from '@anthropic-ai/sdk';
import { env } from 'cloudflare:workers';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { accountStub } from '../../src/durable/rpc/stubs';
import {
  ChatDocument,
  ChatStreamDocument,
  RevokeMemoryKeyDocument,
  UsageDocument,
} from '../generated/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient as anthropic, errorOf as endOf, openAiClient } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { withWorkerVars } from '../helpers/worker-vars';
import { chatSseClient, postChat } from '../helpers/graphql-chat';

// A slow model may take longer than the revocation bound (VERIFIED_KEY_TTL_MS,
// 15 s) before its first byte. The standing watch covers that wait too, and
// non-streamed calls: a revoked key's chat ends within the bound with the
// surface's own error, the provider call is aborted, and no turn is stored or
// billed. Before, each of these ran until the provider answered (45 s in the
// review that found it) and stored and billed the turn. Like
// test/drop-in/lost-standing.test.ts, this waits the standing check's interval
// (STANDING_CHECK_MS, a second in the tests) once, for every surface together.

const REVOKED = expect.objectContaining({
  extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
});

describe('a revoked key ends a chat whose provider has not answered yet', () => {
  beforeEach(resetFakes);

  // The calls hold the provider's first byte until the standing check ends
  // them, so they must not time out first: the Worker gets a minute's
  // UPSTREAM_TIMEOUT_MS (its project's 3 s is shorter than the wait for every
  // call to reach the provider, up to 25 s below).
  it('drop-in calls (streamed, non-streamed, translated; a suspended account too) and GraphQL chats (subscription, mutation) end in their own shapes; the provider calls are aborted; nothing is stored or billed', () =>
    withWorkerVars({ UPSTREAM_TIMEOUT_MS: '60000' }, async () => {
      const streamed = await newKey();
      const whole = await newKey();
      const graphql = await newKey();
      // Also: a suspended account's Anthropic stream, a translated call (an
      // OpenAI model on /v1/messages) and GraphQL's non-streamed chat mutation.
      const suspended = await newKey();
      const crossed = await newKey();
      const mutation = await newKey();
      for (let i = 0; i < 5; i++) await scriptFake({ host: 'api.openai.com', mode: 'stall' });
      await scriptFake({ host: 'api.anthropic.com', mode: 'stall' });
      const anthropicEnd = endOf(() =>
        anthropic(suspended.secret)
          .messages.stream({
            model: 'claude-sonnet-4',
            max_tokens: 200,
            messages: [{ role: 'user', content: 'My lock keeper is called Dee' }],
          })
          .finalMessage(),
      );
      const crossedEnd = endOf(() =>
        anthropic(crossed.secret).messages.create({
          model: 'openai/gpt-4o',
          max_tokens: 200,
          messages: [{ role: 'user', content: 'My pilot is called Eve' }],
        }),
      );
      const mutationEnd = postChat(mutation.secret, ChatDocument, {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'My skipper is called Flo' }],
      });

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
      const client = chatSseClient(graphql.secret);
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

        // Every call has reached the provider, which sends nothing yet. As the
        // first file of a fresh runner, the first calls load the Worker's
        // modules, which took over eventually's 5 s on the shared machine.
        await eventually(async () => {
          const calls = await fakeCalls();
          expect(calls.filter((call) => call.host === 'api.openai.com')).toHaveLength(5);
          expect(calls.filter((call) => call.host === 'api.anthropic.com')).toHaveLength(1);
        }, 25_000);
        for (const key of [streamed, whole, graphql, crossed, mutation])
          await key.admin.request(RevokeMemoryKeyDocument, { id: key.keyId });
        await accountStub(env, suspended.accountId).applyBillingEvent(
          `evt_${suspended.accountId}`,
          Math.floor(Date.now() / 1000),
          'suspended',
        );

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
        const [anthropicError, crossedError, mutationResult] = await Promise.all([
          anthropicEnd,
          crossedEnd,
          mutationEnd,
        ]);
        expect(anthropicError).toBeInstanceOf(Anthropic.APIError);
        expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
          type: 'error',
          error: { reason: 'ACCOUNT_SUSPENDED' },
        });
        expect(crossedError).toBeInstanceOf(Anthropic.APIError);
        expect((crossedError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
          type: 'error',
          error: { reason: 'KEY_REVOKED' },
        });
        expect(mutationResult.errors).toEqual([REVOKED]);
      } finally {
        client.dispose();
      }

      await eventually(async () => {
        const calls = (await fakeCalls()).filter((call) => call.host === 'api.openai.com');
        expect(calls.map((call) => call.cancelled)).toEqual([true, true, true, true, true]);
        const anthropicCalls = (await fakeCalls()).filter(
          (call) => call.host === 'api.anthropic.com',
        );
        expect(anthropicCalls.map((call) => call.cancelled)).toEqual([true]);
      });
      // No turn was stored: a stored turn bills its tokens to its key.
      for (const key of [streamed, whole, graphql, crossed, mutation, suspended]) {
        const usage = (await key.admin.request(UsageDocument, {})).usage;
        expect(usage.memoryTokens).toBe(0);
      }
    }));
});
