// `npm run test:graphiql`: opens the development GraphiQL page in a real
// headless Chromium (Debian's `chromium`, driven by playwright-core) as a
// newcomer does, with a fresh profile: the response pane must hold no error
// and Docs must show the schema (the Query type's fields) before any key is
// given. It then puts a memory key in the headers editor, runs `{ me { id } }`
// and checks the answer, and that localStorage holds no memory key. Fails on
// any console error, failed request, or request leaving the server (the page
// must work offline). Saves a screenshot (GRAPHIQL_SCREENSHOT, default
// graphiql.png in the temp folder) of the answer with Docs open.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { devServer } from './dev-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshot = process.env.GRAPHIQL_SCREENSHOT ?? join(tmpdir(), 'graphiql.png');

async function createKey(url) {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['bin/memoryrouter.mjs', 'keys', 'create', '--name', 'graphiql check'],
    { env: { ...process.env, MEMORYROUTER_URL: url } },
  );
  const keyId = /created (key_[0-9a-f]+)/.exec(stderr)?.[1];
  if (!keyId) throw new Error(`could not create a key: ${stderr}`);
  return { secret: stdout.trim(), keyId };
}

/** Runs the check against the server at `url`; resolves to true when it passes. */
export async function checkGraphiQL(url) {
  const profile = await mkdtemp(join(tmpdir(), 'memoryrouter-chromium-'));
  let context;
  let page;
  let failed = false;
  const problems = [];
  try {
    const { secret, keyId } = await createKey(url);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    const origin = new URL(url).origin;
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    page.on('request', (request) => {
      const target = new URL(request.url());
      if (
        ['http:', 'https:', 'ws:', 'wss:'].includes(target.protocol) &&
        target.origin !== origin
      ) {
        problems.push(`request leaving the server: ${request.url()}`);
      }
    });

    await page.goto(`${url}/graphql`, { waitUntil: 'load' });
    // GraphiQL is up once its query editor shows the default operation.
    await page
      .locator('.graphiql-query-editor .monaco-editor')
      .first()
      .waitFor({ timeout: 60_000 });
    await page.getByText('me', { exact: true }).first().waitFor({ timeout: 30_000 });

    // As a newcomer finds it: nothing in the response pane (before: "Failed to
    // execute 'fetch' on 'Window'", the schema fetch sent a non-ASCII header).
    const response = page.locator('.graphiql-response');
    const untouched = (await response.innerText()).trim();
    if (untouched !== '') problems.push(`response pane not empty on opening: ${untouched}`);

    // Docs shows the schema: the Query type and its fields (before: "Error fetching schema").
    await page
      .locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]')
      .click();
    const docs = page.locator('section.graphiql-doc-explorer');
    await docs
      .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
      .first()
      .click();
    const fieldNames = docs.locator('a.graphiql-doc-explorer-field-name');
    await fieldNames.first().waitFor({ timeout: 30_000 });
    const fields = await fieldNames.allInnerTexts();
    for (const field of ['me', 'search', 'vaults']) {
      if (!fields.includes(field))
        problems.push(`Docs shows no Query.${field}: ${fields.join(', ')}`);
    }
    const docsText = (await docs.innerText()).replace(/\s+/g, ' ');
    if (/error/i.test(docsText)) problems.push(`Docs shows an error: ${docsText.slice(0, 300)}`);

    // The headers editor opens prefilled with a placeholder a browser can send: replace it, as a user would.
    await page
      .getByRole('button', { name: /headers/i })
      .first()
      .click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headersEditor.waitFor({ state: 'visible' });
    // Monaco renders spaces as no-break spaces.
    const placeholder = (await headersEditor.innerText()).replace(/\s+/g, ' ');
    if (!/"Authorization": "Bearer [\x21-\x7e]+"/.test(placeholder)) {
      problems.push(`headers editor not prefilled with an ASCII key placeholder: ${placeholder}`);
    }
    // Pasted, not typed: the editor would close the braces and quotes typed into it.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await page.evaluate(
      (text) => navigator.clipboard.writeText(text),
      JSON.stringify({ Authorization: `Bearer ${secret}` }),
    );
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');

    await page.locator('.graphiql-execute-button').click();
    // Monaco wraps long lines (the key id, beside Docs): compare without whitespace.
    await page.waitForFunction(
      (id) =>
        globalThis.document
          .querySelector('.graphiql-response')
          ?.innerText.replace(/\s+/g, '')
          .includes(id),
      keyId,
      { timeout: 30_000 },
    );
    const answer = (await response.innerText()).replace(/\s+/g, '');
    if (!answer.includes('"me"') || !answer.includes(keyId)) {
      problems.push(`unexpected answer: ${answer}`);
    }

    // The key stays out of localStorage (before: graphiql:headers and
    // graphiql:tabState held it). GraphiQL stores the headers and the tabs a
    // moment after each edit: edit the query after the headers and wait until
    // the stored tab shows that edit, so anything the headers edit would
    // store has been stored too, then look.
    await page.locator('.graphiql-query-editor .monaco-editor').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# ran');
    await page.waitForFunction(
      () => (localStorage.getItem('graphiql:tabState') ?? '').includes('# ran'),
      undefined,
      { timeout: 10_000 },
    );
    const stored = await page.evaluate(() => Object.entries(localStorage));
    const holding = stored.filter(([, value]) => value.includes('mk_')).map(([name]) => name);
    if (holding.length > 0)
      problems.push(`localStorage holds a memory key in ${holding.join(', ')}`);
    await page.screenshot({ path: screenshot });

    if (problems.length > 0) {
      failed = true;
      console.error(`GraphiQL check failed:\n  ${problems.join('\n  ')}`);
    } else {
      console.log(
        `GraphiQL check passed: Docs showed the schema, { me { id } } answered ${keyId}, no key in localStorage; screenshot ${screenshot}`,
      );
    }
  } catch (error) {
    failed = true;
    console.error(
      `GraphiQL check failed: ${error.message}${problems.map((problem) => `\n  ${problem}`).join('')}`,
    );
    await page?.screenshot({ path: screenshot }).catch(() => {});
    console.error(`screenshot of the failure: ${screenshot}`);
  } finally {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  }
  return !failed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await devServer();
  let ok = false;
  try {
    ok = await checkGraphiQL(server.url);
  } finally {
    await server.stop();
  }
  process.exit(ok ? 0 : 1);
}
