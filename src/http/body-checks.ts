import { CodedError } from '../core/errors';
import { nestsDeeperThan } from '../core/nesting';
import { isRecord } from '../providers/native';
import { readChunks } from './request-body';

/** Largest request body accepted on a route, unless MAX_REQUEST_BYTES says otherwise. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export function maxRequestBytes(env: Env): number {
  return Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES;
}

/**
 * Largest body of a drop-in chat route (unless MAX_DROP_IN_REQUEST_BYTES says
 * otherwise): images and PDFs travel inline as base64, and the providers take
 * requests of 20 MB (Gemini) to 32 MB (Anthropic). The body is parsed once;
 * while the call is sent the isolate holds it about three times (the bytes
 * read, the parsed JSON, the serialised forward), so 20 MiB (about 60 MB held) leaves room in a
 * Worker's 128 MB for other requests and hot vault indexes (docs/api.md, "Limits").
 */
export const DEFAULT_MAX_DROP_IN_REQUEST_BYTES = 20 * 1024 * 1024;

export function maxDropInRequestBytes(env: Env): number {
  return Number(env.MAX_DROP_IN_REQUEST_BYTES) || DEFAULT_MAX_DROP_IN_REQUEST_BYTES;
}

/**
 * Deepest a drop-in body's lists and objects may nest: far above any real
 * request (tool JSON Schemas nest tens of levels), far below the depth at
 * which parsing it overflows the stack (thousands).
 */
export const MAX_JSON_NESTING = 512;

/** What a route's body may be. */
export type BodyKind = 'json' | 'jsonl' | 'graphql';

/**
 * Content types a body kind accepts; a request without Content-Type is read
 * as the route's own kind. JSONL also takes what curl sends for
 * `--data-binary` (application/x-www-form-urlencoded) and plain text, so
 * `curl --data-binary @vault.jsonl` works as documented; a multipart form
 * (`curl -F`) or anything else would import its framing as lines.
 */
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

const ACCEPTED: Record<BodyKind, (type: string) => boolean> = {
  json: isJson,
  // What Yoga parses: JSON, `application/graphql` and form-encoded parameters.
  graphql: (type) =>
    isJson(type) || type === 'application/graphql' || type === 'application/x-www-form-urlencoded',
  jsonl: (type) =>
    [
      'application/x-ndjson',
      'application/jsonl',
      'application/json',
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
    ].includes(type),
};

/** Refuses a body of a type the route does not read: 415 UNSUPPORTED_MEDIA_TYPE. */
export function checkContentType(request: Request, kind: BodyKind): void {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!type || ACCEPTED[kind](type)) return;
  throw new CodedError(
    'BAD_USER_INPUT',
    `send the body as ${kind === 'jsonl' ? 'JSONL (application/x-ndjson)' : 'application/json'}, not ${type}`,
    'UNSUPPORTED_MEDIA_TYPE',
    { status: 415 },
  );
}

/**
 * Refuses bodies over the limit before anything parses them: at once when
 * Content-Length says so (after draining what was sent), and while reading
 * when the body is chunked. Returns the request to carry on with.
 */
export async function limitBody(request: Request, maxBytes: number): Promise<Request> {
  if (request.body === null) return request;
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared <= maxBytes) return request;
  // A body of unknown length (chunked), counted as it is read; passed on as
  // the chunks read, not copied into one buffer.
  const chunks = await readChunks(request, maxBytes);
  if (chunks === null) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `request body is larger than the limit of ${maxBytes} bytes`,
      'BODY_TOO_LARGE',
    );
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks.splice(0)) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request(request, { body });
}

/** JSON.parse's third reviver argument and JSON.rawJSON (ES2025's JSON source text access; workerd has both). */
type SourceReviver = (key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;
const rawJson = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;

/**
 * An integer past 2^53 (a 64-bit `seed`, an id) would come out of a parse
 * and a re-serialisation rounded; it is kept as its own digits instead
 * (JSON.rawJSON), so a forwarded body says what the client wrote. Every
 * other value is the parse's own.
 */
const keepLongIntegers: SourceReviver = (_key, value, context) =>
  typeof value === 'number' &&
  Number.isInteger(value) &&
  !Number.isSafeInteger(value) &&
  context?.source !== undefined &&
  /^-?\d+$/.test(context.source)
    ? rawJson(context.source)
    : value;

/**
 * The request body as a JSON object. Anything else (a body that is not
 * JSON, or JSON `null`, a list, a number, a string) is BAD_USER_INPUT with
 * reason INVALID_JSON. Integers past 2^53 are kept digit for digit
 * (`keepLongIntegers`): serialised again, they read as sent.
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  // The reviver pass recurses once per level and would overflow the stack
  // (review214 W5: a valid body 10,000 deep was called "not JSON").
  if (nestsDeeperThan(text, MAX_JSON_NESTING)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `the body nests lists and objects more than ${MAX_JSON_NESTING} levels deep`,
      'TOO_DEEP',
    );
  }
  let body: unknown;
  try {
    body = parseWithSource(text, keepLongIntegers);
  } catch {
    throw new CodedError('BAD_USER_INPUT', 'the body must be JSON', 'INVALID_JSON');
  }
  if (!isRecord(body)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `the body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'a list' : `a ${typeof body}`}`,
      'INVALID_JSON',
    );
  }
  return body;
}
