import { REPLAY_MAX_EVENTS, type MemoryEventRecord } from '../durable/warm-tier/memory-events';

/** Events held for one subscriber that reads slower than its vault changes. */
export const MAX_QUEUED_EVENTS = REPLAY_MAX_EVENTS;
/**
 * Characters of event JSON held for one subscriber: a thousand ADDED events
 * of 32 KiB memories would otherwise hold tens of MiB in an isolate of 128 MB.
 */
export const MAX_QUEUED_CHARACTERS = 1024 * 1024;

interface Queued {
  event: MemoryEventRecord;
  size: number;
}

/**
 * The events a subscription has received and its client not yet taken. A
 * client that falls further behind than the replay window (or than
 * `MAX_QUEUED_CHARACTERS` of events) would not be served by the events one
 * by one either: the queue then gives way to one RESYNC, numbered as the
 * newest event, which tells the client to read the vault again and resume
 * from that id. Memory stays bounded per subscriber however slowly it reads.
 */
export class SubscriberQueue {
  private queued: Queued[] = [];
  /** Index of the oldest event not yet taken; taken ones before it are dropped in batches. */
  private head = 0;
  private characters = 0;

  constructor(
    private readonly maxEvents = MAX_QUEUED_EVENTS,
    private readonly maxCharacters = MAX_QUEUED_CHARACTERS,
  ) {}

  /** `size`: what the event holds, in characters of its JSON. */
  push(event: MemoryEventRecord, size: number): void {
    const waiting = this.queued.length - this.head;
    if (waiting < this.maxEvents && this.characters + size <= this.maxCharacters) {
      this.queued.push({ event, size });
      this.characters += size;
      return;
    }
    const resync: MemoryEventRecord = {
      seq: event.seq,
      type: 'RESYNC',
      memoryId: null,
      content: null,
      supersededBy: null,
      at: event.at,
    };
    this.queued = [{ event: resync, size: 0 }];
    this.head = 0;
    this.characters = 0;
  }

  /** The oldest event not yet taken, or undefined. */
  take(): MemoryEventRecord | undefined {
    const next = this.queued[this.head];
    if (next === undefined) return undefined;
    this.head++;
    this.characters -= next.size;
    // Let go of taken events once they are half the array, even while the
    // client stays behind: the array never holds more than twice the backlog.
    if (this.head * 2 >= this.queued.length) {
      this.queued = this.queued.slice(this.head);
      this.head = 0;
    }
    return next.event;
  }

  /** Events received and not yet taken. */
  get waiting(): number {
    return this.queued.length - this.head;
  }

  /** Slots the queue's array holds, taken events not yet let go included. */
  get held(): number {
    return this.queued.length;
  }
}
