import type { GraphiQLOptions } from 'graphql-yoga';

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
  defaultHeaders: '{\n  "Authorization": "Bearer mk_…"\n}',
  defaultQuery: '# Your memory key goes under Headers below\n{\n  me {\n    id\n    name\n  }\n}\n',
};

/** Monaco asks for its workers by label; they are plain scripts beside GraphiQL. */
const WORKERS = `{ json: 'json.worker.js', graphql: 'graphql.worker.js' }`;

export function renderGraphiQLPage(options: GraphiQLOptions): string {
  // `<` escaped so nothing in the options can close the script element.
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
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
