import { workerFetch } from './graphql';

type Handler<E> = ((event: E) => void) | null;

/**
 * A WebSocket constructor for the graphql-ws client that connects to the
 * Worker under test by sending it the upgrade request through its own fetch
 * handler (there is no network in tests).
 */
export class WorkerWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = WorkerWebSocket.CONNECTING;
  protocol = '';
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: string }> = null;
  onclose: Handler<{ code: number; reason: string; wasClean: boolean }> = null;
  onerror: Handler<unknown> = null;
  private socket: WebSocket | null = null;

  /** `headers`: more headers for the upgrade request (a subclass passes them; graphql-ws gives two arguments). */
  constructor(url: string, protocols?: string | string[], headers: Record<string, string> = {}) {
    void workerFetch(url.replace(/^ws/, 'http'), {
      headers: {
        ...headers,
        upgrade: 'websocket',
        'sec-websocket-protocol': [protocols ?? []].flat().join(', '),
      },
    }).then((response) => {
      const socket = response.webSocket;
      if (!socket) {
        this.readyState = WorkerWebSocket.CLOSED;
        this.onerror?.(new Error(`upgrade refused: ${response.status}`));
        this.onclose?.({ code: 1002, reason: `HTTP ${response.status}`, wasClean: false });
        return;
      }
      socket.accept();
      this.socket = socket;
      this.protocol = response.headers.get('sec-websocket-protocol') ?? '';
      socket.addEventListener('message', (event) => this.onmessage?.({ data: String(event.data) }));
      socket.addEventListener('close', (event) => {
        this.readyState = WorkerWebSocket.CLOSED;
        this.onclose?.({ code: event.code, reason: event.reason, wasClean: true });
      });
      this.readyState = WorkerWebSocket.OPEN;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    this.socket?.send(data);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = WorkerWebSocket.CLOSING;
    this.socket?.close(code, reason);
  }
}
