import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';

/**
 * The Worker called with its real bindings, except that every call made on
 * an account object's stub is counted (by method) before it goes through:
 * how the load simulation and the write-path tests see which requests reach
 * the account object.
 */
export function countingWorker() {
  const calls = new Map<string, number>();
  const countingStub = (stub: DurableObjectStub) =>
    new Proxy(stub, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof property !== 'string' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.set(property, (calls.get(property) ?? 0) + 1);
          // An RPC method is a callable proxy: call it, never read `.apply` off it.
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[property]!(
            ...args,
          );
        };
      },
    });
  const account = new Proxy(env.ACCOUNT, {
    get(target, property, receiver) {
      if (property === 'get')
        return (id: DurableObjectId) =>
          countingStub(target.get(id) as unknown as DurableObjectStub);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const countedEnv = { ...env, ACCOUNT: account } as Env;
  return {
    calls,
    total: () => [...calls.values()].reduce((sum, n) => sum + n, 0),
    reset: () => calls.clear(),
    async fetch(input: string, init?: RequestInit): Promise<Response> {
      const ctx = createExecutionContext();
      const request = new Request(input, init) as Parameters<typeof worker.fetch>[0];
      const response = await worker.fetch(request, countedEnv, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  };
}
