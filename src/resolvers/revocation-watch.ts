import { CodedError } from '../core/errors';
import { accountStub } from '../durable/rpc/stubs';
import type { KeyPrincipal } from './principal';
import { VERIFIED_KEY_TTL_MS } from './verified-keys';

/** The error a subscription ends with once its key is revoked. */
export const keyRevoked = () =>
  new CodedError(
    'UNAUTHENTICATED',
    'the memory key of this subscription was revoked',
    'KEY_REVOKED',
  );

/** Asks the key's account object whether the key was revoked since it was checked. */
export function keyRevocationCheck(env: Env, principal: KeyPrincipal): () => Promise<boolean> {
  return () => accountStub(env, principal.accountId).keyRevoked(principal.key.id);
}

/**
 * A long-lived subscription's events, ended with KEY_REVOKED once its key is
 * revoked. The key was checked when the subscription opened; it is asked
 * about again (`isRevoked`: one account-object call) every
 * VERIFIED_KEY_TTL_MS, the same bound within which a revocation reaches every
 * other request through the isolates' verified-key caches. The checks stop
 * when the subscription ends.
 */
export function endOnRevocation<T>(
  source: AsyncIterableIterator<T>,
  isRevoked: () => Promise<boolean>,
  intervalMs: number = VERIFIED_KEY_TTL_MS,
): AsyncIterableIterator<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  let revoke: (error: CodedError) => void = () => {};
  const revoked = new Promise<never>((_, reject) => (revoke = reject));
  // Nobody may be waiting when it fires; the next next() reports it.
  revoked.catch(() => {});

  const stop = () => {
    ended = true;
    clearTimeout(timer);
  };
  const check = async () => {
    // An account object that cannot answer now is asked again next time.
    const gone = await isRevoked().catch(() => false);
    if (ended) return;
    if (gone) {
      stop();
      revoke(keyRevoked());
      await source.return?.();
    } else arm();
  };
  const arm = () => {
    timer = setTimeout(() => void check(), intervalMs);
  };
  arm();

  const watched: AsyncIterableIterator<T> = {
    async next() {
      return Promise.race([source.next(), revoked]);
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
