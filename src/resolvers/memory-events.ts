import { VAULT_ADDRESS_HEADER } from '../durable/vault/event-sockets';
import { isMemoryEventId, type MemoryEventRecord } from '../durable/warm-tier/memory-events';
import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { MAX_SUBSCRIPTIONS_PER_VAULT } from '../core/limits';
import type { VaultAddress } from '../vaults/address';
import { SubscriberQueue } from './subscriber-queue';

/**
 * A vault's live events, for a subscription of this request (SSE or
 * graphql-ws). The vault object is the source: this opens a WebSocket to it
 * (hibernatable on its side, so an idle subscription costs the object
 * nothing) and yields what it sends: first what was missed since
 * `lastEventId` (or a RESYNC when that fell out of the replay window), then
 * every change as it commits, whichever path wrote it. The socket belongs
 * to this request, so no I/O crosses requests. `return()` closes it at once.
 * What the client has not taken yet is bounded (subscriber-queue.ts).
 */
export async function watchVault(
  env: Env,
  address: VaultAddress,
  lastEventId: string | null,
  signal: AbortSignal,
): Promise<AsyncIterableIterator<MemoryEventRecord>> {
  let after = '';
  if (lastEventId !== null) {
    if (!isMemoryEventId(lastEventId)) {
      throw new CodedError(
        'BAD_USER_INPUT',
        'lastEventId is the id of a MemoryEvent',
        'INVALID_EVENT_ID',
      );
    }
    after = `?after=${lastEventId}`;
  }
  const response = await vaultStub(env, address).fetch(`https://vault.internal/events${after}`, {
    headers: { Upgrade: 'websocket', [VAULT_ADDRESS_HEADER]: JSON.stringify(address) },
  });
  const socket = response.webSocket;
  if (response.status === 429) {
    throw new CodedError(
      'RATE_LIMITED',
      `at most ${MAX_SUBSCRIPTIONS_PER_VAULT} live memoryEvents subscriptions watch one vault at once (over SSE and WebSocket together); end one first`,
      'TOO_MANY_SUBSCRIPTIONS',
    );
  }
  if (socket === null) {
    throw new CodedError('FORBIDDEN', 'this vault cannot be watched', 'VAULT_WATCH_REFUSED');
  }
  socket.accept();

  const queued = new SubscriberQueue();
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  socket.addEventListener('message', (message) => {
    if (typeof message.data !== 'string') return;
    queued.push(JSON.parse(message.data) as MemoryEventRecord, message.data.length);
    notify();
  });
  const finish = () => {
    if (closed) return;
    closed = true;
    try {
      socket.close(1000, 'unsubscribed');
    } catch {
      // already closed by the object
    }
    notify();
  };
  socket.addEventListener('close', finish);
  socket.addEventListener('error', finish);
  signal.addEventListener('abort', finish, { once: true });

  const iterator: AsyncIterableIterator<MemoryEventRecord> = {
    async next() {
      for (;;) {
        const event = queued.take();
        if (event !== undefined) return { done: false, value: event };
        if (closed) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      finish();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
