import Anthropic from '@anthropic-ai/sdk';
import { env } from 'cloudflare:workers';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { accountStub } from '../../src/durable/rpc/stubs';
import { RevokeMemoryKeyDocument } from '../generated/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient as anthropic, errorOf as endOf, openAiClient } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// A drop-in stream ends once its key is revoked or its account suspended,
// within the bound GraphQL's streams keep (VERIFIED_KEY_TTL_MS, 15 s): with
// the error in the provider format's own error event, and the provider call
// stops. Like test/billing/suspension-ends-subscriptions.test.ts, this waits
// for the standing check's interval (STANDING_CHECK_MS, a second in the
// tests), once, for every route together; test/standing-watch.test.ts covers
// the watch's rules and the bound.

/** A call to a provider's chat API. */
const isChat = (call: { host: string }) =>
  call.host === 'api.openai.com' || call.host === 'api.anthropic.com';

describe('a drop-in stream ends when its key loses its standing', () => {
  beforeEach(resetFakes);

  it('revoked key, suspended account: each stream ends in its own format, and the provider calls stop', async () => {
    // Before: the pass-through (and the cross-format stream) ran on until the
    // provider finished, whatever happened to the key meanwhile.
    const revoked = await newKey();
    const suspended = await newKey();
    const crossed = await newKey();
    // Providers that keep the answers open (text-less events) until cancelled.
    await scriptFake({ host: 'api.openai.com', mode: 'trickle' });
    await scriptFake({ host: 'api.openai.com', mode: 'trickle' });
    await scriptFake({ host: 'api.anthropic.com', mode: 'trickle' });

    const chunks: string[] = [];
    const openAiStream = await openAiClient(revoked.secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Tell me a long story about lighthouses' }],
      stream: true,
    });
    const openAiEnd = endOf(async () => {
      for await (const chunk of openAiStream) chunks.push(chunk.choices[0]?.delta.content ?? '');
    });
    const anthropicStream = anthropic(suspended.secret).messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'Tell me a long story about harbours' }],
    });
    const anthropicEnd = endOf(() => anthropicStream.finalMessage());
    // /v1/messages for an OpenAI model: the cross-format stream.
    const crossedStream = anthropic(crossed.secret).messages.stream({
      model: 'openai/gpt-4o',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'Tell me a long story about ferries' }],
    });
    const crossedEnd = endOf(() => crossedStream.finalMessage());

    // Every stream is open and answering before anything happens to its key.
    await eventually(async () => expect(chunks.join('')).toContain('Fake'));
    await eventually(async () => expect((await fakeCalls()).filter(isChat)).toHaveLength(3));
    await revoked.admin.request(RevokeMemoryKeyDocument, { id: revoked.keyId });
    await crossed.admin.request(RevokeMemoryKeyDocument, { id: crossed.keyId });
    await accountStub(env, suspended.accountId).applyBillingEvent(
      `evt_${suspended.accountId}`,
      Math.floor(Date.now() / 1000),
      'suspended',
    );

    const [openAiError, anthropicError, crossedError] = await Promise.all([
      openAiEnd,
      anthropicEnd,
      crossedEnd,
    ]);
    expect(openAiError).toBeInstanceOf(OpenAI.APIError);
    expect((openAiError as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      reason: 'KEY_REVOKED',
    });
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
    await eventually(async () => {
      const calls = (await fakeCalls()).filter(isChat);
      expect(calls.map((call) => call.cancelled)).toEqual([true, true, true]);
    });
  });
});
