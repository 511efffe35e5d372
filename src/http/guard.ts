import {
  bindingProblems,
  configurationProblems,
  describeProblems,
  type ConfigProblem,
} from '../core/config-check';
import { embedderProblems } from '../embed/embedder-config';
import { logError } from '../core/request-log';

/** Checked once per isolate (per env object): variables cannot change while it lives. */
const verdicts = new WeakMap<object, ConfigProblem[]>();

/**
 * What is wrong with the deployment's variables, secrets and bindings
 * (src/core/config-check.ts, and the embedder's: src/embed/embedder-config.ts),
 * logged once for the operator, names only. While the list is not empty the
 * HTTP layer answers every request with CONFIGURATION_ERROR (503) in its
 * route's own error shape, naming the variables and never their values.
 */
export function configurationProblemsOf(env: Env): ConfigProblem[] {
  let problems = verdicts.get(env);
  if (problems === undefined) {
    const vars = env as unknown as Record<string, unknown>;
    problems = [
      ...configurationProblems(vars),
      ...embedderProblems(vars),
      ...bindingProblems(vars),
    ];
    verdicts.set(env, problems);
    if (problems.length > 0) logError(`configuration error: ${describeProblems(problems)}`);
  }
  return problems;
}

/**
 * The message of a CONFIGURATION_ERROR, the variables it names and its
 * reason: the first problem's (e.g. KEY_HMAC_SECRET_NOT_SET), so a client
 * switching on `reason` learns what to fix first; the message and
 * `variables` name every problem.
 */
export function configurationError(problems: readonly ConfigProblem[]): {
  message: string;
  variables: string[];
  reason: string;
} {
  return {
    message: `the server is misconfigured: ${describeProblems(problems)}. Set secrets with \`wrangler secret put\` (locally in .dev.vars) and variables in wrangler.toml, then restart.`,
    variables: [...new Set(problems.map((problem) => problem.variable))],
    reason: problems[0]!.reason,
  };
}
