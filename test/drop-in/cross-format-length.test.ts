import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { anthropicClient, openAiClient } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';

// An answer that stopped at its token limit keeps that meaning when the call
// is translated (one provider's SDK, another provider's model): a client told
// `stop` or `end_turn` would take the cut-off text for a whole answer and
// never ask for the rest.

const ASKED = 'List every city I have lived in, with the years';
const CUT = 'Lisbon (2015–2018), Porto (2018–20';

describe('an answer cut at its token limit across formats', () => {
  beforeEach(resetFakes);

  it('OpenAI’s SDK calling a Claude model reads finish_reason length, streamed and not', async () => {
    const { secret } = await newKey();
    const client = openAiClient(secret, { 'x-provider-key': 'sk-ant-test' });
    const ask = {
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 12,
      messages: [{ role: 'user' as const, content: ASKED }],
    };

    await scriptFake({ host: 'api.anthropic.com', reply: CUT, finish: 'max_tokens' });
    const whole = await client.chat.completions.create(ask);
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: CUT } });

    await scriptFake({ host: 'api.anthropic.com', reply: CUT, finish: 'max_tokens' });
    let finish: string | null = null;
    let text = '';
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect({ finish, text }).toEqual({ finish: 'length', text: CUT });
  });

  it('OpenAI’s SDK calling a Gemini model reads finish_reason length', async () => {
    const { secret } = await newKey();
    const client = openAiClient(secret, { 'x-provider-key': 'AIza-test' });
    await scriptFake({
      host: 'generativelanguage.googleapis.com',
      reply: CUT,
      finish: 'MAX_TOKENS',
    });
    const whole = await client.chat.completions.create({
      model: 'google/gemini-2.5-flash',
      max_tokens: 12,
      messages: [{ role: 'user', content: ASKED }],
    });
    expect(whole.choices[0]?.finish_reason).toBe('length');
  });

  it('Anthropic’s SDK calling an OpenAI model reads stop_reason max_tokens, streamed and not', async () => {
    const { secret } = await newKey();
    const client = anthropicClient(secret, { 'x-provider-key': 'sk-test' });
    const ask = {
      model: 'openai/gpt-4o',
      max_tokens: 12,
      messages: [{ role: 'user' as const, content: ASKED }],
    };

    await scriptFake({ host: 'api.openai.com', reply: CUT, finish: 'length' });
    const whole = await client.messages.create(ask);
    expect(whole.stop_reason).toBe('max_tokens');

    await scriptFake({ host: 'api.openai.com', reply: CUT, finish: 'length' });
    const streamed = await client.messages.stream(ask).finalMessage();
    expect(streamed.stop_reason).toBe('max_tokens');
  });
});
