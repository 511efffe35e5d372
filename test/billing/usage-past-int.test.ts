import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newKey, post } from '../helpers/graphql';

// GraphQL's Int stops at 2,147,483,647: $2,147 of memory tokens, a month of
// a busy account. Past it graphql-js failed the whole usage answer as
// "Unexpected error." (outside review 208 R4).

const PAST_INT = 2_320_262_755;

async function recordUsage(accountId: string, keyId: string, memoryTokens: number) {
  const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
  const day = new Date().toISOString().slice(0, 10);
  await account.applyUsageBatch(`test_${crypto.randomUUID()}`, [{ keyId, day, memoryTokens }]);
}

describe('usage past GraphQL’s Int', () => {
  it('reads exactly through the SafeInt fields; the Int fields refuse, coded, naming them', async () => {
    const { accountId, keyId, secret, adminToken } = await newKey();
    await recordUsage(accountId, keyId, PAST_INT);

    const safe = await post(
      '{ usage { memoryTokensSafe costUsd days { memoryTokensSafe } keys { memoryTokensSafe } } }',
      {},
      secret,
    );
    expect(safe.errors).toBeUndefined();
    expect(safe.data).toEqual({
      usage: {
        memoryTokensSafe: PAST_INT,
        costUsd: PAST_INT / 1_000_000,
        days: [{ memoryTokensSafe: PAST_INT }],
        keys: [{ memoryTokensSafe: PAST_INT }],
      },
    });

    const int = await post('{ usage { memoryTokens } }', {}, secret);
    expect(int.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INT_OVERFLOW',
    });
    expect(int.errors?.[0]?.message).toContain('memoryTokensSafe');

    const billing = await post('{ billing { unbilledMemoryTokens } }', {}, adminToken);
    expect(billing.errors).toBeUndefined();
    expect(billing.data).toEqual({ billing: { unbilledMemoryTokens: PAST_INT } });
  });

  it('answers the Int fields as before under the limit', async () => {
    const { accountId, keyId, secret } = await newKey();
    await recordUsage(accountId, keyId, 1_234);
    const read = await post('{ usage { memoryTokens memoryTokensSafe } }', {}, secret);
    expect(read.data).toEqual({ usage: { memoryTokens: 1_234, memoryTokensSafe: 1_234 } });
  });
});
