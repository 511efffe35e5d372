/**
 * Work that must happen but must not delay a chat's first token (metering
 * the injected memory): it runs once, when `start()` is called (the client
 * has its first event, or the stream ended or was given up before), or
 * `ms` after `startWithin(ms)` if nothing started it by then, so an answer
 * that is never read nor cancelled still gets it done. The caller hands
 * `done` to ctx.waitUntil, so it finishes even if the client leaves.
 */
export interface DeferredTask {
  start(): void;
  startWithin(ms: number): void;
  done: Promise<void>;
}

export function deferredTask(run: () => Promise<void>): DeferredTask {
  let begin!: () => void;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => (begin = resolve)).then(run);
  const start = () => {
    clearTimeout(timer);
    begin();
  };
  return {
    start,
    startWithin: (ms) => {
      timer ??= setTimeout(start, ms);
    },
    done,
  };
}

/** Chat metering starts when the answer ends, or at the latest this long after it began (GraphQL) or its first event was taken (drop-in routes). */
export const METER_START_LATEST_MS = 1_000;
