import { deferredTask, METER_START_LATEST_MS } from '../resolvers/chat/deferred-task';
import { prepareDropIn, type DropInCall } from '../resolvers/chat/drop-in';
import {
  keyStandingCheck,
  standingSchedule,
  unlessStandingLost,
  watchStanding,
} from '../resolvers/standing-watch';
import { CodedError } from '../core/errors';
import {
  providerSettings,
  RESPONSES_WIRE,
  responsesUrl,
  upstreamHeaders,
  upstreamUrl,
  wireOf,
} from '../providers';
import { expectEventStream, openUpstream, readBody, type OpenedUpstream } from '../providers/http';
import { inferredProvider, parseModel, type ParsedModel } from '../providers/models';
import { wireFormatOf, type CollectedAnswer, type ProviderId } from '../providers/types';
import {
  ProviderError,
  refusedForContextLength,
  withAnswerHeaders,
  withMessageNote,
} from '../providers/upstream-error';
import { blameStoredKey } from '../resolvers/chat/provider-keys';
import { readJsonObject } from './body-checks';
import { translateChat } from './cross-format';
import type { Edge } from './edge';
import { edgeContext } from './edge-context';
import { errorFrame, failureResponse } from './error-shapes';
import type { ChatSurface } from './surfaces';
import { asksForSse, sseAsJsonArray } from './json-array-stream';
import { factsAsked, receiptHeaders, receiptJson } from './receipt-headers';
import { notServedByResponses, responsesErrorFrame } from './responses-api';
import { providerHeaders } from './provider-headers';
import { passThroughSse } from './sse-pass-through';

export interface NativeRoute {
  surface: ChatSurface;
  /** Gemini names the model in the path; the others in the body. */
  model: string | null;
  /** Gemini says streaming in the path (streamGenerateContent); the others with `stream: true`. */
  stream: boolean | null;
  /** The surface's chat API, or OpenAI's Responses API (POST /v1/responses). */
  api: 'chat' | 'responses';
  /** Gemini's API version, as the client's path names it (`/v1/models/…` or `/v1beta/models/…`): Google gets the same. */
  geminiVersion?: 'v1' | 'v1beta';
}

const NATIVE_PROVIDER: Record<ChatSurface, ProviderId> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
};

/**
 * The model a surface's request names: `provider/model` as everywhere, a
 * well-known bare name (gpt-…, chatgpt-…, o1…/o3…, claude-…, gemini-…) for
 * its provider on every route, as GraphQL's chat infers it, and any other
 * bare name for the surface's own provider (fine-tuned and new models included).
 */
export function modelFor(surface: ChatSurface, name: string): ParsedModel {
  const trimmed = name.trim();
  if (trimmed.includes('/')) return parseModel(trimmed);
  const inferred = inferredProvider(trimmed);
  if (inferred !== null) return { provider: inferred, model: trimmed };
  if (trimmed === '' || trimmed.length > 200 || /\s/.test(trimmed)) return parseModel(trimmed);
  return { provider: NATIVE_PROVIDER[surface], model: trimmed };
}

const ms = (value: number) => String(Math.round(value));

/**
 * The headers the route adds whatever the provider answers: the memory
 * receipt and the session. Built once the provider has answered, so the
 * call does not wait on them.
 */
function memoryHeaders(call: DropInCall): [string, string][] {
  return Object.entries({
    ...receiptHeaders(call.receipt, factsAsked(call.controls)),
    'x-memory-tokens-retrieved': String(call.receipt.memoryTokens),
    'x-memory-chunks-retrieved': String(call.receipt.hits.length),
    ...(call.sessionId ? { 'x-session-id': call.sessionId } : {}),
  });
}

/**
 * The provider's headers, the memory receipt, and the replaced system's
 * timing headers (Server-Timing is added at the edge from the request's phases).
 */
function responseHeaders(
  upstream: Headers,
  call: DropInCall,
  own: [string, string][],
  timing: { startedAt: number; providerMs: number },
): Headers {
  const headers = providerHeaders(upstream);
  const totalMs = performance.now() - timing.startedAt;
  const { memoryMs, embeddingMs } = call.timings;
  for (const [name, value] of own) headers.set(name, value);
  for (const [name, value] of Object.entries({
    'x-mr-processing-ms': ms(memoryMs),
    'x-embedding-ms': ms(embeddingMs),
    'x-provider-response-ms': ms(timing.providerMs),
    'x-mr-overhead-ms': ms(Math.max(0, totalMs - timing.providerMs)),
    'x-total-ms': ms(totalMs),
  })) {
    headers.set(name, value);
  }
  return headers;
}

/**
 * Adds a `memory` field to a JSON object body without re-encoding the rest:
 * the provider's bytes stay as they were, the field goes before the last `}`.
 */
export function withReceiptField(
  bytes: Uint8Array<ArrayBuffer>,
  receipt: unknown,
): Uint8Array<ArrayBuffer> {
  const text = new TextDecoder().decode(bytes);
  const end = text.lastIndexOf('}');
  if (end === -1) return bytes;
  const head = text.slice(0, end).trimEnd();
  const separator = head.endsWith('{') ? '' : ',';
  return new TextEncoder().encode(
    `${head}${separator}"memory":${JSON.stringify(receipt)}}${text.slice(end + 1)}`,
  );
}

/**
 * A chat request in a provider's own format (OpenAI chat completions or
 * responses, Anthropic messages, Gemini generateContent). For a model of
 * that provider it is a pass-through: the body is forwarded whole (memory
 * added in the system slot, MemoryRouter's fields removed), streamed
 * upstream only when the client streams, and the provider's answer comes
 * back byte for byte with the receipt in headers. A model of another
 * provider goes through a translation that carries every field present or
 * refuses the request (cross-format.ts); the Responses API refuses it
 * (responses-api.ts).
 */
export async function handleNativeChat(
  edge: Edge<'activeMemoryKey'>,
  route: NativeRoute,
): Promise<Response> {
  const startedAt = performance.now();
  const { request, env } = edge;
  try {
    const context = edgeContext(edge);
    const parseStarted = performance.now();
    const body = await readJsonObject(request);
    const name = route.model ?? body.model;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new CodedError('BAD_USER_INPUT', '`model` is required', 'INVALID_REQUEST', {
        param: 'model',
      });
    }
    const model = modelFor(route.surface, name);
    edge.timings.since('parse', parseStarted);
    const responses = route.api === 'responses';
    if (wireFormatOf(model.provider) !== route.surface) {
      if (responses) throw notServedByResponses(model);
      return await translateChat(context, request, body, model, route.surface);
    }

    const wire = responses ? RESPONSES_WIRE : wireOf(model.provider);
    const stream = route.stream ?? body.stream === true;
    const call = await prepareDropIn(context, { headers: request.headers, body, model, wire });
    const settings = providerSettings(env);
    const promptStarted = performance.now();
    const upstreamRequest = {
      url: responses
        ? responsesUrl(model.provider, settings)
        : upstreamUrl(model.provider, settings, model.model, stream, route.geminiVersion),
      headers: upstreamHeaders(model.provider, call.apiKey, stream, request.headers),
      body: JSON.stringify(call.body),
    };
    edge.timings.since('prompt', promptStarted);
    const providerStarted = performance.now();
    // Nothing else runs on the request's thread between the body and the
    // call: the memory headers are built once the provider has answered,
    // while a streamed answer's first token is still on its way.
    // A revoked key or a suspended account ends the call within
    // VERIFIED_KEY_TTL_MS, as GraphQL's chats do, from before the provider's
    // first byte (a slow model may take longer than that to send it) to the
    // stream's end: the provider call is aborted, and the client gets the
    // error in its format (a refusal before the headers, the format's error
    // event after them). Nothing is metered or stored for a call aborted
    // before the provider answered.
    const lostStanding = new AbortController();
    const standing = watchStanding(
      keyStandingCheck(env, edge.principal, stream ? 'stream' : 'request'),
      standingSchedule(env, edge.principal),
      () => lostStanding.abort(),
    );
    let opened: OpenedUpstream;
    try {
      opened = await unlessStandingLost(
        standing,
        openUpstream(
          model.provider,
          upstreamRequest,
          call.apiKey,
          settings.timeoutMs,
          AbortSignal.any([request.signal, lostStanding.signal]),
        ),
      );
    } catch (error) {
      standing.stop();
      throw withMemoryAdded(blameStoredKey(error, call.keyFound), call.receipt.memoryTokens);
    }
    const upstreamHeadersAt = performance.now();
    const providerMs = upstreamHeadersAt - providerStarted;
    edge.timings.add('provider', providerMs);

    if (!stream) {
      // The provider accepted the call: the memory it was given is metered
      // once its answer is read, whole or broken, and the answer goes out
      // only once the usage is durable. Not when the answer is an error the
      // provider sent with its 200 (OpenRouter's model that failed): that
      // call is answered as refused, with the error's status, and a refused
      // call is not metered (review 256 F10: the SDK's retries of that 429
      // were each billed).
      const meter = () => {
        const metered = call.accepted();
        edge.ctx.waitUntil(metered.catch(() => undefined));
        return metered;
      };
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await unlessStandingLost(
          standing,
          readBody(model.provider, opened, call.apiKey, settings.timeoutMs),
        );
      } catch (error) {
        void meter();
        return billedFailure(route.surface, request, error, call);
      } finally {
        standing.stop();
      }
      let answer: CollectedAnswer;
      try {
        answer = wire.decoding.decodeBody(
          model.provider,
          new TextDecoder().decode(bytes),
          call.apiKey,
        );
      } catch (error) {
        // OpenRouter's error in a 200 body: passed on with the response's headers.
        if (error instanceof ProviderError) throw withAnswerHeaders(error, opened.response.headers);
        void meter();
        return billedFailure(route.surface, request, error, call);
      }
      const metered = meter();
      // A response OpenAI keeps under the account's shared key is recorded
      // as this memory key's before its id goes out (drop-in.ts).
      await Promise.all([metered, call.rememberResponse(answer.responseId)]);
      const finished = await call.finished(answer);
      if (finished !== null)
        call.receipt = {
          ...call.receipt,
          turn: finished.turn,
          ...(finished.facts === null ? {} : { facts: finished.facts }),
        };
      const out = call.controls.receiptInBody
        ? withReceiptField(bytes, receiptJson(call.receipt))
        : bytes;
      return new Response(out, {
        status: opened.response.status,
        headers: responseHeaders(opened.response.headers, call, memoryHeaders(call), {
          startedAt,
          providerMs: performance.now() - providerStarted,
        }),
      });
    }

    // A whole JSON answer where events were due is refused here, before the
    // headers: the client gets an error in its format and type, not an event
    // stream labelled JSON. The provider's own error sent with a 200
    // (OpenRouter's `{"error": {"code": 429}}`, review 268 F1) is its
    // refusal, answered as on the unstreamed path above: its code and body,
    // not metered. Any other JSON (a server or proxy that ignored the
    // streaming request, review 256 F4) is STREAM_BROKEN, not translated into
    // events: the pass-through sends the provider's events byte for byte, and
    // a stream made up from the JSON would carry only the fields the decoder
    // reads. The provider accepted (and billed) that call, so its memory is
    // metered, as for any broken stream.
    try {
      await unlessStandingLost(
        standing,
        expectEventStream(model.provider, opened, call.apiKey, settings.timeoutMs),
      );
    } catch (error) {
      standing.stop();
      if (error instanceof ProviderError) throw error;
      edge.ctx.waitUntil(call.accepted().catch(() => undefined));
      return billedFailure(route.surface, request, error, call);
    }

    // The provider accepted the call, so the memory it was given is metered:
    // when the answer ends (complete, broken or cancelled), or at the latest
    // METER_START_LATEST_MS after the client took the first event. Not at
    // once when it is taken: the runtime has pulled the event then, but its
    // bytes may not have left, and the meter's RPC and storage write, on the
    // same thread, held them back (BENCHMARKS.md, chat TTFT). A complete
    // answer's stream ends only once the usage is durable; a broken or
    // cancelled one closes first, and waitUntil finishes its metering.
    const metering = deferredTask(() => call.accepted());
    edge.ctx.waitUntil(metering.done.catch(() => undefined));
    let firstEventAt: number | null = null;
    let headersDue!: () => void;
    const headersReady = new Promise<void>((resolve) => (headersDue = resolve));
    const decoder = wire.decoding.streamDecoder(model.provider, call.apiKey);
    let remembering: Promise<void> | null = null;
    const events = passThroughSse(opened, {
      provider: model.provider,
      apiKey: call.apiKey,
      decoder,
      idleMs: settings.timeoutMs,
      errorFrame: (error) =>
        responses
          ? responsesErrorFrame(error, decoder.nextSequence ?? 0)
          : errorFrame(route.surface, error),
      onComplete: (answer) => void call.finished(answer),
      // The event that first carries the response's id waits for its record.
      beforeForward: () => {
        if (remembering !== null || !decoder.responseId) return null;
        remembering = call.rememberResponse(decoder.responseId) ?? Promise.resolve();
        return remembering;
      },
      onFirstEvent: () => (firstEventAt = performance.now()),
      // The headers wait for the first event (the stream pulls it at once),
      // so that Server-Timing can say when it came; a model slow to start gets
      // its headers after FIRST_EVENT_WAIT_MS without that figure.
      headersDueMs: FIRST_EVENT_WAIT_MS,
      onHeadersDue: headersDue,
      onFirstTaken: () => metering.startWithin(METER_START_LATEST_MS),
      onEnd: () => {
        standing.stop();
        metering.start();
      },
      beforeClose: () => metering.done,
      lostStanding: standing.error,
    });
    // Built while the first event is awaited (the route's own time ends here).
    const headers = responseHeaders(opened.response.headers, call, memoryHeaders(call), {
      startedAt,
      providerMs,
    });
    await headersReady;
    if (firstEventAt !== null) edge.timings.add('firstbyte', firstEventAt - upstreamHeadersAt);
    if (route.surface === 'google' && !asksForSse(request)) {
      // Gemini's default stream format: the same chunks as one streamed JSON array.
      headers.set('content-type', 'application/json; charset=UTF-8');
      // JSON is a type Cloudflare (and wrangler dev, which copies its rule)
      // compresses for a client that accepts gzip, and the compressor held
      // every chunk until the array closed: the client read nothing until
      // the model had finished, and its leaving went unnoticed, so the
      // call ran on and its turn was stored (review275 F1). An encoding of
      // its own keeps the response as written, as Yoga's event streams do.
      headers.set('content-encoding', 'none');
      return new Response(sseAsJsonArray(events), { status: opened.response.status, headers });
    }
    return new Response(events, { status: opened.response.status, headers });
  } catch (error) {
    // The client went away: nobody reads this answer, and nothing went wrong.
    if (request.signal.aborted && !(error instanceof CodedError))
      return new Response(null, { status: 499 });
    throw error;
  }
}

/**
 * A failure after the provider took the call (a broken answer, a JSON body
 * where events were due), whose memory is billed: answered in the surface's
 * shape with the memory receipt's headers, as a whole answer has them, so a
 * billed failure can be reconciled request by request (review275 F2). A
 * client that went away reads nothing: it is thrown on, as before.
 */
function billedFailure(
  surface: ChatSurface,
  request: Request,
  error: unknown,
  call: DropInCall,
): Response {
  if (request.signal.aborted && !(error instanceof CodedError)) throw error;
  const failed = failureResponse(surface, error);
  const response = new Response(failed.body, failed);
  for (const [name, value] of memoryHeaders(call)) response.headers.set(name, value);
  return response;
}

/**
 * A refusal for context length says how much of that context was memory
 * MemoryRouter added, and how to send less (review 256 F7): a user whose own
 * messages fit could not tell that the memory block pushed the call over.
 * Any other error, or a call given no memory, is left as it was.
 */
function withMemoryAdded(error: unknown, memoryTokens: number): unknown {
  if (memoryTokens <= 0 || !refusedForContextLength(error)) return error;
  return withMessageNote(
    error,
    `(MemoryRouter added ${memoryTokens} memory tokens to this call; to send fewer, lower X-Memory-Context-Limit, or send X-Memory-Mode: off for no memory)`,
  );
}

/** How long a streamed answer's headers wait for its first event (for Server-Timing's `firstbyte`). */
const FIRST_EVENT_WAIT_MS = 2_000;
