import { afterEach, beforeEach } from 'vitest';
import worker from '../../src/index';

type FetchHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/**
 * The Worker with `vars` over its bindings for the length of `run`, for a
 * test whose claim needs one variable set otherwise than in its project: a
 * project of its own would cost two workerd start-ups per run (ARCHITECTURE.md,
 * "Test pool"). Only the Worker's requests see them (the Durable Objects keep
 * the project's env), so use it for variables the Worker reads per request.
 * The runtime reads the default export's `fetch` on each request
 * (test/setup/worker-tasks.ts wraps it the same way); a request keeps the env
 * it began with, so a stream started inside `run` keeps `vars` to its end.
 */
export async function withWorkerVars<T>(
  vars: Record<string, string>,
  run: () => Promise<T>,
): Promise<T> {
  const handler = worker as unknown as { fetch: FetchHandler };
  const fetch = handler.fetch;
  handler.fetch = (request, env, ctx) => fetch(request, { ...env, ...vars } as Env, ctx);
  try {
    return await run();
  } finally {
    handler.fetch = fetch;
  }
}

/**
 * `withWorkerVars` around each test of the calling file (or describe block):
 * test/production runs the Worker with ENVIRONMENT "production" this way in
 * the development project, every use of which the Worker makes per request.
 */
export function useWorkerVars(vars: Record<string, string>): void {
  let restore: (() => void) | null = null;
  beforeEach(() => {
    const handler = worker as unknown as { fetch: FetchHandler };
    const fetch = handler.fetch;
    handler.fetch = (request, env, ctx) => fetch(request, { ...env, ...vars } as Env, ctx);
    restore = () => {
      handler.fetch = fetch;
    };
  });
  afterEach(() => {
    restore?.();
    restore = null;
  });
}
