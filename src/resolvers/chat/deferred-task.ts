/**
 * Work that must happen but must not delay a chat's first token (metering
 * the injected memory): it runs once, when `start()` is called (a GraphQL
 * chat: the caller took its first event; a drop-in route: the answer ended,
 * broke or was cancelled), or `ms` after `startWithin(ms)` if nothing started
 * it by then, so an answer that is never read nor cancelled still gets it
 * done. The caller hands `done` to ctx.waitUntil, so it finishes even if the
 * client leaves.
 */
export interface DeferredTask {
  start(): void;
  startWithin(ms: number): void;
  done: Promise<void>;
}

export function deferredTask(run: () => Promise<void>): DeferredTask {
  let begin!: () => void;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  const done = new Promise<void>((resolve) => (begin = resolve)).then(run);
  const start = () => {
    started = true;
    clearTimeout(timer);
    begin();
  };
  return {
    start,
    startWithin: (ms) => {
      // Once started, a fallback timer would only keep the isolate busy.
      if (!started) timer ??= setTimeout(start, ms);
    },
    done,
  };
}

/**
 * The latest a chat's metering starts: this long after the answer began
 * (GraphQL, which otherwise starts it when the caller takes the first event)
 * or after its first event was taken (drop-in routes, which otherwise start
 * it when the answer ends).
 */
export const METER_START_LATEST_MS = 1_000;
