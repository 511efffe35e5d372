import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isMemoryRouterError } from '@memoryrouter/client';

export interface AsyncState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and on reload), keeping only the latest
 * answer. A failed reload keeps the last data on screen (a network blip should
 * not blank the page), except when the key is refused: what a revoked key
 * showed must not stay visible beside the banner.
 *
 * Reloads are coalesced: while a load is running, any number of `reload`
 * calls queue one more load, started when it ends. The screen still ends
 * on an answer read after the last call, but a burst of live events (a
 * 1,000-line import into the vault on screen) costs two reads, not 1,000.
 * A change of `deps` starts its load at once (what an earlier one answers
 * is dropped) and clears what the old inputs showed.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  // Whether the latest load is due or running, and whether a reload waits for it.
  const running = useRef(false);
  const queued = useRef(false);
  // What the last load was for: a reload keeps its data on screen while the
  // next answer is read, but data for other inputs (another vault) must not
  // stand under the new heading meanwhile, with buttons that act on it.
  const loadedFor = useRef<unknown[] | null>(null);
  useEffect(() => {
    const run = ++latest.current;
    running.current = true;
    const sameInputs =
      loadedFor.current !== null &&
      loadedFor.current.length === deps.length &&
      loadedFor.current.every((value, i) => Object.is(value, deps[i]));
    loadedFor.current = deps;
    setState((previous) =>
      sameInputs ? { ...previous, loading: true } : { data: null, error: null, loading: true },
    );
    const settle = (next: (previous: typeof state) => typeof state) => {
      if (run !== latest.current) return;
      running.current = false;
      if (queued.current) {
        // Another load follows at once: this answer is already older than a change.
        queued.current = false;
        setGeneration((value) => value + 1);
      }
      setState(next);
    };
    load().then(
      (data) => settle(() => ({ data, error: null, loading: false })),
      (error: unknown) =>
        settle((previous) => ({
          data: isMemoryRouterError(error, 'UNAUTHENTICATED') ? null : previous.data,
          error,
          loading: false,
        })),
    );
  }, [...deps, generation]);
  const reload = useCallback(() => {
    if (running.current) {
      queued.current = true;
      return;
    }
    // Counted as running from now: reloads before the effect starts it queue too.
    running.current = true;
    setGeneration((value) => value + 1);
  }, []);
  return { ...state, reload };
}
