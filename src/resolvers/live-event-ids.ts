import { CodedError } from '../core/errors';
import { isMemoryEventId } from '../durable/warm-tier/memory-events';

/**
 * The id of the vault event a request's subscription result was made from,
 * for a transport that frames ids: SSE writes it as the frame's `id:` line,
 * which a browser's EventSource sends back as `Last-Event-ID` when it
 * reconnects. Keyed by the HTTP request (a subscription over SSE is one
 * request and one operation); graphql-ws operations have none and note
 * nothing. Taken once: a result made from no event (an error) gets no id.
 */
const resultEventIds = new WeakMap<Request, string>();

/** Called as an event's result is made (the field resolver runs right before the result is yielded). */
export function noteResultEventId(request: Request | undefined, id: string): void {
  if (request !== undefined) resultEventIds.set(request, id);
}

/** The id noted for the result just yielded on `request`, or null; forgets it. */
export function takeResultEventId(request: Request): string | null {
  const id = resultEventIds.get(request);
  if (id === undefined) return null;
  resultEventIds.delete(request);
  return id;
}

/**
 * Where a subscription resumes: the `Last-Event-ID` header when the request
 * has one, else the operation's `lastEventId`. The header wins because it is
 * the later fact: EventSource reconnects to the same URL (so with the same
 * `lastEventId` the page opened it with, if any) and adds the header with
 * the id of the last frame it actually received. An empty header is no
 * header (EventSource sends none before its first id); a header that is not
 * an event id is refused, coded, before anything is watched.
 */
export function resumeAfter(argument: string | null, request: Request | undefined): string | null {
  const header = request?.headers.get('last-event-id') ?? '';
  if (header === '') return argument;
  if (!isMemoryEventId(header)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'the Last-Event-ID header is the id of a MemoryEvent',
      'INVALID_EVENT_ID',
    );
  }
  return header;
}
