/** A local `wrangler dev` for live checks and the API bench (dev-server.mjs). */
export function devServer(options?: {
  timeoutMs?: number;
  /** Extra `--var NAME:VALUE` settings. */
  vars?: Record<string, string>;
}): Promise<{ url: string; stop: () => Promise<void>; log: string[] }>;
