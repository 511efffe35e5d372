import {
  bindingProblems,
  configurationProblems,
  describeProblems,
  type ConfigProblem,
  type ConfigWarning,
} from '../core/config-check';
import { embedderProblems, embedderWarnings } from '../embed/embedder-config';

/**
 * The whole configuration check of a deployment, made alike by the Worker
 * (guard.ts, once per isolate) and by `npm start` before wrangler dev
 * (scripts/check-config.ts): problems (fatal: every request answers
 * CONFIGURATION_ERROR) and warnings (settings that do nothing; never fatal).
 * Here, not in core, because the embedder's part needs the model catalog.
 */
export interface DeploymentCheck {
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
}

/** `bindings`: the Worker's env, or, for `npm start`, the names wrangler.toml binds. */
export function checkDeployment(
  vars: Record<string, unknown>,
  bindings: Record<string, unknown> = vars,
): DeploymentCheck {
  return {
    problems: [
      ...configurationProblems(vars),
      ...embedderProblems(vars),
      ...bindingProblems(bindings),
    ],
    warnings: embedderWarnings(vars),
  };
}

/**
 * What `npm start` prints before wrangler dev: each warning, then the error
 * if any (`fatal`: it stops there). Names the variables, never their values.
 */
export function startCheckReport({ problems, warnings }: DeploymentCheck): {
  lines: string[];
  fatal: boolean;
} {
  const lines =
    warnings.length > 0 ? [`configuration warning: ${describeProblems(warnings)}.`] : [];
  if (problems.length > 0) {
    lines.push(
      `configuration error: ${describeProblems(problems)}.\n` +
        'Fix .dev.vars (secrets), wrangler.toml ([vars], bindings) or the --var given to `npm start`, ' +
        'then run `npm start` again; until then every request would answer CONFIGURATION_ERROR.',
    );
  }
  return { lines, fatal: problems.length > 0 };
}
