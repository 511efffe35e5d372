import { MessageType, stringifyMessage } from 'graphql-ws';
import { utf8Length } from '../core/encoding';
import type { ConfigVars } from '../core/config';

/**
 * Bytes a GraphQL WebSocket may have sent that its client has not yet
 * acknowledged before the next result waits: the subscriber queue's own bound
 * (1 MiB), so a socket holds no more than an SSE stream would.
 */
export const SOCKET_WINDOW_BYTES = 1_048_576;

/** The default of WEBSOCKET_PING_MS: how often an idle socket is pinged, and how long a pong may take. */
export const DEFAULT_SOCKET_PING_MS = 30_000;

/**
 * WebSocket close code for a client that answered no ping within the bound
 * (graphql-ws leaves 4000-4999 to the application; 4408 is its own
 * initialisation timeout, so this one sits beside it).
 */
export const PONG_TIMEOUT_CLOSE = 4504;

/** WEBSOCKET_PING_MS when it is a positive number of milliseconds; otherwise the default. */
export function socketPingMs(vars: ConfigVars): number {
  const value = Number(vars.WEBSOCKET_PING_MS);
  return vars.WEBSOCKET_PING_MS?.trim() && Number.isFinite(value) && value > 0
    ? value
    : DEFAULT_SOCKET_PING_MS;
}

interface Socket {
  send(data: string): void;
  close(code: number, reason: string): void;
}

/**
 * Flow control for one GraphQL WebSocket (review270 F1). workerd's
 * `WebSocket.send` never waits for the client: a client that stops reading
 * (paused, or gone without a close frame) had every result kept for it in
 * the isolate's memory, 18 MB for one socket in the review, because
 * graphql-ws took each result from the subscriber queue as soon as it came
 * and the queue's bound (and its RESYNC) never applied. The protocol's own
 * ping and pong serve as acknowledgements: past half the window a ping goes
 * out, its pong acknowledges every byte sent before it, and past the whole
 * window the next result waits (`room`) until one comes. The results then
 * wait in the subscriber queue, bounded as over SSE. graphql-ws clients
 * answer pings by themselves, as the protocol requires of every client.
 *
 * A ping unanswered for `pingMs` closes the socket (PONG_TIMEOUT_CLOSE): the
 * client is gone or stalled, and its subscriptions' slots are freed. An idle
 * socket is pinged every `pingMs` too, so a client that vanished without a
 * close frame is noticed within two of them.
 */
export class SocketWindow {
  private sent = 0;
  private acknowledged = 0;
  /** `sent` when the unanswered ping went out; null when none is. */
  private pinged: number | null = null;
  private pongDeadline: ReturnType<typeof setTimeout> | null = null;
  private idlePing: ReturnType<typeof setInterval> | null = null;
  private waiting: (() => void)[] = [];
  private closed = false;

  /**
   * `gone` is called once a ping went unanswered, after the socket is closed:
   * a client that vanished never answers the close either, so the caller
   * ends the socket's operations itself.
   */
  constructor(
    private readonly socket: Socket,
    private readonly pingMs: number,
    private readonly gone: (code: number, reason: string) => void,
    private readonly windowBytes = SOCKET_WINDOW_BYTES,
  ) {
    this.idlePing = setInterval(() => {
      if (this.pinged === null) this.ping();
    }, pingMs);
  }

  /** Sends a message, counting its bytes; a ping follows once half the window is unacknowledged. */
  send(data: string): void {
    if (this.closed) return;
    this.socket.send(data);
    this.sent += utf8Length(data);
    if (this.pinged === null && this.unacknowledged() >= this.windowBytes / 2) this.ping();
  }

  /** Resolves once the next result may go: at once while the window has room. */
  room(): Promise<void> {
    if (this.closed || this.unacknowledged() < this.windowBytes) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The client's pong: every byte sent before the ping it answers is acknowledged. */
  pong(): void {
    if (this.pinged === null) return;
    this.acknowledged = this.pinged;
    this.pinged = null;
    if (this.pongDeadline !== null) clearTimeout(this.pongDeadline);
    this.pongDeadline = null;
    this.release();
    // Still half a window or more out (sent since that ping): ask again.
    if (this.unacknowledged() >= this.windowBytes / 2) this.ping();
  }

  /** The socket closed: nothing waits, nothing more is sent or timed. */
  close(): void {
    this.closed = true;
    if (this.pongDeadline !== null) clearTimeout(this.pongDeadline);
    if (this.idlePing !== null) clearInterval(this.idlePing);
    this.pongDeadline = this.idlePing = null;
    this.release(true);
  }

  private unacknowledged(): number {
    return this.sent - this.acknowledged;
  }

  private ping(): void {
    if (this.closed) return;
    this.pinged = this.sent;
    this.socket.send(stringifyMessage({ type: MessageType.Ping }));
    this.pongDeadline = setTimeout(() => {
      const reason = `PONG_TIMEOUT: no pong within ${this.pingMs} ms of a ping`;
      this.close();
      try {
        this.socket.close(PONG_TIMEOUT_CLOSE, reason);
      } catch {
        // Closed already from the other side: nothing to tell it.
      }
      this.gone(PONG_TIMEOUT_CLOSE, reason);
    }, this.pingMs);
  }

  private release(all = false): void {
    if (!all && this.unacknowledged() >= this.windowBytes) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
