// `npm start` runs this after ensure-dev-vars.mjs: the checks the Worker makes
// on its first request (src/core/config-check.ts), made before wrangler dev starts,
// over wrangler.toml's [vars] (CLOUDFLARE_ENV or `--env` picks an environment),
// .dev.vars, and the `--var NAME:VALUE` overrides given to `npm start -- …`,
// which win over both as they do in wrangler dev. Names the variables at
// fault, never their values, and the bindings wrangler.toml lacks; settings
// that do nothing (config-check.ts ConfigWarning) are printed and do not stop it.
import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { checkDeployment, startCheckReport } from '../src/http/deployment-check';
import { wranglerOverrides } from '../src/core/wrangler-overrides';

const overrides = wranglerOverrides(process.argv.slice(2));
const environment = overrides.env ?? process.env.CLOUDFLARE_ENV;
const config = unstable_readConfig({
  config: 'wrangler.toml',
  ...(environment ? { env: environment } : {}),
});
const devVars = parseEnv(await readFile('.dev.vars', 'utf8').catch(() => ''));
const vars = {
  ...config.vars,
  ...devVars,
  ...overrides.vars,
  AI: config.ai ? {} : undefined,
};
// The bindings wrangler.toml makes (for the environment chosen), by name.
const bound = Object.fromEntries(
  [
    ...config.durable_objects.bindings.map((binding: { name: string }) => binding.name),
    ...config.r2_buckets.map((bucket: { binding: string }) => bucket.binding),
  ].map((name) => [name, true]),
);
const { lines, fatal } = startCheckReport(checkDeployment(vars, bound));
// Warnings (settings that do nothing) are printed and do not stop `npm start`.
for (const line of lines) console.error(line);
if (fatal) process.exit(1);
