import type { MemoryEventRecord } from '../durable/warm-tier/memory-events';
import { noteResultEventId, resumeAfter } from '../resolvers/live-event-ids';
import { watchVault } from '../resolvers/memory-events';
import { vaultOf } from '../resolvers/principal';
import { endOnLostStanding, keyStandingCheck, standingSchedule } from '../resolvers/standing-watch';
import type { VaultAddress } from '../vaults/address';
import { encodeMemoryId } from '../vaults/ids';
import { builder } from './builder';
import { MemoryEventTypeEnum } from './enums';
import { VaultSelectorInput } from './vault-selector';

interface MemoryEventParent {
  address: VaultAddress;
  event: MemoryEventRecord;
}

const globalId = (address: VaultAddress, localId: string) =>
  encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId });

export const MemoryEventRef = builder.objectRef<MemoryEventParent>('MemoryEvent');
MemoryEventRef.implement({
  description: 'A change in a vault, in the order the vault made it.',
  fields: (t) => ({
    id: t.id({
      description:
        "Increases with every event of the vault; pass the last one seen as lastEventId to resume. Over SSE it is also each frame's `id:`, so a browser's EventSource resumes by itself (it sends it back as Last-Event-ID).",
      resolve: ({ event }) => String(event.seq),
    }),
    type: t.field({
      type: MemoryEventTypeEnum,
      description: 'What happened.',
      resolve: ({ event }) => event.type,
    }),
    memoryId: t.id({
      nullable: true,
      description: 'The Memory.id concerned; null for CLEARED, EXPIRED and RESYNC.',
      resolve: ({ address, event }) =>
        event.memoryId === null ? null : globalId(address, event.memoryId),
    }),
    content: t.string({
      nullable: true,
      description:
        'ADDED: the text stored; EDITED: the new text; null otherwise. A replayed event (lastEventId) carries the text the memory holds now: an ADDED replayed after an edit shows the edited text, and null once the memory is deleted.',
      resolve: ({ event }) => event.content,
    }),
    supersededBy: t.id({
      nullable: true,
      description: 'UPDATED: the Memory.id of the memory that replaced it.',
      resolve: ({ address, event }) =>
        event.supersededBy === null ? null : globalId(address, event.supersededBy),
    }),
    at: t.field({
      type: 'DateTime',
      description: 'When the change was made.',
      resolve: ({ event }) => event.at,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  memoryEvents: t.withAuth({ activeMemoryKey: true }).field({
    type: MemoryEventRef,
    description:
      "Live changes of one of the key's vaults, from every write path (GraphQL, chat routes, imports, expiry). An idle subscription costs nothing. Resume with lastEventId: missed events are replayed within the last 1,000 events or 24 hours, else a RESYNC event comes first. Revoking the key ends the subscription with UNAUTHENTICATED / KEY_REVOKED within 15 seconds, a billing suspension of the account with PAYMENT_REQUIRED / ACCOUNT_SUSPENDED (as it refuses a new one).",
    args: {
      vault: t.arg({
        type: VaultSelectorInput,
        required: true,
        description: 'The vault to watch.',
      }),
      lastEventId: t.arg.id({
        required: false,
        description:
          'The id of the last event received: replay what came after it. Over SSE a Last-Event-ID header takes its place (an EventSource reconnecting sends the id of the last frame it received).',
      }),
    },
    subscribe: async (_root, args, context) => {
      const address = vaultOf(context.principal, args.vault);
      const events = await watchVault(
        context.env,
        address,
        resumeAfter(
          args.lastEventId == null ? null : String(args.lastEventId),
          httpRequestOf(context),
        ),
        context.signal,
      );
      const watched = endOnLostStanding(
        events,
        keyStandingCheck(context.env, context.principal),
        standingSchedule(context.env, context.principal),
      );
      return mapIterator(watched, (event) => ({ address, event }));
    },
    resolve: (parent, _args, context) => {
      noteResultEventId(httpRequestOf(context), String(parent.event.seq));
      return parent;
    },
  }),
}));

/** The HTTP request of an operation over HTTP (SSE); graphql-ws operations have none. */
function httpRequestOf(context: object): Request | undefined {
  const { request } = context as { request?: unknown };
  return request instanceof Request ? request : undefined;
}

/** An iterator's values mapped, its return() passed through (so unsubscribing closes the socket). */
function mapIterator<T, U>(
  source: AsyncIterableIterator<T>,
  map: (value: T) => U,
): AsyncIterableIterator<U> {
  const mapped: AsyncIterableIterator<U> = {
    async next() {
      const next = await source.next();
      return next.done ? { done: true, value: undefined } : { done: false, value: map(next.value) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
