/**
 * Operations whose stream's one event is a refusal met while the chat
 * opened (Subscription.chat). `subscribe` used to await the opening and throw
 * such a refusal itself, which a client read as `{ errors }`; the stream now
 * begins first (review274 F1) and the event's field throws it, which
 * graphql-js answers `{ data: null, errors }`. The field notes it here and
 * http/graphql/use-refused-opening.ts takes `data` away again, so clients
 * read what they read before. Keyed by the operation's context object.
 */
const refused = new WeakSet<object>();

/** Called by the field resolver right before it throws the refusal. */
export function noteRefusedOpening(context: object): void {
  refused.add(context);
}

/** Whether the result just made for `context` was such a refusal; forgets it. */
export function takeRefusedOpening(context: object): boolean {
  return refused.delete(context);
}
