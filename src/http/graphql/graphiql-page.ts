import { introspectionFromSchema, type IntrospectionQuery } from 'graphql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { schema } from '../../schema';

/**
 * The development GraphiQL page. Yoga's own page loads GraphiQL from a CDN,
 * so it stays blank offline; this one loads the same build from the Worker's
 * static assets under /graphiql/ (see scripts/build-graphiql.mjs), and opens
 * with a headers editor ready for a memory key.
 */
const ASSETS = '/graphiql';

export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'MemoryRouter GraphiQL',
  favicon: `${ASSETS}/favicon.ico`,
  // ASCII only: the browser's fetch refuses a header value outside ISO-8859-1
  // (an ellipsis, say), so a placeholder that is not would fail every request.
  // Left in place, it is refused as "neither a memory key nor an admin token".
  defaultHeaders: '{\n  "Authorization": "Bearer YOUR_MEMORY_KEY"\n}',
  defaultQuery:
    '# Your memory key goes under Headers below (npm run key:create prints one)\n{\n  me {\n    id\n    name\n  }\n}\n',
  // The headers hold the memory key: kept in memory only, never in
  // localStorage (where Yoga's GraphiQL would keep them by default).
  shouldPersistHeaders: false,
};

let introspection: IntrospectionQuery | undefined;

/**
 * The schema as GraphiQL's `schema` prop takes it. GraphiQL introspects once
 * per fetcher, with the headers of that moment, and not again when the
 * headers change: a first fetch that failed (a placeholder the browser would
 * not send) left Docs and autocompletion empty until a manual refetch. Given
 * the schema, the page needs no request for it at all; development serves
 * introspection to anyone, so nothing is shown that a request would not get.
 */
function schemaForGraphiQL(): IntrospectionQuery {
  introspection ??= introspectionFromSchema(schema, {
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  });
  return introspection;
}

/** Monaco asks for its workers by label; they are plain scripts beside GraphiQL. */
const WORKERS = `{ json: 'json.worker.js', graphql: 'graphql.worker.js' }`;

export function renderGraphiQLPage(options: GraphiQLOptions): string {
  // `<` escaped so nothing in the options can close the script element.
  const json = JSON.stringify({ ...options, schema: schemaForGraphiQL() }).replace(/</g, '\\u003c');
  const title = (options.title ?? 'GraphiQL').replace(/[<&"]/g, '');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${ASSETS}/favicon.ico" />
    <link rel="stylesheet" href="${ASSETS}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (_moduleId, label) => '${ASSETS}/' + (${WORKERS}[label] ?? 'editor.worker.js'),
      };
    </script>
    <script src="${ASSETS}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${json});
    </script>
  </body>
</html>
`;
}
