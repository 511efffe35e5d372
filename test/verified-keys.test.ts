import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../src/auth/memory-key';
import type { KeyPrincipal } from '../src/resolvers/principal';
import {
  forgetAccount,
  recalledPrincipal,
  rememberedKeyCount,
  rememberPrincipal,
  VERIFIED_KEY_CAP,
  VERIFIED_KEY_TTL_MS,
} from '../src/resolvers/verified-keys';
import { MeDocument, StoreMemoryDocument } from './generated/graphql';
import { codes, newKey, post } from './helpers/graphql';

const principalOf = (accountId: string, keyId: string): KeyPrincipal => ({
  kind: 'key',
  accountId,
  key: { id: keyId, name: null, createdAt: 0, revokedAt: null, secretId: null },
  status: 'active',
});

describe('verified keys, remembered per isolate', () => {
  it('forgets a key VERIFIED_KEY_TTL_MS after it was verified, and never answers a wrong verifier', () => {
    const t = 1_000_000;
    rememberPrincipal('key_bound', 'verifier-a', principalOf('acct-bound', 'key_bound'), t);
    expect(recalledPrincipal('key_bound', 'verifier-a', t + VERIFIED_KEY_TTL_MS - 1)).toMatchObject(
      { accountId: 'acct-bound' },
    );
    expect(recalledPrincipal('key_bound', 'verifier-b', t + 1)).toBeNull();
    expect(recalledPrincipal('key_bound', 'verifier-a', t + VERIFIED_KEY_TTL_MS)).toBeNull();
  });

  it('keeps at most VERIFIED_KEY_CAP keys, dropping the oldest', () => {
    const now = Date.now();
    for (let i = 0; i <= VERIFIED_KEY_CAP; i++)
      rememberPrincipal(`key_cap_${i}`, 'v', principalOf('acct-cap', `key_cap_${i}`), now);
    expect(rememberedKeyCount()).toBe(VERIFIED_KEY_CAP);
    expect(recalledPrincipal('key_cap_0', 'v', now)).toBeNull();
    expect(recalledPrincipal(`key_cap_${VERIFIED_KEY_CAP}`, 'v', now)).not.toBeNull();
    forgetAccount('acct-cap');
    expect(rememberedKeyCount()).toBe(0);
  });

  it('a key revoked in another isolate is refused here once the bound has passed', async () => {
    const { secret, accountId, keyId } = await newKey();
    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
    const { verifier } = await deriveKey(env.KEY_HMAC_SECRET, secret);
    // This isolate verified it: the next request asks no account object.
    expect(recalledPrincipal(keyId, verifier)).toMatchObject({ accountId });

    // Revoked elsewhere: straight in the account object, so this isolate is not told.
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
    expect((await account.revokeKey(keyId)).ok).toBe(true);
    // Within the bound this isolate still takes it: the documented price of asking no object.
    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
    // Past the bound, the remembered entry is gone and the account object refuses the key.
    expect(recalledPrincipal(keyId, verifier, Date.now() + VERIFIED_KEY_TTL_MS)).toBeNull();
    expect(codes(await post(MeDocument, {}, secret))).toEqual(['UNAUTHENTICATED']);
  });

  it('an account suspended here is refused metered work at once', async () => {
    const { secret, accountId } = await newKey();
    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
    await account.applyBillingEvent(`evt_${accountId}`, Math.floor(Date.now() / 1000), 'suspended');
    forgetAccount(accountId); // as the Stripe webhook does once the event applied
    expect(codes(await post(StoreMemoryDocument, { input: { content: 'x' } }, secret))).toEqual([
      'PAYMENT_REQUIRED',
    ]);
  });
});
