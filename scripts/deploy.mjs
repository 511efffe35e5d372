// `npm run deploy [-- --env production]`: wrangler deploy, with a warning when
// no environment is named, since the top level of wrangler.toml holds the
// development settings (ENVIRONMENT = "development": GraphiQL on, the local
// embedder, no AI binding).
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const named = args.findIndex((arg) => arg === '--env' || arg === '-e');
const environment =
  (named >= 0 ? args[named + 1] : undefined) ??
  args.find((arg) => arg.startsWith('--env='))?.slice('--env='.length) ??
  process.env.CLOUDFLARE_ENV;

if (environment !== 'production') {
  console.warn(
    `\n⚠  Deploying ${environment ? `environment "${environment}"` : 'the top-level (development) settings'} of wrangler.toml.\n` +
      '   For production run: npm run deploy -- --env production\n',
  );
}

const child = spawn('wrangler', ['deploy', ...args], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
