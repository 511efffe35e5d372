import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient, openAiClient } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// A refusal or a safety stop keeps its meaning when the call is translated
// (one provider's SDK, another provider's model): told `stop` or `end_turn`,
// a client would take the cut-off text for a whole answer.

const ASKED = 'Explain how my chemistry lab synthesises compound X';
const CUT = 'Step one: obtain the precursor chem';

describe('a refused answer across formats', () => {
  beforeEach(resetFakes);

  it('OpenAI’s SDK calling a Claude model reads finish_reason content_filter, streamed and not', async () => {
    const { secret } = await newKey();
    const client = openAiClient(secret, { 'x-provider-key': 'sk-ant-test' });
    const ask = {
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user' as const, content: ASKED }],
    };

    await scriptFake({ host: 'api.anthropic.com', reply: CUT, finish: 'refusal' });
    const whole = await client.chat.completions.create(ask);
    expect(whole.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: CUT },
    });

    await scriptFake({ host: 'api.anthropic.com', reply: CUT, finish: 'refusal' });
    let finish: string | null = null;
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true }))
      finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('content_filter');
  });

  it('Anthropic’s SDK calling an OpenAI model reads stop_reason refusal, streamed and not', async () => {
    const { secret } = await newKey();
    const client = anthropicClient(secret, { 'x-provider-key': 'sk-test' });
    const ask = {
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: ASKED }],
    };

    await scriptFake({ host: 'api.openai.com', reply: CUT, finish: 'content_filter' });
    const whole = await client.messages.create(ask);
    expect(whole.stop_reason).toBe('refusal');

    await scriptFake({ host: 'api.openai.com', reply: CUT, finish: 'content_filter' });
    const streamed = await client.messages.stream(ask).finalMessage();
    expect(streamed.stop_reason).toBe('refusal');
  });

  it('an ordinary answer still ends stop / end_turn', async () => {
    const { secret } = await newKey();
    const openai = openAiClient(secret, { 'x-provider-key': 'sk-ant-test' });
    const whole = await openai.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(whole.choices[0]?.finish_reason).toBe('stop');
    const anthropic = anthropicClient(secret, { 'x-provider-key': 'sk-test' });
    const message = await anthropic.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.stop_reason).toBe('end_turn');
  });
});
