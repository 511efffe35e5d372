import type { ConfigVars } from '../core/config';
import type { CodedError } from '../core/errors';
import { accountStub } from '../durable/rpc/stubs';
import { accountSuspended, keyRevoked, type KeyPrincipal, type WatchedWork } from './principal';
import { VERIFIED_KEY_TTL_MS } from './verified-keys';

/**
 * Asks the key's account object how the key stands now: null while it may go
 * on, else the error the watched work ends with (KEY_REVOKED for a revoked
 * key, ACCOUNT_SUSPENDED for an account suspended for billing). `watched`
 * names that work in the revocation's message.
 */
export function keyStandingCheck(
  env: Env,
  principal: KeyPrincipal,
  watched: WatchedWork = 'subscription',
): () => Promise<CodedError | null> {
  return async () => {
    const standing = await accountStub(env, principal.accountId).keyState(principal.key.id);
    if (standing === 'revoked') return keyRevoked(watched);
    if (standing === 'suspended') return accountSuspended();
    return null;
  };
}

/**
 * How often an open stream asks about its key: STANDING_CHECK_MS when it is a
 * positive number of milliseconds, never more than VERIFIED_KEY_TTL_MS (the
 * bound the API promises, "within 15 seconds"); unset or unreadable, the
 * bound (the configuration check reports an unreadable value). The tests set
 * it short so that an end-to-end revocation test need not wait the bound.
 */
export function standingCheckMs(vars: ConfigVars): number {
  const value = Number(vars.STANDING_CHECK_MS);
  if (vars.STANDING_CHECK_MS?.trim() && Number.isFinite(value) && value > 0)
    return Math.min(value, VERIFIED_KEY_TTL_MS);
  return VERIFIED_KEY_TTL_MS;
}

/** When a stream asks about its key: first after `first` ms, then every `every`. */
export interface StandingSchedule {
  first: number;
  every: number;
}

/**
 * The checks of a stream opened by `principal`: every standingCheckMs, the
 * first one due no later than VERIFIED_KEY_TTL_MS after the key was last
 * verified by its account object. A key recalled from this isolate's cache
 * was verified up to a TTL before the stream opened; a revocation made in
 * another isolate since must still end the stream within the bound, not a
 * whole interval after it opened, nearly twice the bound (review271 F1).
 * It moves the first check earlier; it never adds one.
 */
export function standingSchedule(
  vars: ConfigVars,
  principal: KeyPrincipal,
  now: number = Date.now(),
): StandingSchedule {
  const every = standingCheckMs(vars);
  const verifiedAt = principal.verifiedAt ?? now;
  const first = Math.max(0, Math.min(every, verifiedAt + VERIFIED_KEY_TTL_MS - now));
  return { first, every };
}

/** A key's standing, asked about again and again while a stream is open. */
export interface StandingWatch {
  /**
   * Rejects with the check's error once the key lost its standing; never
   * resolves. Shared: race it only where a few races are made in all.
   */
  lost: Promise<never>;
  /** That error once it is known, else null. */
  error(): CodedError | null;
  /** Ends the checks (the stream ended, by either side). */
  stop(): void;
}

/**
 * Asks `lostStanding` every `intervalMs` (VERIFIED_KEY_TTL_MS: the same
 * bound within which a revocation or a suspension reaches every other
 * request through the isolates' verified-key caches) until it names an
 * error or `stop` is called; `onLost` runs once with that error. An account
 * object that cannot answer is asked again next time.
 */
export function watchStanding(
  lostStanding: () => Promise<CodedError | null>,
  schedule: StandingSchedule | number = VERIFIED_KEY_TTL_MS,
  onLost: (error: CodedError) => void = () => {},
): StandingWatch {
  const { first, every } =
    typeof schedule === 'number' ? { first: schedule, every: schedule } : schedule;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  let found: CodedError | null = null;
  let end: (error: CodedError) => void = () => {};
  const lost = new Promise<never>((_, reject) => (end = reject));
  // Nobody may be waiting when it fires; the next reader reports it.
  lost.catch(() => {});

  const stop = () => {
    ended = true;
    clearTimeout(timer);
  };
  const check = async () => {
    const error = await lostStanding().catch(() => null);
    if (ended) return;
    if (error !== null) {
      stop();
      found = error;
      end(error);
      onLost(error);
    } else arm();
  };
  const arm = (delayMs = every) => {
    timer = setTimeout(() => void check(), delayMs);
  };
  arm(first);
  return { lost, error: () => found, stop };
}

/**
 * Waits for `work` (a provider call that has not answered yet, a whole
 * non-streamed answer) unless the key loses its standing first: then rejects
 * with the watch's error. Stopping the work is the watch's `onLost` (it
 * aborts the call); what the work then throws is nobody's concern.
 */
export function unlessStandingLost<T>(watch: StandingWatch, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return Promise.race([work, watch.lost]);
}

/**
 * Runs a whole call (a non-streamed chat) under a standing watch, asking
 * every `intervalMs`: once the key loses its standing, `work`'s signal
 * aborts and the call rejects with the check's error. `signal` (the client
 * went away) aborts it too.
 */
export async function whileInStanding<T>(
  lostStanding: () => Promise<CodedError | null>,
  schedule: StandingSchedule | number,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  const watch = watchStanding(lostStanding, schedule, () => abort.abort());
  try {
    return await unlessStandingLost(watch, work(AbortSignal.any([signal, abort.signal])));
  } finally {
    watch.stop();
  }
}

/**
 * A long-lived subscription's events (memoryEvents, a streamed chat), ended
 * with the check's error once the key is revoked or its account suspended.
 * The key was checked when the subscription opened; it is asked about again
 * (`lostStanding`: one account-object call) every `intervalMs`
 * (watchStanding; standingCheckMs, VERIFIED_KEY_TTL_MS unless set shorter). The checks stop when the subscription ends, by either
 * side. The drop-in routes' streams are watched the same way
 * (http/native-chat.ts).
 */
export function endOnLostStanding<T>(
  source: AsyncIterableIterator<T>,
  lostStanding: () => Promise<CodedError | null>,
  schedule: StandingSchedule | number = VERIFIED_KEY_TTL_MS,
): AsyncIterableIterator<T> {
  const watch = watchStanding(lostStanding, schedule, () => {
    void Promise.resolve(source.return?.()).catch(() => undefined);
  });
  return endWithWatch(source, watch);
}

/**
 * `source`, ended with `watch`'s error once the key lost its standing: for a
 * source whose watch began before it opened (a chat, watched from before the
 * provider's first byte), whose `onLost` already stops the source. With
 * `lossAsEvent`, the error is the stream's last event rather than its
 * failure: a chat's error event carries its receipt (the memory injected
 * was billed; review275 F3), which a stream's own failure cannot.
 */
export function endWithWatch<T>(
  source: AsyncIterableIterator<T>,
  watch: StandingWatch,
  lossAsEvent?: (error: CodedError) => T,
): AsyncIterableIterator<T> {
  const { lost, stop } = watch;
  let ended = false;

  const watched: AsyncIterableIterator<T> = {
    async next() {
      if (ended) return { done: true, value: undefined };
      try {
        const next = await Promise.race([source.next(), lost]);
        // A source that finished by itself (a chat's last event) needs no more checks.
        if (next.done) stop();
        return next;
      } catch (error) {
        stop();
        const loss = watch.error();
        if (lossAsEvent === undefined || loss === null || error !== loss) throw error;
        // Nobody reads the source again: the stream ends after this event.
        ended = true;
        void Promise.resolve(source.return?.()).catch(() => undefined);
        return { done: false, value: lossAsEvent(loss) };
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
