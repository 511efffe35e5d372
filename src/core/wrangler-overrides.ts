/**
 * The variables and environment a `wrangler dev` command line overrides
 * (`--var NAME:VALUE`, several after one flag or one per flag, and
 * `--env`/`-e`), read as wrangler reads them (the first `:` splits name from
 * value), so `npm start -- --var …` checks the configuration wrangler will
 * actually run with (scripts/check-config.ts).
 */
export function wranglerOverrides(args: readonly string[]): {
  vars: Record<string, string>;
  env: string | null;
} {
  const vars: Record<string, string> = {};
  let env: string | null = null;
  const addVar = (pair: string) => {
    const [name = '', ...value] = pair.split(':');
    vars[name] = value.join(':');
  };
  for (let at = 0; at < args.length; at++) {
    const arg = args[at]!;
    if (arg.startsWith('--var=')) addVar(arg.slice('--var='.length));
    else if (arg === '--var') {
      while (at + 1 < args.length && !args[at + 1]!.startsWith('-')) addVar(args[++at]!);
    } else if (arg.startsWith('--env=')) env = arg.slice('--env='.length);
    else if ((arg === '--env' || arg === '-e') && at + 1 < args.length) env = args[++at]!;
  }
  return { vars, env };
}
