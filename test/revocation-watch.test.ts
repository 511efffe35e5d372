import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../src/core/errors';
import { accountStub } from '../src/durable/rpc/stubs';
import { endOnRevocation, keyRevocationCheck } from '../src/resolvers/revocation-watch';
import { RevokeMemoryKeyDocument } from './generated/graphql';
import { eventually } from './helpers/fakes';
import { newKey } from './helpers/graphql';

// The rules of ending a long-lived subscription on revocation, on a short
// interval; test/memory-events.test.ts shows it end to end at the real one.

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

/** The real check against the key's account object, counting its calls. */
async function countedCheck() {
  const { accountId, keyId, admin } = await newKey();
  const [key] = (await accountStub(env, accountId).listKeys()).filter((k) => k.id === keyId);
  const check = keyRevocationCheck(env, { kind: 'key', accountId, key: key!, status: 'active' });
  let calls = 0;
  return {
    isRevoked: () => {
      calls += 1;
      return check();
    },
    calls: () => calls,
    revoke: () => admin.request(RevokeMemoryKeyDocument, { id: keyId }),
  };
}

describe('endOnRevocation', () => {
  it('ends an idle subscription with KEY_REVOKED once its key is revoked, and closes its source', async () => {
    // Before: memoryEvents opened before revokeMemoryKey stayed open for good.
    const key = await countedCheck();
    const { source, returned } = idleSource();
    const watched = endOnRevocation(source, key.isRevoked, 5);
    const next = watched.next();
    // Checks that find the key valid keep the subscription open and re-arm.
    await eventually(async () => expect(key.calls()).toBeGreaterThanOrEqual(2));
    expect(returned()).toBe(0);
    await key.revoke();
    const error = await next.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' });
    expect(returned()).toBe(1);
    await expect(watched.next()).rejects.toMatchObject({ reason: 'KEY_REVOKED' });
  });

  it('stops checking when the subscription ends first', async () => {
    const ended = await countedCheck();
    const running = await countedCheck();
    const watched = endOnRevocation(idleSource().source, ended.isRevoked, 5);
    await watched.return!();
    const control = endOnRevocation(idleSource().source, running.isRevoked, 5);
    // By the time a subscription armed after it has checked three times, the
    // ended one would have checked too.
    await eventually(async () => expect(running.calls()).toBeGreaterThanOrEqual(3));
    expect(ended.calls()).toBe(0);
    await control.return!();
  });
});
