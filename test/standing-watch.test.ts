import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../src/core/errors';
import { accountStub } from '../src/durable/rpc/stubs';
import { configurationProblems } from '../src/core/config-check';
import {
  endOnLostStanding,
  keyStandingCheck,
  standingCheckMs,
  standingSchedule,
} from '../src/resolvers/standing-watch';
import { VERIFIED_KEY_TTL_MS } from '../src/resolvers/verified-keys';
import { RevokeMemoryKeyDocument } from './generated/graphql';
import { eventually } from './helpers/fakes';
import { newKey } from './helpers/graphql';

// The rules of ending a long-lived subscription once its key is revoked or
// its account suspended, on a short interval; test/memory-events.test.ts and
// test/billing/suspension-ends-subscriptions.test.ts show it end to end at
// the interval the Worker reads (STANDING_CHECK_MS, a second in the tests).

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

/** A subscription that ends by itself after one event, as a streamed chat does. */
async function* oneEvent() {
  yield 'the only event';
}

/** The real check against the key's account object, counting its calls. */
async function countedCheck() {
  const { accountId, keyId, admin } = await newKey();
  const [key] = (await accountStub(env, accountId).listKeys()).filter((k) => k.id === keyId);
  const check = keyStandingCheck(env, { kind: 'key', accountId, key: key!, status: 'active' });
  let calls = 0;
  return {
    lostStanding: () => {
      calls += 1;
      return check();
    },
    calls: () => calls,
    revoke: () => admin.request(RevokeMemoryKeyDocument, { id: keyId }),
    suspend: () =>
      accountStub(env, accountId).applyBillingEvent(
        `evt_${accountId}`,
        Math.floor(Date.now() / 1000),
        'suspended',
      ),
  };
}

describe('endOnLostStanding', () => {
  it('ends an idle subscription with KEY_REVOKED once its key is revoked, and closes its source', async () => {
    // Before: memoryEvents opened before revokeMemoryKey stayed open for good.
    const key = await countedCheck();
    const { source, returned } = idleSource();
    const watched = endOnLostStanding(source, key.lostStanding, 5);
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

  it('ends it with ACCOUNT_SUSPENDED once the account is suspended for billing', async () => {
    // Before: a suspension left open subscriptions running.
    const key = await countedCheck();
    const { source, returned } = idleSource();
    const watched = endOnLostStanding(source, key.lostStanding, 5);
    const next = watched.next();
    await eventually(async () => expect(key.calls()).toBeGreaterThanOrEqual(1));
    await key.suspend();
    await expect(next).rejects.toMatchObject({
      code: 'PAYMENT_REQUIRED',
      reason: 'ACCOUNT_SUSPENDED',
    });
    expect(returned()).toBe(1);
  });

  it('stops checking when the subscription ends first, by either side', async () => {
    const ended = await countedCheck();
    const finished = await countedCheck();
    const running = await countedCheck();
    const watched = endOnLostStanding(idleSource().source, ended.lostStanding, 5);
    await watched.return!();
    // A source that finishes by itself (a chat's last event) is not called return() on.
    const chat = endOnLostStanding(oneEvent(), finished.lostStanding, 5);
    expect(await chat.next()).toEqual({ done: false, value: 'the only event' });
    expect(await chat.next()).toEqual({ done: true, value: undefined });
    const control = endOnLostStanding(idleSource().source, running.lostStanding, 5);
    // By the time a subscription armed after them has checked three times,
    // the ended ones would have checked too.
    await eventually(async () => expect(running.calls()).toBeGreaterThanOrEqual(3));
    expect(ended.calls()).toBe(0);
    expect(finished.calls()).toBe(0);
    await control.return!();
  });
});

describe('standingCheckMs', () => {
  it('asks every VERIFIED_KEY_TTL_MS unless STANDING_CHECK_MS is set shorter, never less often', () => {
    // Production sets nothing: the bound the API promises ("within 15 seconds").
    expect(VERIFIED_KEY_TTL_MS).toBe(15_000);
    expect(standingCheckMs({})).toBe(VERIFIED_KEY_TTL_MS);
    expect(standingCheckMs({ STANDING_CHECK_MS: '' })).toBe(VERIFIED_KEY_TTL_MS);
    expect(standingCheckMs({ STANDING_CHECK_MS: '1000' })).toBe(1000);
    // Longer would break the bound; unreadable falls back to it.
    expect(standingCheckMs({ STANDING_CHECK_MS: '60000' })).toBe(VERIFIED_KEY_TTL_MS);
    expect(standingCheckMs({ STANDING_CHECK_MS: 'soon' })).toBe(VERIFIED_KEY_TTL_MS);
    expect(standingCheckMs({ STANDING_CHECK_MS: '-5' })).toBe(VERIFIED_KEY_TTL_MS);
  });

  it('is the interval the Worker of these tests reads, and an unreadable one is a configuration problem', () => {
    expect(standingCheckMs(env)).toBe(1000);
    const problems = configurationProblems({ ...env, STANDING_CHECK_MS: 'soon' });
    expect(problems).toContainEqual(
      expect.objectContaining({
        variable: 'STANDING_CHECK_MS',
        reason: 'STANDING_CHECK_MS_INVALID',
      }),
    );
  });
});

describe('a stream opened with a key recalled from the isolate’s cache (review271 F1)', () => {
  const principal = (verifiedAt?: number) => ({
    kind: 'key' as const,
    accountId: 'acct',
    key: { id: 'key' } as never,
    status: 'active' as const,
    verifiedAt,
  });
  const now = 1_764_000_000_000;

  it('asks first no later than a TTL after the key was verified, then every interval', () => {
    // Verified 14 s ago in this isolate, revoked in another since: the first
    // check is due in 1 s, not 15 (a revocation then lived ~29 s on the stream).
    expect(standingSchedule({}, principal(now - 14_000), now)).toEqual({
      first: 1_000,
      every: VERIFIED_KEY_TTL_MS,
    });
    // Verified by this very request: a whole interval, no check added.
    expect(standingSchedule({}, principal(now), now)).toEqual({
      first: VERIFIED_KEY_TTL_MS,
      every: VERIFIED_KEY_TTL_MS,
    });
    expect(standingSchedule({}, principal(undefined), now).first).toBe(VERIFIED_KEY_TTL_MS);
    // A shorter interval stays the shorter; never a negative delay.
    expect(standingSchedule({ STANDING_CHECK_MS: '1000' }, principal(now - 14_500), now)).toEqual({
      first: 500,
      every: 1000,
    });
    expect(standingSchedule({}, principal(now - 20_000), now).first).toBe(0);
  });

  it('runs the first check on its own schedule, before a whole interval', async () => {
    let checks = 0;
    const source = endOnLostStanding(
      idleSource().source,
      async () => {
        checks++;
        return new CodedError('UNAUTHENTICATED', 'revoked', 'KEY_REVOKED');
      },
      { first: 10, every: 60_000 },
    );
    // On a whole interval (a minute) the check would not run within the test's time.
    await expect(source.next()).rejects.toMatchObject({ reason: 'KEY_REVOKED' });
    expect(checks).toBe(1);
  });
});
