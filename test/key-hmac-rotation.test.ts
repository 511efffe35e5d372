import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { deriveKey, generateMemoryKey, keySecretId } from '../src/auth/memory-key';
import { accountStub } from '../src/durable/rpc/stubs';
import type { VaultAddress } from '../src/vaults/address';
import { adminToken, codes, post } from './helpers/graphql';
import { memory, storeRequest, vaultStub } from './helpers/vaults';

const KEYS = '{ memoryKeys { id revokedAt sealedWithPreviousSecret } }';
const PREVIOUS = 'test-previous-key-hmac-secret';

let accounts = 0;
/**
 * A key made before KEY_HMAC_SECRET was rotated: its row holds the id and
 * verifier derived under the secret that is now KEY_HMAC_SECRET_PREVIOUS, and
 * its CORE vault (named by that id) holds a memory.
 */
async function keyFromBeforeRotation() {
  accounts += 1;
  const accountId = `acct-rotation-${Date.now().toString(36)}-${accounts}`;
  const secret = generateMemoryKey(accountId);
  const { keyId, verifier } = await deriveKey(PREVIOUS, secret);
  await accountStub(env, accountId).createKey(accountId, {
    id: keyId,
    name: 'before',
    verifier,
    secretId: await keySecretId(PREVIOUS),
  });
  const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
  await vaultStub(address).store(address, storeRequest([memory('my favourite colour is teal')]));
  await accountStub(env, accountId).registerVault(keyId, 'CORE', null);
  return { accountId, secret, keyId, admin: await adminToken(accountId) };
}

describe('rotating KEY_HMAC_SECRET (KEY_HMAC_SECRET_PREVIOUS)', () => {
  it('keeps a key made under the previous secret working, with its id and memories, and seals it again', async () => {
    expect(env.KEY_HMAC_SECRET_PREVIOUS).toBe(PREVIOUS);
    const { accountId, secret, keyId, admin } = await keyFromBeforeRotation();
    // Before it is used, the admin sees it still needs the previous secret.
    expect((await post(KEYS, {}, admin)).data).toEqual({
      memoryKeys: [{ id: keyId, revokedAt: null, sealedWithPreviousSecret: true }],
    });

    // Before: KEY_UNKNOWN, and a new key saw an empty vault.
    const seen = await post(
      '{ me { id } vault(selector: { kind: CORE }) { memoryCount } }',
      {},
      secret,
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data).toEqual({ me: { id: keyId }, vault: { memoryCount: 1 } });

    // Sealed again under the current secret: PREVIOUS is no longer needed for it.
    expect((await post(KEYS, {}, admin)).data).toEqual({
      memoryKeys: [{ id: keyId, revokedAt: null, sealedWithPreviousSecret: false }],
    });
    // The account now finds it under the current secret alone.
    const current = await deriveKey(env.KEY_HMAC_SECRET, secret);
    const standing = await accountStub(env, accountId).authenticate(accountId, {
      current: { ...current, secretId: await keySecretId(env.KEY_HMAC_SECRET) },
      previous: null,
    });
    expect(standing).toMatchObject({ ok: true, key: { id: keyId } });
  });

  it('refuses a resealed key at once when it is revoked', async () => {
    const { secret, keyId, admin } = await keyFromBeforeRotation();
    expect(codes(await post('{ me { id } }', {}, secret))).toEqual([]);
    // This isolate remembers it verified the key (by its id under the
    // current secret, which differs from its own id now): the revocation
    // must forget it all the same.
    expect(codes(await post(`mutation { revokeMemoryKey(id: "${keyId}") }`, {}, admin))).toEqual(
      [],
    );
    const refused = await post('{ me { id } }', {}, secret);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'KEY_REVOKED',
    });
  });

  it('shows keys made under the current secret as sealed under it, and refuses keys neither secret made', async () => {
    const admin = await adminToken(`acct-rotation-new-${Date.now().toString(36)}`);
    const created = await post(
      'mutation { createMemoryKey(name: "new") { secret key { id } } }',
      {},
      admin,
    );
    const { secret } = (created.data as { createMemoryKey: { secret: string } }).createMemoryKey;
    expect((await post(KEYS, {}, admin)).data).toMatchObject({
      memoryKeys: [{ sealedWithPreviousSecret: false }],
    });
    expect(codes(await post('{ me { id } }', {}, secret))).toEqual([]);

    // A key whose row was made under some third secret: neither opens it.
    const accountId = `acct-rotation-other-${Date.now().toString(36)}`;
    const other = generateMemoryKey(accountId);
    const { keyId, verifier } = await deriveKey('a-third-key-hmac-secret', other);
    await accountStub(env, accountId).createKey(accountId, {
      id: keyId,
      name: null,
      verifier,
      secretId: null,
    });
    expect((await post('{ me { id } }', {}, other)).errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'KEY_UNKNOWN',
    });
    expect((await post(KEYS, {}, await adminToken(accountId))).data).toEqual({
      memoryKeys: [{ id: keyId, revokedAt: null, sealedWithPreviousSecret: null }],
    });
  });
});
