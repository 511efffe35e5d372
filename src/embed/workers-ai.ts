import { CodedError } from '../core/errors';
import type { Embedder } from './embedder';
import {
  DEFAULT_WORKERS_AI_MODEL,
  findWorkersAiModel,
  type WorkersAiModel,
} from './workers-ai-models';

/** The subset of the `AI` binding this embedder uses. */
export interface AiBinding {
  run(model: string, input: { text: string[] } & Record<string, unknown>): Promise<unknown>;
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
 * Workers AI embeddings, used when the deployment binds `AI`. Texts go in
 * calls of at most the model's batch limit; each call has a timeout and
 * failed calls are retried a bounded number of times. A failure that
 * remains is UPSTREAM_ERROR with reason EMBEDDING_FAILED, raised before
 * anything is written.
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
    const vectors = await Promise.all(batches.map((batch) => this.callWithRetries(batch)));
    return vectors.flat();
  }

  private async callWithRetries(batch: string[]): Promise<Float32Array[]> {
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await delay(this.retryDelayMs * 2 ** (attempt - 1));
      const outcome = await this.call(batch);
      if (outcome.ok) return outcome.vectors;
      lastProblem = outcome.problem;
      if (!outcome.retryable) break;
    }
    throw new CodedError(
      'UPSTREAM_ERROR',
      `the embedding model did not answer: ${lastProblem}`,
      'EMBEDDING_FAILED',
    );
  }

  private async call(
    batch: string[],
  ): Promise<
    { ok: true; vectors: Float32Array[] } | { ok: false; problem: string; retryable: boolean }
  > {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    let output: unknown;
    try {
      output = await Promise.race([
        this.ai.run(this.spec.name, { text: batch, ...this.spec.options }),
        timeout,
      ]);
    } catch (error) {
      // Only the error's class name goes to the client: a message may quote input.
      const name = error instanceof Error ? error.name : 'error';
      return { ok: false, problem: `Workers AI failed (${name})`, retryable: true };
    } finally {
      clearTimeout(timer);
    }
    if (output === 'timeout') {
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
