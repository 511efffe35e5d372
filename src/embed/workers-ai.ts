import { CodedError } from '../core/errors';
import type { Embedder } from './embedder';
import { EmbeddingRefused } from './embedding-errors';
import {
  DEFAULT_WORKERS_AI_MODEL,
  findWorkersAiModel,
  type WorkersAiModel,
} from './workers-ai-models';

/** The subset of the `AI` binding this embedder uses (the real binding takes `signal` among its options). */
export interface AiBinding {
  run(
    model: string,
    input: { text: string[] } & Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<unknown>;
}

export interface WorkersAiOptions {
  /** Catalog name of the model; see workers-ai-models.ts. */
  model?: string;
  /** How long one call may take before it counts as failed. */
  timeoutMs?: number;
  /** Further attempts after a failed call. */
  retries?: number;
  /** First pause before a retry; doubles each time. */
  retryDelayMs?: number;
}

/**
 * Characters per model token we can be sure of: English text averages about
 * four, so three keeps nearly every input inside the model's window without
 * cutting text the model would still have read.
 */
const CHARS_PER_TOKEN = 3;

/**
 * Calls in flight at once for one embedding (a bulk store or an import batch
 * of more than 100 texts). Two overlap one call's round trip with the next,
 * nearly halving the wait of a many-call batch, while one request never
 * bursts more than two calls at the account's per-minute Workers AI limit
 * (3,000 a minute for text embeddings, 1,500 for bge-large), which every
 * request and every re-embedding vault shares; and when one call fails for
 * good, at most one other is in flight to abort, and none is sent after it.
 */
export const EMBED_CALLS_AT_ONCE = 2;

/**
 * Workers AI's internal codes answered with HTTP 429 (developers.cloudflare.com
 * /workers-ai/platform/errors): the binding throws `"<code>: <description>"`
 * and gives no Retry-After, so the wait is ours to say.
 * 3036: the account's daily free allocation is used up, until 00:00 UTC;
 * 3040: out of capacity, no data centre to forward the call to, for now.
 */
const RATE_LIMIT_CODES: Record<string, { what: string; retryAfter: (now: number) => number }> = {
  '3036': { what: 'daily free allocation used up', retryAfter: secondsToUtcMidnight },
  '3040': { what: 'out of capacity', retryAfter: () => 10 },
};

type CallOutcome =
  | { ok: true; vectors: Float32Array[] }
  | { ok: false; problem: string; retryable: boolean }
  | { ok: false; rateLimited: { what: string; retryAfter: number } };

/**
 * Workers AI embeddings, used when the deployment binds `AI`. Texts go in
 * calls of at most the model's batch limit, EMBED_CALLS_AT_ONCE at a time;
 * each call has a timeout (a call past it is aborted, so it is not left
 * running and billed) and a failed call is retried a bounded number of times.
 * The first failure that remains aborts the calls in flight and sends no
 * more, and is raised before anything is written: UPSTREAM_ERROR with reason
 * EMBEDDING_FAILED (EmbeddingRefused when the answer was malformed), or
 * RATE_LIMITED (EMBEDDING_RATE_LIMITED, with `retryAfter` seconds) when
 * Workers AI answered 429.
 */
export class WorkersAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly spec: WorkersAiModel;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly ai: AiBinding,
    options: WorkersAiOptions = {},
  ) {
    this.spec = findWorkersAiModel(options.model || DEFAULT_WORKERS_AI_MODEL);
    this.model = this.spec.vectorsId;
    this.dimensions = this.spec.dimensions;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((text) => this.spec.queryPrefix + text));
  }

  embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts);
  }

  private async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const longest = this.spec.maxInputTokens * CHARS_PER_TOKEN;
    const inputs = texts.map((text) => (text.length > longest ? text.slice(0, longest) : text));
    const batches: string[][] = [];
    for (let start = 0; start < inputs.length; start += this.spec.maxTextsPerCall) {
      batches.push(inputs.slice(start, start + this.spec.maxTextsPerCall));
    }
    const vectors: Float32Array[][] = [];
    const stop = new AbortController();
    let next = 0;
    const worker = async () => {
      while (next < batches.length && !stop.signal.aborted) {
        const at = next++;
        try {
          vectors[at] = await this.callWithRetries(batches[at]!, stop.signal);
        } catch (error) {
          // One batch failed for good: the whole embedding has; the rest is not paid for.
          stop.abort(error);
          throw error;
        }
      }
    };
    const workers = Array.from({ length: Math.min(EMBED_CALLS_AT_ONCE, batches.length) }, worker);
    // Every failure aborts `stop` before its worker rejects, so the abort's
    // reason is the first failure, whichever worker settles last.
    await Promise.allSettled(workers);
    if (stop.signal.aborted) throw stop.signal.reason;
    return vectors.flat();
  }

  private async callWithRetries(batch: string[], stop: AbortSignal): Promise<Float32Array[]> {
    let lastProblem = '';
    let refused = false;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await delay(this.retryDelayMs * 2 ** (attempt - 1));
      if (stop.aborted) throw stop.reason;
      const outcome = await this.call(batch, stop);
      if (outcome.ok) return outcome.vectors;
      if ('rateLimited' in outcome) {
        // A rate limit is not over in 200 ms: retrying would spend the caller's
        // wait and add to the load that caused it. Say when to come back.
        const { what, retryAfter } = outcome.rateLimited;
        throw new CodedError(
          'RATE_LIMITED',
          `Workers AI is rate limiting this deployment's embeddings (${what}); try again in ${retryAfter} s`,
          'EMBEDDING_RATE_LIMITED',
          { retryAfter },
        );
      }
      lastProblem = outcome.problem;
      refused = !outcome.retryable;
      if (refused) break;
    }
    const message = `the embedding model did not answer: ${lastProblem}`;
    if (refused) throw new EmbeddingRefused(message);
    throw new CodedError('UPSTREAM_ERROR', message, 'EMBEDDING_FAILED');
  }

  private async call(batch: string[], stop: AbortSignal): Promise<CallOutcome> {
    // Its own signal: aborted at its timeout, or when another batch failed for good.
    const own = new AbortController();
    const abort = () => own.abort(stop.reason);
    stop.addEventListener('abort', abort);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    // Stops waiting at once, whether or not the binding honours the signal.
    const aborted = new Promise<never>((_, reject) => {
      own.signal.addEventListener('abort', () => reject(own.signal.reason as Error));
    });
    aborted.catch(() => {});
    let output: unknown;
    try {
      output = await Promise.race([
        this.ai.run(this.spec.name, { text: batch, ...this.spec.options }, { signal: own.signal }),
        timeout,
        aborted,
      ]);
    } catch (error) {
      if (stop.aborted) throw stop.reason;
      const limited = rateLimitOf(error);
      if (limited !== null) return { ok: false, rateLimited: limited };
      // Only the error's class name goes to the client: a message may quote input.
      const name = error instanceof Error ? error.name : 'error';
      return { ok: false, problem: `Workers AI failed (${name})`, retryable: true };
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', abort);
    }
    if (output === 'timeout') {
      // Not left running (and billed) while the retry runs beside it.
      own.abort(new Error('timed out'));
      return { ok: false, problem: `no answer within ${this.timeoutMs} ms`, retryable: true };
    }
    const rows = (output as { data?: unknown } | null)?.data;
    if (
      !Array.isArray(rows) ||
      rows.length !== batch.length ||
      !rows.every(
        (row) =>
          Array.isArray(row) &&
          row.length === this.dimensions &&
          row.every((value) => typeof value === 'number' && Number.isFinite(value)) &&
          row.some((value) => value !== 0),
      )
    ) {
      // A malformed answer says the model or its schema changed: retrying won't help.
      return { ok: false, problem: 'Workers AI returned malformed embeddings', retryable: false };
    }
    return { ok: true, vectors: rows.map((row: number[]) => unit(row)) };
  }
}

/** A 429 of Workers AI (by its internal code at the start of the message), with the wait to give. */
function rateLimitOf(error: unknown): { what: string; retryAfter: number } | null {
  const code = /^(\d{4}):/.exec(error instanceof Error ? error.message : String(error))?.[1];
  const limit = code === undefined ? undefined : RATE_LIMIT_CODES[code];
  return limit === undefined
    ? null
    : { what: limit.what, retryAfter: limit.retryAfter(Date.now()) };
}

/** Seconds until the next 00:00 UTC, when Workers AI's daily free allocation starts again; at least 1. */
function secondsToUtcMidnight(now: number): number {
  const day = 86_400_000;
  return Math.max(1, Math.ceil((Math.floor(now / day) * day + day - now) / 1000));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** bge vectors come normalised, but the vault's cosine needs it for certain. */
function unit(row: number[]): Float32Array {
  let sum = 0;
  for (const value of row) sum += value * value;
  const scale = 1 / Math.sqrt(sum);
  return Float32Array.from(row, (value) => value * scale);
}
