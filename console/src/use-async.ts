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
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => run === latest.current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        run === latest.current &&
        setState((previous) => ({
          data: isMemoryRouterError(error, 'UNAUTHENTICATED') ? null : previous.data,
          error,
          loading: false,
        })),
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
