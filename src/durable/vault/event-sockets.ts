import { MAX_SUBSCRIPTIONS_PER_VAULT } from '../../core/limits';
import type { MemoryEventLog, MemoryEventRecord } from '../warm-tier/memory-events';

/** The header that carries the Worker's server-side vault address to the object's `fetch`. */
export const VAULT_ADDRESS_HEADER = 'X-Vault-Address';

/**
 * Live subscribers of a vault: WebSockets between the Worker (serving an SSE
 * or graphql-ws subscription) and this object, accepted through the
 * Hibernation API, so the object may leave memory while no event flows and
 * an idle subscription costs nothing. Each subscriber gets its missed events
 * (or a RESYNC) first, then every event as its change commits.
 */
export class EventSockets {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly log: MemoryEventLog,
  ) {}

  /**
   * Accepts a subscriber that last saw `afterSeq` (null: only what happens
   * from now); 429 when the vault has MAX_SUBSCRIPTIONS_PER_VAULT already.
   * The count is the object's own sockets, so a slot is free again as soon
   * as a subscriber's socket is closed, however it ended.
   */
  accept(afterSeq: number | null): Response {
    if (this.ctx.getWebSockets().length >= MAX_SUBSCRIPTIONS_PER_VAULT) {
      return new Response('too many subscribers', { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const missed = afterSeq === null ? [] : this.log.since(afterSeq);
    if (missed === null) {
      send(server, {
        seq: this.log.lastSeq(),
        type: 'RESYNC',
        memoryId: null,
        content: null,
        supersededBy: null,
        at: Date.now(),
      });
    } else {
      for (const event of missed) send(server, event);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends committed events to every subscriber still connected. */
  broadcast(events: readonly MemoryEventRecord[]): void {
    if (events.length === 0) return;
    for (const socket of this.ctx.getWebSockets()) {
      for (const event of events) send(socket, event);
    }
  }
}

function send(socket: WebSocket, event: MemoryEventRecord): void {
  try {
    socket.send(JSON.stringify(event));
  } catch {
    // A subscriber that went away meanwhile; its close handler forgets it.
  }
}
