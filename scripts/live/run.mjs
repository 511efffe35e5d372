// `npm run test:live`: the checks that need a running server, against one
// fresh `wrangler dev` (or MEMORYROUTER_URL): every README block, then
// GraphiQL in headless Chromium. Prints one line per check and a last line
// "live checks: N passed, N failed, N skipped" (README blocks and the GraphiQL
// check), also written as JSON to $LIVE_REPORT when set (.ci/run reads it).
import { writeFileSync } from 'node:fs';
import { devServer } from './dev-server.mjs';
import { checkGraphiQL } from './graphiql-check.mjs';
import { readmePassed, runReadme } from './readme-test.mjs';

const counts = { passed: 0, failed: 0, skipped: 0 };
const results = {};
const report = () => {
  for (const [check, ok] of Object.entries(results))
    console.log(`live check ${check}: ${ok ? 'passed' : 'FAILED'}`);
  console.log(
    `live checks: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  if (process.env.LIVE_REPORT) writeFileSync(process.env.LIVE_REPORT, JSON.stringify(counts));
};

let server;
try {
  server = await devServer();
} catch (error) {
  console.error(`the dev server did not start: ${error.message}`);
  counts.failed++;
  results.server = false;
  report();
  process.exit(1);
}
try {
  try {
    const readme = await runReadme(server.url);
    counts.passed += readme.passed;
    counts.failed += readme.failed;
    counts.skipped += readme.skipped;
    results.readme = readmePassed(readme);
    if (!results.readme && readme.failed === 0) counts.failed++; // nothing ran at all
  } catch (error) {
    console.error(`README test failed: ${error.message}`);
    results.readme = false;
    counts.failed++;
  }
  results.graphiql = await checkGraphiQL(server.url).catch((error) => {
    console.error(`GraphiQL check failed: ${error.message}`);
    return false;
  });
  counts[results.graphiql ? 'passed' : 'failed']++;
} finally {
  await server.stop();
}
report();
process.exit(Object.values(results).every(Boolean) ? 0 : 1);
