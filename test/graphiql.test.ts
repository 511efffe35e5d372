import { describe, expect, it } from 'vitest';
import { BASE_URL, workerFetch } from './helpers/graphql';

/** The options the page hands GraphiQL, read back out of its script. */
async function graphiqlOptions(): Promise<Record<string, unknown>> {
  const response = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept: 'text/html' } });
  expect(response.headers.get('content-type')).toMatch(/text\/html/);
  const html = await response.text();
  const call = /renderYogaGraphiQL\(document\.getElementById\('root'\), (.*)\);\n/.exec(html);
  expect(call, 'the page renders GraphiQL with its options').not.toBeNull();
  return JSON.parse(call![1]!) as Record<string, unknown>;
}

describe('GraphiQL in development', () => {
  it('is served with its assets from the Worker, nothing from a CDN', async () => {
    // Before: the page loaded GraphiQL from unpkg and stayed on "Loading …" offline.
    const response = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(html).toContain('src="/graphiql/graphiql.js"');
    expect(html).toContain('href="/graphiql/graphiql.css"');
    // Nothing loaded from elsewhere (the schema's descriptions may still quote an address).
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('opens with a key placeholder a browser can send: ASCII, not persisted', async () => {
    const options = await graphiqlOptions();
    const headers = JSON.parse(options.defaultHeaders as string) as Record<string, string>;
    expect(Object.keys(headers)).toEqual(['Authorization']);
    // Before: "Bearer mk_…" with U+2026, which fetch refuses as a header value.
    expect(headers.Authorization).toMatch(/^Bearer [\x21-\x7e]+$/);
    // Before: unset, so Yoga's GraphiQL kept the key in localStorage.
    expect(options.shouldPersistHeaders).toBe(false);
  });

  it('carries the schema, so Docs and autocompletion need no request with the headers', async () => {
    const options = await graphiqlOptions();
    const schema = options.schema as {
      __schema: {
        queryType: { name: string };
        types: { name: string; fields?: { name: string }[] }[];
      };
    };
    // Before: no schema; GraphiQL fetched it once with the placeholder, and that failed.
    expect(schema.__schema.queryType.name).toBe('Query');
    const query = schema.__schema.types.find((type) => type.name === 'Query');
    expect(query?.fields?.map((field) => field.name)).toEqual(
      expect.arrayContaining(['me', 'search', 'vaults']),
    );
  });
});
