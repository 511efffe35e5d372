import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';

// wrangler dev's local trace collector (on unless X_LOCAL_OBSERVABILITY=false)
// streams every invocation, each Durable Object call included, into a
// tracing object on the same workerd thread: ~1–1.5 ms of CPU a call, which
// every vault call paid locally and production never does (BENCHMARKS.md,
// i13-docall). `npm start` and the live server run without it.
describe('the local dev server', () => {
  it('runs without wrangler’s local trace collector, as `npm start` does', async () => {
    const response = await fetch(
      `${inject('liveUrl')}/cdn-cgi/local/explorer/api/local/observability/query`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT count(*) AS spans FROM spans' }),
      },
    );
    expect(response.status).toBe(404);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(/observability is not enabled/i);

    const { scripts } = JSON.parse(await readFile('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.start).toMatch(/\bX_LOCAL_OBSERVABILITY=false (exec )?wrangler dev\b/);
  });
});
