import { describe, expect, it } from 'vitest';
import { BASE_URL, workerFetch } from './helpers/graphql';

describe('GraphiQL in development', () => {
  it('is served with its assets from the Worker, nothing from a CDN, with a key placeholder', async () => {
    // Before: the page loaded GraphiQL from unpkg and stayed on "Loading …" offline.
    const response = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('src="/graphiql/graphiql.js"');
    expect(html).toContain('href="/graphiql/graphiql.css"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('\\"Authorization\\": \\"Bearer mk_…\\"');
  });
});
