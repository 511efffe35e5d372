// `npm start` runs this after ensure-dev-vars.mjs: the checks the Worker makes
// on its first request (src/core/config-check.ts), made before wrangler dev starts,
// over wrangler.toml's [vars] (CLOUDFLARE_ENV picks an environment) and
// .dev.vars. Names the variables at fault, never their values.
import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { configurationProblems, describeProblems } from '../src/core/config-check';

const config = unstable_readConfig({
  config: 'wrangler.toml',
  ...(process.env.CLOUDFLARE_ENV ? { env: process.env.CLOUDFLARE_ENV } : {}),
});
const devVars = parseEnv(await readFile('.dev.vars', 'utf8').catch(() => ''));
const problems = configurationProblems({
  ...config.vars,
  ...devVars,
  AI: config.ai ? {} : undefined,
});
if (problems.length > 0) {
  console.error(
    `configuration error: ${describeProblems(problems)}.\n` +
      'Fix .dev.vars (secrets) or wrangler.toml [vars], then run `npm start` again; ' +
      'until then every request would answer CONFIGURATION_ERROR.',
  );
  process.exit(1);
}
