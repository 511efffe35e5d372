import type { CodedError } from '../core/errors';
import { accountStub } from '../durable/rpc/stubs';
import { accountSuspended, keyRevoked, type KeyPrincipal } from './principal';
import { VERIFIED_KEY_TTL_MS } from './verified-keys';

/**
 * Asks the key's account object how the key stands now: null while it may go
 * on, else the error a subscription ends with (KEY_REVOKED for a revoked key,
 * ACCOUNT_SUSPENDED for an account suspended for billing).
 */
export function keyStandingCheck(
  env: Env,
  principal: KeyPrincipal,
): () => Promise<CodedError | null> {
  return async () => {
    const standing = await accountStub(env, principal.accountId).keyState(principal.key.id);
    if (standing === 'revoked') return keyRevoked();
    if (standing === 'suspended') return accountSuspended();
    return null;
  };
}

/**
 * A long-lived subscription's events (memoryEvents, a streamed chat), ended
 * with the check's error once the key is revoked or its account suspended.
 * The key was checked when the subscription opened; it is asked about again
 * (`lostStanding`: one account-object call) every VERIFIED_KEY_TTL_MS, the
 * same bound within which a revocation or a suspension reaches every other
 * request through the isolates' verified-key caches. The checks stop when
 * the subscription ends, by either side.
 */
export function endOnLostStanding<T>(
  source: AsyncIterableIterator<T>,
  lostStanding: () => Promise<CodedError | null>,
  intervalMs: number = VERIFIED_KEY_TTL_MS,
): AsyncIterableIterator<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  let end: (error: CodedError) => void = () => {};
  const lost = new Promise<never>((_, reject) => (end = reject));
  // Nobody may be waiting when it fires; the next next() reports it.
  lost.catch(() => {});

  const stop = () => {
    ended = true;
    clearTimeout(timer);
  };
  const check = async () => {
    // An account object that cannot answer now is asked again next time.
    const error = await lostStanding().catch(() => null);
    if (ended) return;
    if (error !== null) {
      stop();
      end(error);
      await source.return?.();
    } else arm();
  };
  const arm = () => {
    timer = setTimeout(() => void check(), intervalMs);
  };
  arm();

  const watched: AsyncIterableIterator<T> = {
    async next() {
      try {
        const next = await Promise.race([source.next(), lost]);
        // A source that finished by itself (a chat's last event) needs no more checks.
        if (next.done) stop();
        return next;
      } catch (error) {
        stop();
        throw error;
      }
    },
    async return() {
      stop();
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      stop();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return watched;
    },
  };
  return watched;
}
