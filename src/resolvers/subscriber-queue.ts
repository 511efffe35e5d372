import { REPLAY_MAX_EVENTS, type MemoryEventRecord } from '../durable/memory-events';

/** Events held for one subscriber that reads slower than its vault changes. */
export const MAX_QUEUED_EVENTS = REPLAY_MAX_EVENTS;

/**
 * The events a subscription has received and its client not yet taken. A
 * client that falls further behind than the replay window would not be
 * served by the events one by one either: the queue then gives way to one
 * RESYNC, numbered as the newest event, which tells the client to read the
 * vault again and resume from that id. Memory stays bounded per subscriber
 * however slowly it reads.
 */
export class SubscriberQueue {
  private events: MemoryEventRecord[] = [];
  private head = 0;

  constructor(private readonly limit = MAX_QUEUED_EVENTS) {}

  push(event: MemoryEventRecord): void {
    if (this.events.length - this.head < this.limit) {
      this.events.push(event);
      return;
    }
    this.events = [
      {
        seq: event.seq,
        type: 'RESYNC',
        memoryId: null,
        content: null,
        supersededBy: null,
        at: event.at,
      },
    ];
    this.head = 0;
  }

  /** The oldest event not yet taken, or undefined. */
  take(): MemoryEventRecord | undefined {
    if (this.head === this.events.length) return undefined;
    const event = this.events[this.head++];
    if (this.head === this.events.length) {
      this.events = [];
      this.head = 0;
    }
    return event;
  }
}
