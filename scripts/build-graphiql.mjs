// Writes GraphiQL's assets (Yoga's GraphiQL build: script, styles, Monaco
// workers, icon) to assets/graphiql/ (not committed), served by the Worker from its
// static assets, so the page works offline. They ship as static assets, not
// in the Worker bundle: 2.4 MB gzipped would not fit the 3 MB Worker limit.
// Run by wrangler as the [build] command; does nothing when already current.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const target = new URL('../assets/graphiql/', import.meta.url);
const { version } = createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json');
// Outside the served folder: the version of what is there.
const stamp = new URL('../dist/graphiql-version', import.meta.url);

if ((await readFile(stamp, 'utf8').catch(() => null)) === version) process.exit(0);

const { css, js, editorWorkerService, jsonWorker, graphqlWorker, favicon } =
  await import('@graphql-yoga/render-graphiql/graphiql');
await mkdir(target, { recursive: true });
await mkdir(new URL('.', stamp), { recursive: true });
const files = {
  'graphiql.css': css,
  'graphiql.js': js,
  'editor.worker.js': editorWorkerService,
  'json.worker.js': jsonWorker,
  'graphql.worker.js': graphqlWorker,
  'favicon.ico': Buffer.from(favicon.replace(/^data:[^,]*;base64,/, ''), 'base64'),
};
for (const [name, contents] of Object.entries(files))
  await writeFile(new URL(name, target), contents);
await writeFile(stamp, version);
console.log(`GraphiQL ${version} assets written to assets/graphiql/`);
