import { describe, expect, it } from 'vitest';
import type { MemoryEventRecord } from '../src/durable/memory-events';
import { MAX_QUEUED_EVENTS, SubscriberQueue } from '../src/resolvers/subscriber-queue';

const added = (seq: number): MemoryEventRecord => ({
  seq,
  type: 'ADDED',
  memoryId: `m${seq}`,
  content: `memory ${seq}`,
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
    for (let seq = 1; seq <= MAX_QUEUED_EVENTS; seq++) queue.push(added(seq));
    const taken = drain(queue);
    expect(taken.map((event) => event.seq)).toEqual(
      Array.from({ length: MAX_QUEUED_EVENTS }, (_, i) => i + 1),
    );
    expect(queue.take()).toBeUndefined();
  });

  it('gives way to one RESYNC, numbered as the newest event, once the client falls further behind', () => {
    const queue = new SubscriberQueue(3);
    queue.push(added(1));
    expect(queue.take()?.seq).toBe(1); // taken: no longer counts
    for (const seq of [2, 3, 4, 5]) queue.push(added(seq));
    queue.push(added(6)); // later events follow the RESYNC as usual
    expect(drain(queue)).toEqual([
      { seq: 5, type: 'RESYNC', memoryId: null, content: null, supersededBy: null, at: 1_005 },
      added(6),
    ]);
  });
});
