import { describeProblems, type ConfigProblem } from '../core/config-check';
import { logError, logWarn } from '../core/request-log';
import { checkDeployment } from './deployment-check';

/** Checked once per isolate (per env object): variables cannot change while it lives. */
const verdicts = new WeakMap<object, ConfigProblem[]>();

/**
 * What is wrong with the deployment's variables, secrets and bindings
 * (src/core/config-check.ts, and the embedder's: src/embed/embedder-config.ts),
 * logged once for the operator, names only, with the warnings (settings
 * that do nothing, e.g. EMBEDDING_MODEL with the local embedder), which
 * change no answer. While the list is not empty the
 * HTTP layer answers every request with CONFIGURATION_ERROR (503) in its
 * route's own error shape, naming the variables and never their values.
 */
export function configurationProblemsOf(env: Env): ConfigProblem[] {
  let problems = verdicts.get(env);
  if (problems === undefined) {
    const check = checkDeployment(env as unknown as Record<string, unknown>);
    problems = check.problems;
    verdicts.set(env, problems);
    if (problems.length > 0) logError(`configuration error: ${describeProblems(problems)}`);
    // Settings that do nothing: said once, never a request failed for them.
    const { warnings } = check;
    if (warnings.length > 0) logWarn(`configuration warning: ${describeProblems(warnings)}`);
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
