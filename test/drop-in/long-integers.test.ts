import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

// Integers no float64 holds: a parse and a re-serialisation would round them
// (9007199254740993 to …992).
const SEED = '9007199254740993';
const TRACE = '-12345678901234567890123';

describe('a drop-in body reaches the provider digit for digit', () => {
  beforeEach(resetFakes);

  it('forwards integers past 2^53 as sent, and every other number as the number it is', async () => {
    const key = await keyWithMemory();
    const raw = `{"model":"gpt-4o","seed":${SEED},"logit_bias":{"1734":-100},"metadata":{"trace":${TRACE},"small":7,"ratio":0.25},"messages":[{"role":"user","content":"hello my good friend"}]}`;
    const response = await postJson('/v1/chat/completions', raw, {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.rawBody).toContain(`"seed":${SEED}`);
    expect(call!.rawBody).toContain(`"trace":${TRACE}`);
    expect(call!.body.metadata.small).toBe(7);
    expect(call!.body.metadata.ratio).toBe(0.25);
    expect(call!.body.logit_bias).toEqual({ 1734: -100 });
  });
});
