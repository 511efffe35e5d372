import { CodedError } from '../core/errors';
import type { Extractor } from './fact-extraction';

/**
 * Runs an extraction within EXTRACTION_TIMEOUT_MS, its model calls and
 * vault reads together: past it the calls are aborted and it fails TIMEOUT
 * (a failure that passes, as the provider's own TIMEOUT does), so a model
 * that never answers, or trickles keep-alives that no idle timeout catches,
 * holds the turn's receipt for a minute, not UPSTREAM_TIMEOUT_MS or more.
 */
export async function withinExtractionBound<T>(
  extractor: Extractor,
  run: (bounded: Extractor) => Promise<T>,
): Promise<T> {
  const ms = extractor.settings.extractionTimeoutMs;
  const bound = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CodedError(
        'UPSTREAM_ERROR',
        `fact extraction with ${extractor.provider} did not finish within ${ms} ms (EXTRACTION_TIMEOUT_MS)`,
        'TIMEOUT',
        { provider: extractor.provider, status: 504 },
      );
      bound.abort(error);
      reject(error);
    }, ms);
  });
  const running = run({ ...extractor, signal: AbortSignal.any([extractor.signal, bound.signal]) });
  // Aborted, it fails after the race is lost: nobody waits for that failure.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
