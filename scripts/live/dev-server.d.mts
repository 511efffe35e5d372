/** A local `wrangler dev` for live checks and the API bench (dev-server.mjs). */
export function devServer(options?: {
  timeoutMs?: number;
  /** Extra `--var NAME:VALUE` settings. */
  vars?: Record<string, string>;
  /** Ports to listen on (else MEMORYROUTER_TEST_PORT / _INSPECTOR_PORT, else free ones). */
  port?: number;
  inspectorPort?: number;
  /** Extra arguments to `wrangler dev`. */
  args?: string[];
  /** Extra environment of the wrangler process. */
  env?: Record<string, string>;
}): Promise<{ url: string; stop: () => Promise<void>; log: string[] }>;
