import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../src/core/errors';
import { accountStub } from '../src/durable/rpc/stubs';
import { endOnRevocation } from '../src/resolvers/revocation-watch';
import type { KeyPrincipal } from '../src/resolvers/principal';
import { RevokeMemoryKeyDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';

/** An idle subscription's events: nothing until return() ends it. */
function idleSource() {
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  let returned = 0;
  const source: AsyncIterableIterator<string> = {
    next: async () => {
      await ended;
      return { done: true, value: undefined };
    },
    return: async () => {
      returned += 1;
      end();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => source,
  };
  return { source, returned: () => returned };
}

async function principalOf(accountId: string, keyId: string): Promise<KeyPrincipal> {
  const [key] = (await accountStub(env, accountId).listKeys()).filter((k) => k.id === keyId);
  return { kind: 'key', accountId, key: key!, status: 'active' };
}

describe('endOnRevocation', () => {
  it('ends an idle subscription with KEY_REVOKED once its key is revoked, and closes its source', async () => {
    // Before: memoryEvents opened before revokeMemoryKey stayed open for good.
    const { accountId, keyId, admin } = await newKey();
    const { source, returned } = idleSource();
    const watched = endOnRevocation(source, env, await principalOf(accountId, keyId), 5);
    const next = watched.next();
    // Checks run while the key is valid and keep the subscription open;
    // the revocation is seen by a later one.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(returned()).toBe(0);
    await admin.request(RevokeMemoryKeyDocument, { id: keyId });
    const error = await next.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' });
    expect(returned()).toBe(1);
    await expect(watched.next()).rejects.toMatchObject({ reason: 'KEY_REVOKED' });
  });

  it('stops checking when the subscription ends first', async () => {
    const { accountId, keyId, admin } = await newKey();
    const { source, returned } = idleSource();
    const watched = endOnRevocation(source, env, await principalOf(accountId, keyId), 5);
    await watched.return!();
    expect(returned()).toBe(1);
    await admin.request(RevokeMemoryKeyDocument, { id: keyId });
    await new Promise((resolve) => setTimeout(resolve, 30));
    // No second return(): no check ran after the end.
    expect(returned()).toBe(1);
  });
});
