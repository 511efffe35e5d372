// `npm run test:graphiql`: opens the development GraphiQL page in a real
// headless Chromium (Debian's `chromium`, driven by playwright-core), puts a
// memory key in the headers editor, runs `{ me { id } }` and checks the
// answer. Fails on any console error, failed request, or request leaving the
// server (the page must work offline). Saves a screenshot (GRAPHIQL_SCREENSHOT,
// default graphiql.png in the temp folder).
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
    const problems = [];
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

    // The headers editor opens prefilled with a placeholder key: replace it, as a user would.
    await page
      .getByRole('button', { name: /headers/i })
      .first()
      .click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headersEditor.waitFor({ state: 'visible' });
    // Monaco renders spaces as no-break spaces.
    const placeholder = (await headersEditor.innerText()).replace(/\s+/g, ' ');
    if (!placeholder.includes('Bearer mk_')) {
      problems.push(`headers editor not prefilled with a key placeholder: ${placeholder}`);
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
    const response = page.locator('.graphiql-response');
    await response.getByText(keyId).waitFor({ timeout: 30_000 });
    const answer = (await response.innerText()).replace(/\s+/g, ' ');
    if (!answer.includes('"me"') || !answer.includes(keyId)) {
      problems.push(`unexpected answer: ${answer}`);
    }
    await page.screenshot({ path: screenshot });

    if (problems.length > 0) {
      failed = true;
      console.error(`GraphiQL check failed:\n  ${problems.join('\n  ')}`);
    } else {
      console.log(
        `GraphiQL check passed: { me { id } } answered ${keyId}; screenshot ${screenshot}`,
      );
    }
  } catch (error) {
    failed = true;
    console.error(`GraphiQL check failed: ${error.message}`);
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
