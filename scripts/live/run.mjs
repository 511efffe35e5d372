// `npm run test:live`: the checks that need a running server, against one
// fresh `wrangler dev` (or MEMORYROUTER_URL): every README block, then
// GraphiQL in headless Chromium. Prints one line per check and fails if any does.
import { devServer } from './dev-server.mjs';
import { checkGraphiQL } from './graphiql-check.mjs';
import { runReadme } from './readme-test.mjs';

const server = await devServer();
const results = {};
try {
  results.readme = await runReadme(server.url).catch((error) => {
    console.error(`README test failed: ${error.message}`);
    return false;
  });
  results.graphiql = await checkGraphiQL(server.url);
} finally {
  await server.stop();
}
for (const [check, ok] of Object.entries(results))
  console.log(`live check ${check}: ${ok ? 'passed' : 'FAILED'}`);
process.exit(Object.values(results).every(Boolean) ? 0 : 1);
