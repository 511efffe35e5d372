import { describe, expect, it } from 'vitest';
import type { MemoryEventRecord } from '../src/durable/warm-tier/memory-events';
import {
  MAX_QUEUED_CHARACTERS,
  MAX_QUEUED_EVENTS,
  SubscriberQueue,
} from '../src/resolvers/subscriber-queue';

const added = (seq: number): MemoryEventRecord => ({
  seq,
  type: 'ADDED',
  memoryId: `m${seq}`,
  content: `memory ${seq}`,
  supersededBy: null,
  at: 1_000 + seq,
});

const resync = (seq: number): MemoryEventRecord => ({
  seq,
  type: 'RESYNC',
  memoryId: null,
  content: null,
  supersededBy: null,
  at: 1_000 + seq,
});

function drain(queue: SubscriberQueue): MemoryEventRecord[] {
  const taken: MemoryEventRecord[] = [];
  for (let event = queue.take(); event !== undefined; event = queue.take()) taken.push(event);
  return taken;
}

describe('SubscriberQueue: what a slow subscriber has not taken yet', () => {
  it('hands events over in order, up to the replay window', () => {
    const queue = new SubscriberQueue();
    for (let seq = 1; seq <= MAX_QUEUED_EVENTS; seq++) queue.push(added(seq), 100);
    const taken = drain(queue);
    expect(taken.map((event) => event.seq)).toEqual(
      Array.from({ length: MAX_QUEUED_EVENTS }, (_, i) => i + 1),
    );
    expect(queue.take()).toBeUndefined();
  });

  it('gives way to one RESYNC, numbered as the newest event, once the client falls further behind', () => {
    const queue = new SubscriberQueue(3);
    queue.push(added(1), 10);
    expect(queue.take()?.seq).toBe(1); // taken: no longer counts
    for (const seq of [2, 3, 4, 5]) queue.push(added(seq), 10);
    queue.push(added(6), 10); // later events follow the RESYNC as usual
    expect(drain(queue)).toEqual([resync(5), added(6)]);
  });

  it('counts what the events hold, so large memories resync sooner', () => {
    const queue = new SubscriberQueue(MAX_QUEUED_EVENTS, MAX_QUEUED_CHARACTERS);
    const large = MAX_QUEUED_CHARACTERS / 4;
    for (const seq of [1, 2, 3, 4]) queue.push(added(seq), large);
    expect(queue.waiting).toBe(4);
    queue.take(); // room for one more
    queue.push(added(5), large);
    queue.push(added(6), large);
    expect(drain(queue)).toEqual([resync(6)]);
  });

  it('lets go of taken events while a client stays behind', () => {
    // A client one event behind for a long time: the queue holds a backlog's
    // worth, not every event it ever passed on.
    const queue = new SubscriberQueue();
    queue.push(added(0), 10);
    for (let seq = 1; seq <= 10_000; seq++) {
      queue.push(added(seq), 10);
      expect(queue.take()?.seq).toBe(seq - 1);
    }
    expect(queue.waiting).toBe(1);
    expect(queue.held).toBeLessThanOrEqual(2);
  });
});
