/**
 * The API benches' command-line options, `--name value` and bare `--flag`.
 * Each bench names its own options and defaults; they all read them the same way.
 */
const argv = process.argv.slice(2);

/** The text after `--name`, or the fallback when the option is not given. */
export function textOption(name: string, fallback = ''): string {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
}

/** The number after `--name`, or the fallback when the option is not given. */
export function numberOption(name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

/** Whether the bare `--name` was given. */
export function hasFlag(name: string): boolean {
  return argv.includes(`--${name}`);
}
