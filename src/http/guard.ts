import { configurationProblems, describeProblems, type ConfigProblem } from '../config-check';
import { CONFIGURATION_ERROR } from '../errors';
import { discardBody } from '../request-body';

type FetchHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/** Checked once per isolate (per env object): variables cannot change while it lives. */
const verdicts = new WeakMap<object, ConfigProblem[]>();

function problemsOf(env: Env): ConfigProblem[] {
  let problems = verdicts.get(env);
  if (problems === undefined) {
    problems = configurationProblems(env as unknown as Record<string, unknown>);
    verdicts.set(env, problems);
    if (problems.length > 0) console.error(`configuration error: ${describeProblems(problems)}`);
  }
  return problems;
}

/**
 * Wraps the Worker's fetch handler: while the configuration is invalid every
 * request gets CONFIGURATION_ERROR (503) in its route's own error shape, and
 * an error no route handled becomes a coded 500 rather than a stack trace.
 */
export function guarded(handler: FetchHandler): FetchHandler {
  return async (request, env, ctx) => {
    const problems = problemsOf(env);
    if (problems.length > 0) {
      await discardBody(request);
      return configurationErrorResponse(new URL(request.url).pathname, problems);
    }
    try {
      return await handler(request, env, ctx);
    } catch (error) {
      console.error(
        'unexpected error',
        error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
      );
      return Response.json(
        {
          errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        },
        { status: 500 },
      );
    }
  };
}

export function configurationErrorResponse(
  pathname: string,
  problems: readonly ConfigProblem[],
): Response {
  const variables = [...new Set(problems.map((problem) => problem.variable))];
  const message = `the server is misconfigured: ${describeProblems(problems)}. Set secrets with \`wrangler secret put\` (locally in .dev.vars) and variables in wrangler.toml, then restart.`;
  const code = CONFIGURATION_ERROR;
  const reply = (body: unknown) => Response.json(body, { status: 503 });
  if (pathname === '/v1/chat/completions') {
    return reply({ error: { message, type: 'server_error', param: null, code } });
  }
  if (pathname === '/v1/messages') {
    return reply({ type: 'error', error: { type: 'api_error', message, code } });
  }
  if (pathname.startsWith('/v1/vaults/')) return reply({ error: { code, message, variables } });
  if (pathname === '/stripe/webhook') return reply({ error: message });
  if (pathname === '/' || pathname === '/health') {
    return reply({ service: 'memoryrouter', status: 'misconfigured', code, problems });
  }
  return reply({ errors: [{ message, extensions: { code, variables } }] });
}
