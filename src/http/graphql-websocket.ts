import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer } from 'graphql-ws';
import {
  credentialIn,
  presentedCredentials,
  socketCredential,
  socketProviderKey,
} from '../auth/credentials';
import { CodedError } from '../core/errors';
import { inThisRequest } from '../core/request-log';
import { utf8Length } from '../core/encoding';
import { MAX_OPERATIONS_PER_SOCKET } from '../core/limits';
import { maxRequestBytes } from './body-checks';
import { toClientError, withExtensions } from './graphql/client-errors';
import { yoga } from './graphql/yoga';
import { authenticate } from './authenticate';
import { PhaseTimings } from '../resolvers/phase-timings';
import { SocketWindow, socketPingMs } from './socket-window';

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * GraphQL over WebSocket (the graphql-ws `graphql-transport-ws` protocol) at
 * GET /graphql with `Upgrade: websocket`. Operations run through the same Yoga
 * plugins as HTTP (limits, introspection policy, context). Credentials come
 * from the connection_init payload, `{ authorization: "Bearer mk_…",
 * providerKey: "…" }` (the provider key also under the header's name,
 * `x-provider-key`; names in any case), falling back to the upgrade
 * request's headers (the same ones as over HTTP, see presentedCredentials);
 * two different credentials, or two different provider keys, are refused
 * (AMBIGUOUS_CREDENTIAL) wherever they meet. Closing
 * the socket returns every running subscription's iterator, which aborts its
 * upstream model call.
 */
export function handleGraphQLWebSocket(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
): Response {
  const offered = (request.headers.get('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim());
  if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
    return new Response(`use the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol`, { status: 400 });
  }
  const { 0: client, 1: socket } = new WebSocketPair();
  socket.accept();
  // Results wait while the client has not acknowledged a window of them;
  // a client that answers no ping is closed (socket-window.ts, review270).
  // `closed` ends the socket's operations; a client gone without a close
  // frame never sends the close event that would.
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    void closed(code, reason);
  };
  const sendWindow = new SocketWindow(socket, socketPingMs(env), end);

  const server = makeServer<Record<string, unknown> | undefined>({
    async onSubscribe(connection, _id, payload) {
      // graphql-ws has registered this operation already: it counts itself.
      if (Object.keys(connection.subscriptions).length > MAX_OPERATIONS_PER_SOCKET) {
        return [
          new GraphQLError(
            `at most ${MAX_OPERATIONS_PER_SOCKET} operations run at once on one WebSocket; complete one first, or open another connection`,
            { extensions: { code: 'RATE_LIMITED', reason: 'TOO_MANY_OPERATIONS' } },
          ),
        ];
      }
      // Each operation is a request of its own: authenticated as it starts,
      // so a key revoked meanwhile stops working on an open socket too
      // (within the verified-key bound, resolvers/verified-keys.ts).
      const params = connection.connectionParams ?? {};
      // The names a request's headers carry the key under, in their order
      // (auth/credentials.ts), then the upgrade request's own; a bare
      // `authorization` value is taken as a bearer token.
      // Two that differ are refused (AMBIGUOUS_CREDENTIAL), as over HTTP,
      // within the payload and between it and the upgrade request (whose
      // own headers passed that check at the edge).
      const upgrade = presentedCredentials(request);
      let credential;
      let providerKey;
      try {
        const sent = credentialIn((name) => connectionParam(params, name));
        credential = socketCredential(
          sent === null || /^bearer /i.test(sent) ? sent : `Bearer ${sent}`,
          upgrade.credential,
        );
        providerKey = socketProviderKey(
          connectionParams(params, 'providerKey', 'x-provider-key'),
          upgrade.providerKey,
        );
      } catch (error) {
        if (error instanceof CodedError) return [toClientError(error)];
        throw error;
      }
      // Each operation its own timings: they reach its receipt (no header on a socket).
      const timings = new PhaseTimings();
      const { principal, authError } = await timings.time('auth', () =>
        authenticate(credential, env),
      );
      // No `request` here: Yoga's HTTP-only checks key on it, among them the
      // refusal of a mutation sent by GET, which the upgrade request is; a
      // socket message is no GET, and graphql-ws clients send mutations too.
      const enveloped = yoga.getEnveloped({
        env,
        ctx,
        edge: {
          principal,
          authError,
          providerKey,
          signal: request.signal,
          timings,
          sendKey:
            '{ "authorization": "Bearer mk_…" } as the connection_init payload (connectionParams)',
        },
        params: payload,
      });
      let document;
      try {
        document = enveloped.parse(payload.query);
      } catch (error) {
        return [requestError(error, 'GRAPHQL_PARSE_FAILED')];
      }
      // graphql-armor's limits (depth, aliases, directives, cost) throw out
      // of validation instead of returning their error: answered like the
      // rest, or graphql-ws would drop the rejection and the client would
      // wait for an answer that never comes.
      let errors: readonly GraphQLError[];
      try {
        errors = enveloped.validate(enveloped.schema, document);
      } catch (error) {
        return [requestError(error, 'GRAPHQL_VALIDATION_FAILED')];
      }
      if (errors.length > 0) return errors.map((error) => toClientError(error));
      return {
        schema: enveloped.schema,
        document,
        variableValues: payload.variables,
        operationName: payload.operationName,
        contextValue: await enveloped.contextFactory(),
        rootValue: {
          execute: enveloped.execute,
          subscribe: enveloped.subscribe,
        } satisfies Enveloped,
      };
    },
    execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
    onNext: async (_connection, _id, _payload, _args, result) => {
      await sendWindow.room();
      return result.errors ? { ...result, errors: result.errors.map(socketError) } : undefined;
    },
    onPong: () => sendWindow.pong(),
    onError: (_connection, _id, _payload, errors) => errors.map(socketError),
  });

  const maxBytes = maxRequestBytes(env);
  const closed = server.opened(
    {
      protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
      send: (data) => sendWindow.send(data),
      close: (code, reason) => {
        sendWindow.close();
        socket.close(code, reason);
      },
      onMessage: (onMessage) => {
        // Messages are handed on in the order they came: a binary frame's
        // text is read asynchronously, so every message waits its turn.
        let previous: Promise<void> = Promise.resolve();
        // Events arrive outside the upgrade request's context: each runs in
        // it again, so a socket's errors and log lines carry its request id.
        socket.addEventListener(
          'message',
          inThisRequest((event) => {
            const data = event.data as Frame;
            previous = previous.then(async () => {
              // The same bound as an HTTP body, before anything parses the message.
              if (tooLarge(data, maxBytes)) {
                socket.close(
                  MESSAGE_TOO_BIG,
                  `PAYLOAD_TOO_LARGE: a message over ${maxBytes} bytes`,
                );
                return;
              }
              const text = await messageText(data);
              if (text === null) {
                socket.close(CloseCode.BadRequest, 'Invalid message received');
                return;
              }
              void onMessage(text);
            });
          }),
        );
      },
    },
    undefined,
  );
  socket.addEventListener(
    'close',
    inThisRequest((event) => {
      sendWindow.close();
      end(event.code, event.reason);
    }),
  );
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: { 'sec-websocket-protocol': GRAPHQL_TRANSPORT_WS_PROTOCOL },
  });
}

/**
 * WebSocket's own close code for a message too big to process (RFC 6455
 * 7.4.1); graphql-ws clients treat it as fatal, so they do not resend it.
 */
const MESSAGE_TOO_BIG = 1009;

/**
 * What a message event carries: text, or a binary frame, which workerd
 * delivers as a Blob (review214 W1: decoding it as a buffer threw, uncaught,
 * and dropped the socket), typed as an ArrayBuffer.
 */
type Frame = string | ArrayBuffer | Blob;

/** A message's text: a binary frame decoded as UTF-8 (graphql-ws allows it); null when it is not UTF-8. */
async function messageText(data: Frame): Promise<string | null> {
  if (typeof data === 'string') return data;
  try {
    const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/** Whether a message is over `maxBytes` of UTF-8, encoding it only when its length cannot tell. */
function tooLarge(data: Frame, maxBytes: number): boolean {
  if (data instanceof Blob) return data.size > maxBytes;
  if (typeof data !== 'string') return data.byteLength > maxBytes;
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes.
  if (data.length > maxBytes) return true;
  if (data.length * 3 <= maxBytes) return false;
  return utf8Length(data) > maxBytes;
}

/**
 * A connection_init parameter by any of its names, in any case: clients put
 * the credentials there as they would send them as headers
 * (`Authorization`, `X-Provider-Key`) or by the names documented here.
 */
function connectionParam(params: Record<string, unknown>, ...names: string[]): string | null {
  return connectionParams(params, ...names)[0] ?? null;
}

/** Every non-empty value of the payload under any of `names` (in any case), trimmed. */
function connectionParams(params: Record<string, unknown>, ...names: string[]): string[] {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const values: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (!wanted.has(name.toLowerCase())) continue;
    if (typeof value === 'string' && value.trim() !== '') values.push(value.trim());
  }
  return values;
}

/**
 * An error as a WebSocket message: the client's view of it, without the
 * `http` status and headers that only an HTTP response uses.
 */
function socketError(error: GraphQLError) {
  const shown = toClientError(error).toJSON();
  if (shown.extensions === undefined || !('http' in shown.extensions)) return shown;
  const extensions = { ...shown.extensions };
  delete extensions.http;
  return { ...shown, extensions };
}

/**
 * A document the engine refused (its parse or its validation), as the HTTP
 * route answers it: BAD_USER_INPUT with the engine's code as `reason` (or
 * the limit's, for an operation over a shape limit).
 */
function requestError(error: unknown, code: string): GraphQLError {
  const refused = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  return toClientError(
    refused.extensions?.code === undefined ? withExtensions(refused, { code }) : refused,
  );
}
