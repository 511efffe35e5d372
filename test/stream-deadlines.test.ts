import { describe, expect, it } from 'vitest';
import { StreamDeadlines } from '../src/providers/stream-deadlines';

const never = () => new Promise<never>(() => undefined);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StreamDeadlines', () => {
  it('fails a read that waits longer than idleMs with the error onIdle gives, once', async () => {
    let idled = 0;
    const deadlines = new StreamDeadlines(
      20,
      () => {
        idled++;
        return new Error('silent provider');
      },
      null,
      () => undefined,
    );
    await expect(deadlines.read(Promise.resolve('first'))).resolves.toBe('first');
    await expect(deadlines.read(never())).rejects.toThrow('silent provider');
    expect(idled).toBe(1);
    // The stream is over: a read after that fails at once with the same error.
    await expect(deadlines.read(Promise.resolve('late'))).rejects.toThrow('silent provider');
    expect(idled).toBe(1);
  });

  it('keeps the idle deadline of a read that overlaps another, whichever settles first', async () => {
    const later = () => {
      let settle!: (value: string) => void;
      const promise = new Promise<string>((resolve) => (settle = resolve));
      return { promise, settle };
    };
    let idled = 0;
    const silent = () => {
      idled++;
      return new Error('silent provider');
    };
    // The first read settles while the second still waits: the second still times out.
    const first = new StreamDeadlines(20, silent, null, () => undefined);
    const earlier = later();
    const firstRead = first.read(earlier.promise);
    const secondRead = first.read(never());
    earlier.settle('a');
    await expect(firstRead).resolves.toBe('a');
    await expect(secondRead).rejects.toThrow('silent provider');
    // The second read settles while the first still waits: the first still times out.
    const second = new StreamDeadlines(20, silent, null, () => undefined);
    const waiting = second.read(never());
    const quick = later();
    const quickRead = second.read(quick.promise);
    quick.settle('b');
    await expect(quickRead).resolves.toBe('b');
    await expect(waiting).rejects.toThrow('silent provider');
    // Three at once, the middle one settling: both others fail, with one error.
    const third = new StreamDeadlines(20, silent, null, () => undefined);
    const oldest = third.read(never());
    const middle = later();
    const middleRead = third.read(middle.promise);
    const youngest = third.read(never());
    middle.settle('c');
    await expect(middleRead).resolves.toBe('c');
    await expect(oldest).rejects.toThrow('silent provider');
    await expect(youngest).rejects.toThrow('silent provider');
    expect(idled).toBe(3);
  }, 5_000);

  it('passes a read’s own failure on as it is', async () => {
    const deadlines = new StreamDeadlines(
      60_000,
      () => new Error('silent provider'),
      null,
      () => undefined,
    );
    await expect(deadlines.read(Promise.reject(new Error('connection lost')))).rejects.toThrow(
      'connection lost',
    );
    await expect(deadlines.read(Promise.resolve('next'))).resolves.toBe('next');
    deadlines.stop();
  });

  it('counts only time spent waiting on a read: a client that reads slowly times nothing out', async () => {
    const deadlines = new StreamDeadlines(
      20,
      () => new Error('silent provider'),
      null,
      () => undefined,
    );
    for (const chunk of ['a', 'b', 'c']) {
      await expect(deadlines.read(Promise.resolve(chunk))).resolves.toBe(chunk);
      await pause(50); // the consumer is busy elsewhere, longer than idleMs
    }
    deadlines.stop();
  });

  it('runs onDue once when it comes, never after stop', async () => {
    const due: string[] = [];
    const fired = new Promise<void>((resolve) => {
      new StreamDeadlines(
        60_000,
        () => new Error('unused'),
        10,
        () => {
          due.push('first');
          resolve();
        },
      );
    });
    await fired;
    expect(due).toEqual(['first']);

    let stoppedDue = 0;
    const stopped = new StreamDeadlines(
      60_000,
      () => new Error('unused'),
      10,
      () => stoppedDue++,
    );
    stopped.stop();
    // The other deadline, armed later, firing is the signal that this one's time passed.
    await new Promise<void>((resolve) => {
      new StreamDeadlines(
        60_000,
        () => new Error('unused'),
        30,
        () => resolve(),
      );
    });
    expect(stoppedDue).toBe(0);
  });
});
