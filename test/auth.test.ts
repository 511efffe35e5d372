import { describe, expect, it } from 'vitest';
import {
  CreateMemoryKeyDocument,
  MeDocument,
  MemoryKeysDocument,
  RevokeMemoryKeyDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { adminToken, codes, newKey, post } from './helpers/graphql';

describe('memory keys and admin tokens', () => {
  it('creates keys shown once, stores only a verifier, and revokes them at once', async () => {
    const { admin, secret, keyId, accountId } = await newKey('app');
    expect(secret).toMatch(/^mk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const keys = (await admin.request(MemoryKeysDocument)).memoryKeys;
    expect(keys).toEqual([{ id: keyId, name: 'app', revokedAt: null }]);
    // Nothing the account object holds contains the secret.
    expect(JSON.stringify(keys)).not.toContain(secret.slice(-43));

    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
    expect((await admin.request(RevokeMemoryKeyDocument, { id: keyId })).revokeMemoryKey).toBe(
      true,
    );
    const revoked = await post(MeDocument, {}, secret);
    expect(codes(revoked)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(revoked)).not.toContain(secret);
    expect(
      codes(
        await post(RevokeMemoryKeyDocument, { id: 'key_unknown' }, await adminToken(accountId)),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('refuses missing, malformed, forged and wrong-kind credentials with coded errors', async () => {
    const { secret, adminToken: admin } = await newKey();
    const store = { input: { content: 'should never be stored' } };
    const forged = secret.slice(0, -4) + (secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cases: [string | undefined, string][] = [
      [undefined, 'UNAUTHENTICATED'],
      ['mk_garbage', 'UNAUTHENTICATED'],
      [forged, 'UNAUTHENTICATED'],
      ['not-a-jwt', 'UNAUTHENTICATED'],
      [await adminToken('someone', '-1m'), 'UNAUTHENTICATED'], // expired
      [admin, 'FORBIDDEN'], // an admin token is not a memory key
    ];
    for (const [token, code] of cases) {
      expect(codes(await post(StoreMemoryDocument, store, token)), String(token)).toEqual([code]);
    }
    // A memory key cannot manage keys.
    expect(codes(await post(CreateMemoryKeyDocument, { name: 'x' }, secret))).toEqual([
      'FORBIDDEN',
    ]);
    // A JWT signed with another secret is refused.
    const { SignJWT } = await import('jose');
    const wrong = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('acct')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('not the server secret'));
    expect(codes(await post(CreateMemoryKeyDocument, { name: 'x' }, wrong))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});
