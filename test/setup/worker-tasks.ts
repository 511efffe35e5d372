// Every workerd project: the Worker's ctx.waitUntil work is recorded
// (test/helpers/worker-tasks.ts), so resetFakes can wait for what earlier
// tests left running before it forgets the fakes' calls. Files share one
// runner (vitest.config.ts), so without it a chat turn remembered after the
// previous file ended could reach a fake after this file's reset.
//
// The test isolate shares the Worker's modules, and the runtime reads the
// default export's `fetch` on each request, so wrapping it here reaches
// every request a test sends (exports.default.fetch, SELF).
import worker from '../../src/index';
import { recordWorkerTask } from '../helpers/worker-tasks';

type FetchHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;
const TRACKED = Symbol.for('memoryrouter.test.worker-tasks');

const handler = worker as unknown as { fetch: FetchHandler; [TRACKED]?: true };
if (!handler[TRACKED]) {
  const fetch = handler.fetch;
  handler.fetch = (request, env, ctx) => fetch(request, env, tracking(ctx));
  handler[TRACKED] = true;
}

/** The same context, its waitUntil also recording the task. */
function tracking(ctx: ExecutionContext): ExecutionContext {
  return new Proxy(ctx, {
    get(target, name) {
      if (name === 'waitUntil')
        return (task: Promise<unknown>) => {
          recordWorkerTask(task);
          target.waitUntil(task);
        };
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
