import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient, type MemoryRouterClient } from '@memoryrouter/client';
import { newMemoryKey, revokeMemoryKey } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PHONE = { width: 390, height: 844 };

/**
 * The web console in headless Chromium against the live Worker, as a person
 * uses it: sign in, browse what the API stored, delete, clear, search,
 * import with progress, export, usage; at desktop and phone width. Any
 * console error or uncaught exception in the page fails the suite.
 * Screenshots go to SCREENSHOT_DIR, or a temporary folder (printed).
 */
describe('web console at /console', () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let shots: string;
  let key: string;
  let api: MemoryRouterClient;
  /** A key with more vaults than a page holds (its own account). */
  let manyKey: string;
  const pageErrors: string[] = [];

  const console_ = () => `${inject('liveUrl')}/console/`;
  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'memoryrouter-chromium-'));
    shots = process.env.SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'memoryrouter-console-')));
    await mkdir(shots, { recursive: true });
    console.warn(`console screenshots: ${shots}`);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: inject('chromium'),
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
      viewport: { width: 1200, height: 900 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));

    key = await newMemoryKey('console test');
    api = createClient({ url: inject('liveUrl'), key });
    const now = Date.now();
    // Memories spread over every KRONOS window, stored through the API.
    await api.storeMany([
      {
        content: 'I am allergic to peanuts',
        metadata: { topic: 'health' },
        createdAt: iso(now - HOUR),
      },
      { content: 'My favourite colour is teal', createdAt: iso(now - 2 * DAY) },
      {
        content: 'I adopted a cat called Miso',
        metadata: { topic: 'pets' },
        createdAt: iso(now - 30 * DAY),
      },
      { content: 'I grew up by the sea in Lisbon', createdAt: iso(now - 400 * DAY) },
      ...Array.from({ length: 20 }, (_, index) => ({
        content: `Meeting note ${index + 1}: the project review moved`,
        metadata: { topic: 'work' },
        createdAt: iso(now - 5 * DAY - index * HOUR),
      })),
    ]);
    await api.store({
      content: 'Planning a trip to Kyoto in April',
      vault: { kind: 'SESSION', id: 'user-42' },
    });
    await api.store({
      content: 'This conversation is about a birthday present',
      vault: { kind: 'EPHEMERAL', id: 'chat-7' },
    });
    await api.store({
      content: 'Scratch thought to be cleared',
      vault: { kind: 'SESSION', id: 'scratch' },
    });
  });

  afterAll(async () => {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('refuses a wrong key with the API message, then signs in and keeps the key in sessionStorage only', async () => {
    await page.goto(console_());
    // The docs' placeholder typed as is: the client refuses it before sending, at the field.
    await page.getByLabel('Memory key').fill('mk_…');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const fieldError = page.locator('#memory-key-error');
    // Before: NETWORK_ERROR "could not reach …: String contains non ISO-8859-1 code point".
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/^INVALID_KEY the memory key cannot be sent/);
    expect(await page.getByLabel('Memory key').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Memory key').getAttribute('aria-describedby')).toBe(
      'memory-key-error',
    );
    await shot('sign-in-invalid-key');

    await page.getByLabel('Memory key').fill('mk_bm9ib2R5.wrong-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('UNAUTHENTICATED');
    await shot('sign-in-refused');

    await page.getByLabel('Memory key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Vaults' }).waitFor();
    await page.locator('[data-testid=vault]').nth(3).waitFor();
    const storage = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
      url: location.href,
    }));
    expect(storage.session).toEqual([key]);
    expect(storage.local).toBe(0);
    expect(storage.url).not.toContain(key.slice(3));
    expect(pageErrors).toEqual([]);
  });

  it('lists the vaults with kind, count, model, last write and TTL', async () => {
    const cards = page.locator('[data-testid=vault]');
    await expect.poll(() => cards.count()).toBe(4);
    const core = cards.filter({ hasText: 'CORE' });
    expect(await core.locator('[data-field=count]').textContent()).toMatch(/^24 of/);
    expect(await core.textContent()).toContain('use-lite-static-384@1');
    expect(await core.textContent()).toContain('kept until deleted');
    expect(await cards.filter({ hasText: 'EPHEMERAL' }).textContent()).toMatch(
      /expires in 2[34] h/,
    );
    await shot('vaults');
    expect(pageErrors).toEqual([]);
  });

  it('pages through a vault and deletes one memory', async () => {
    await page.locator('[data-testid=vault]').filter({ hasText: 'CORE' }).click();
    const items = page.locator('.memory-list > li');
    await expect.poll(() => items.count()).toBe(20);
    expect(await items.first().textContent()).toContain('allergic to peanuts');
    expect(await items.first().textContent()).toContain('topic: health');
    await shot('memories');

    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => items.count()).toBe(4);
    expect(await items.last().textContent()).toContain('Lisbon');
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => items.count()).toBe(20);

    const doomed = items.filter({ hasText: 'Meeting note 18:' });
    const doomedId = await doomed.getAttribute('data-memory-id');
    await doomed.getByRole('button', { name: /^Delete / }).click();
    await doomed.getByRole('button', { name: /^Really delete/ }).click();
    await expect.poll(() => page.locator('[data-field=count]').textContent()).toBe('23');
    expect(await api.memory(doomedId!)).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('downloads the vault as JSONL', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSONL' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('core.jsonl');
    const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'memoryrouter.vault', count: 23 });
    expect(lines).toHaveLength(25);
    expect(JSON.parse(lines[24]!)).toMatchObject({ trailer: true, count: 23 });
  });

  it('updates the open vault live when another client writes and deletes (memoryEvents)', async () => {
    const items = page.locator('.memory-list > li');
    const added = await api.store({ content: 'Live note written from another tab' });
    await expect
      .poll(() => items.first().textContent())
      .toContain('Live note written from another tab');
    await expect.poll(() => page.locator('[data-field=count]').textContent()).toBe('24');
    await api.deleteMemory(added.id);
    await expect.poll(() => page.locator('[data-field=count]').textContent()).toBe('23');
    expect(await items.first().textContent()).not.toContain('Live note');
    expect(pageErrors).toEqual([]);
  });

  it('reads the open vault’s page one request at a time while a burst of memory events arrives', async () => {
    const vault = { kind: 'SESSION' as const, id: 'burst' };
    await api.store({ content: 'Before the burst', vault });
    const isPageRead = (request: Request) =>
      request.postData()?.includes('query VaultMemories') === true;
    await Promise.all([
      page.waitForResponse(
        (response) => response.request().postData()?.includes('subscription MemoryEvents') === true,
      ),
      page.goto(`${console_()}#/vault/session/burst`),
    ]);
    await page.getByText('Before the burst').waitFor();
    // Each page read takes half a second, so the events below arrive while one runs.
    await page.route('**/graphql', async (route) => {
      if (!isPageRead(route.request())) return route.fallback();
      await new Promise((resolve) => setTimeout(resolve, 500));
      return route.fallback();
    });
    let reads = 0;
    let running = 0;
    let mostAtOnce = 0;
    const started = (request: Request) => {
      if (!isPageRead(request)) return;
      reads += 1;
      mostAtOnce = Math.max(mostAtOnce, ++running);
    };
    const ended = (request: Request) => {
      if (isPageRead(request)) running -= 1;
    };
    page.on('request', started);
    page.on('requestfinished', ended);
    page.on('requestfailed', ended);
    try {
      // Twenty writes from another client, one event each.
      for (let index = 1; index <= 20; index++)
        await api.store({ content: `Burst note ${index}`, vault });
      // The screen ends on the vault as the last event left it.
      await expect
        .poll(() => page.locator('[data-field=count]').textContent(), { timeout: 20_000 })
        .toBe('21');
      expect(await page.locator('.memory-list > li').first().textContent()).toContain(
        'Burst note 20',
      );
    } finally {
      page.off('request', started);
      page.off('requestfinished', ended);
      page.off('requestfailed', ended);
      await page.unroute('**/graphql');
    }
    // Before: one read per event, up to twenty at once.
    expect(mostAtOnce).toBe(1);
    expect(reads).toBeLessThan(10);
    expect(pageErrors).toEqual([]);
  });

  it('clears a vault only after its name is typed', async () => {
    await page.goto(`${console_()}#/vault/session/scratch`);
    await page.getByText('Scratch thought to be cleared').waitFor();
    await page.getByRole('button', { name: 'Clear vault…' }).click();
    const confirm = page.getByRole('button', { name: 'Clear SESSION scratch' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel('Vault name').fill('SESSION scratch');
    await confirm.click();
    await page.locator('[data-testid=vault-empty]').waitFor();
    expect((await api.memories({ kind: 'SESSION', id: 'scratch' }))?.memoryCount ?? 0).toBe(0);
    expect(await api.memories({ kind: 'SESSION', id: 'user-42' })).toMatchObject({
      memoryCount: 1,
    });
    expect(pageErrors).toEqual([]);
  });

  it('adds one memory to the vault on screen, and shows the API refusal in the form', async () => {
    await page.goto(`${console_()}#/vault/session/notes`);
    const form = page.getByRole('form', { name: 'Add a memory' });
    await form.waitFor();
    await form.getByLabel('Memory').fill('My dentist appointment is on Friday');
    await form.getByLabel(/^Metadata/).fill('{"topic": "health"}');
    await form.getByLabel(/^Date/).fill('2025-03-01T09:30');
    await form.getByRole('button', { name: 'Add memory' }).click();
    const items = page.locator('.memory-list > li');
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.first().textContent()).toContain('My dentist appointment is on Friday');
    expect(await items.first().textContent()).toContain('topic: health');
    // Before: "Page 1 · 1 memories".
    await expect
      .poll(() => page.locator('.toolbar > span').textContent())
      .toBe('Page 1 · 1 memory');
    const stored = await api.memories({ kind: 'SESSION', id: 'notes' });
    expect(stored?.memories.edges.map(({ node }) => node.content)).toEqual([
      'My dentist appointment is on Friday',
    ]);
    expect(stored?.memories.edges[0]!.node.createdAt).toBe(
      await page.evaluate(() => new Date('2025-03-01T09:30').toISOString()),
    );
    await shot('add-memory');

    // Metadata that is not an object is refused by the server: its code shows in the form,
    // the text stays for a fix, and nothing is stored.
    await form.getByLabel('Memory').fill('Refused because of its metadata');
    await form.getByLabel(/^Metadata/).fill('["not", "an object"]');
    await form.getByRole('button', { name: 'Add memory' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('BAD_USER_INPUT');
    expect(await form.getByLabel('Memory').inputValue()).toBe('Refused because of its metadata');
    await shot('add-memory-refused');
    expect((await api.memories({ kind: 'SESSION', id: 'notes' }))?.memoryCount).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('keeps what is typed while the previous memory stores, clearing only what was sent', async () => {
    const vault = { kind: 'SESSION' as const, id: 'slow-line' };
    await page.goto(`${console_()}#/vault/session/slow-line`);
    const form = page.getByRole('form', { name: 'Add a memory' });
    await form.waitFor();
    // The store is held until the second memory is typed: a slow line, without a timer.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes('mutation StoreMemories') !== true)
        return route.fallback();
      await released;
      return route.fallback();
    });
    const items = page.locator('.memory-list > li');
    try {
      await form.getByLabel('Memory').fill('First memory on a slow line');
      await form.getByRole('button', { name: 'Add memory' }).click();
      await form.getByRole('button', { name: 'Storing…' }).waitFor();
      await form.getByLabel('Memory').fill('Second memory typed while the first was storing');
      await form.getByLabel(/^Metadata/).fill('{"topic": "second"}');
      release();
      await expect.poll(() => items.count()).toBe(1);
      await form.getByRole('button', { name: 'Add memory' }).waitFor();
    } finally {
      release();
      await page.unroute('**/graphql');
    }
    // Before: both fields emptied when the first store answered, the second memory lost unsent.
    expect(await form.getByLabel('Memory').inputValue()).toBe(
      'Second memory typed while the first was storing',
    );
    expect(await form.getByLabel(/^Metadata/).inputValue()).toBe('{"topic": "second"}');
    await shot('add-memory-typed-while-storing');

    // Sent as it stands, then cleared: the fields held what was sent.
    await form.getByRole('button', { name: 'Add memory' }).click();
    await expect.poll(() => items.count()).toBe(2);
    expect(await form.getByLabel('Memory').inputValue()).toBe('');
    expect(await form.getByLabel(/^Metadata/).inputValue()).toBe('');
    const stored = await api.memories(vault);
    expect(
      stored?.memories.edges
        .map(({ node }) => [node.content, node.metadata ?? null])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['First memory on a slow line', null],
      ['Second memory typed while the first was storing', { topic: 'second' }],
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('starts each vault with an empty form: text typed for one vault is never stored into the next', async () => {
    await page.goto(`${console_()}#/vault/session/draft-a`);
    const form = page.getByRole('form', { name: 'Add a memory' });
    await form.waitFor();
    await form.getByLabel('Memory').fill('Meant for draft-a only');
    await form.getByLabel(/^Metadata/).fill('{"for": "draft-a"}');
    // Another vault is opened (its card, the address) before the text is sent.
    await page.goto(`${console_()}#/vault/session/draft-b`);
    await expect.poll(() => page.locator('main h1').textContent()).toContain('draft-b');
    await page.getByTestId('vault-empty').waitFor();
    // Before: the form still held draft-a's text, and "Add memory" stored it into draft-b.
    expect(await form.getByLabel('Memory').inputValue()).toBe('');
    expect(await form.getByLabel(/^Metadata/).inputValue()).toBe('');
    await shot('add-memory-other-vault');
    await form.getByLabel('Memory').fill('Meant for draft-b');
    await form.getByRole('button', { name: 'Add memory' }).click();
    await expect.poll(() => page.locator('.memory-list > li').count()).toBe(1);
    expect(
      (await api.memories({ kind: 'SESSION', id: 'draft-b' }))?.memories.edges.map(({ node }) => [
        node.content,
        node.metadata ?? null,
      ]),
    ).toEqual([['Meant for draft-b', null]]);
    // Back in draft-a the unsent text is gone too: the form is the vault's, and was left.
    await page.goto(`${console_()}#/vault/session/draft-a`);
    await expect.poll(() => page.locator('main h1').textContent()).toContain('draft-a');
    await page.getByTestId('vault-empty').waitFor();
    expect(await form.getByLabel('Memory').inputValue()).toBe('');
    expect((await api.memories({ kind: 'SESSION', id: 'draft-a' }))?.memoryCount ?? 0).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('never shows one vault’s memories under the next vault’s heading while it loads', async () => {
    await api.store({ content: 'Only in list-a', vault: { kind: 'SESSION', id: 'list-a' } });
    await api.store({ content: 'Only in list-b', vault: { kind: 'SESSION', id: 'list-b' } });
    await page.goto(`${console_()}#/vault/session/list-a`);
    const items = page.locator('.memory-list > li');
    await items.first().waitFor();
    expect(await items.allTextContents()).toEqual([expect.stringContaining('Only in list-a')]);
    // list-b's page is held until list-b's heading is up: a slow line, without a timer.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      if (!body.includes('query VaultMemories') || !body.includes('list-b'))
        return route.fallback();
      await released;
      return route.fallback();
    });
    try {
      await page.goto(`${console_()}#/vault/session/list-b`);
      await expect.poll(() => page.locator('main h1').textContent()).toContain('list-b');
      // Before: list-a's memory, with its Delete button, stood under list-b's heading.
      expect(await items.count()).toBe(0);
      await shot('vault-switch-loading');
      release();
      await page.getByText('Only in list-b').waitFor();
      expect(await items.allTextContents()).toEqual([expect.stringContaining('Only in list-b')]);
    } finally {
      release();
      await page.unroute('**/graphql');
    }
    expect(pageErrors).toEqual([]);
  });

  it('searches every window, grouping hits, drawing the timeline and showing the receipt', async () => {
    await page.goto(`${console_()}#/search`);
    await page.locator('input[name=query]').fill('allergic cat colour sea childhood');
    await page.locator('input[name=limit-ARCHIVE]').fill('2');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.receipt').waitFor();
    const windows = await page
      .locator('.window-group')
      .evaluateAll((groups) => groups.map((group) => group.getAttribute('data-window')));
    expect(windows).toEqual(['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE']);
    expect(await page.locator('[data-window=ARCHIVE]').textContent()).toContain('Lisbon');
    const hits = await page.locator('.window-group .memory').count();
    expect(await page.locator('.timeline circle').count()).toBe(hits);
    expect(await page.locator('.receipt').textContent()).toMatch(/Memory tokens\d+/);
    expect(await page.locator('.receipt').textContent()).toContain('core × 1');
    const searchStatus = page.getByTestId('search-status');
    expect(await searchStatus.getAttribute('role')).toBe('status');
    expect(await searchStatus.textContent()).toBe(`${hits} hits found.`);
    await shot('search');

    // A metadata filter narrows the hits to memories that carry it.
    await page.locator('input[name=metadata]').fill('{"topic": "pets"}');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.window-group .memory').count()).toBe(1);
    expect(await page.locator('.window-group .memory').textContent()).toContain('Miso');

    // The API's own refusal is shown, and the page stays usable.
    // (nested values are refused by the server, not by the form).
    await page.locator('input[name=metadata]').fill('{"topic": {"nested": true}}');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('BAD_USER_INPUT');
    await shot('search-error');
    expect(pageErrors).toEqual([]);
  });

  it('imports a JSONL file with a moving progress bar and a per-line report', async () => {
    await page.goto(`${console_()}#/import/session/imported`);
    const lines = Array.from({ length: 400 }, (_, index) =>
      JSON.stringify({
        content: `Imported fact ${index + 1}`,
        role: 'user',
        timestamp: Date.now() - index * HOUR,
      }),
    );
    lines.splice(250, 0, '{"content": 42}');
    await page.locator('input[name=file]').setInputFiles({
      name: 'facts.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(lines.join('\n')),
    });
    // Record every value the bar shows while the import runs.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('progress');
        if (bar && seen.at(-1) !== bar.value) seen.push(bar.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Import' }).click();
    const report = page.locator('[data-testid=import-report]');
    await report.waitFor();
    expect(await report.locator('[data-field=imported]').textContent()).toBe('400');
    expect(await report.locator('[data-field=failed]').textContent()).toBe('1');
    // What the 400 stored memories billed, as the usage counts it.
    const billed = await report.locator('[data-field=memoryTokens]').textContent();
    expect(Number(billed!.replace(/\D/g, ''))).toBeGreaterThan(0);
    expect(await report.locator('.failures td').first().textContent()).toBe('251');
    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: number[] }).progressSeen,
    );
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(401);
    const importStatus = page.getByTestId('import-status');
    expect(await importStatus.getAttribute('role')).toBe('status');
    expect(await importStatus.textContent()).toBe(
      'Import finished: 400 imported, 0 skipped, 1 failed.',
    );
    await shot('import');
    expect((await api.memories({ kind: 'SESSION', id: 'imported' }))?.memoryCount).toBe(400);
    expect(pageErrors).toEqual([]);
  });

  it('charts memory tokens per day for the account and per key', async () => {
    const usage = await api.usage();
    await page.goto(`${console_()}#/usage`);
    const charts = page.locator('figure.chart');
    await expect.poll(() => charts.count()).toBe(2);
    expect(await charts.first().locator('g.bar').count()).toBe(30);
    const today = charts.first().locator('g.bar').last();
    expect(Number(await today.getAttribute('data-value'))).toBe(usage.days.at(-1)!.memoryTokens);
    expect(await page.locator('[data-field=memory-tokens]').textContent()).toBe(
      usage.memoryTokens.toLocaleString('en'),
    );
    // The key's chart is headed by the name it was given, its id beside it.
    const { id } = await api.me();
    const heading = page.locator('.key-usage h2');
    await expect.poll(() => heading.textContent()).toContain('Key “console test”');
    expect(await heading.locator('code').textContent()).toBe(id);
    await shot('usage');
    expect(pageErrors).toEqual([]);
  });

  it('chats through the subscription with a provider key kept in memory only, showing the receipt', async () => {
    await page.goto(`${console_()}#/chat`);
    await page.getByRole('heading', { name: 'Chat playground' }).waitFor();
    expect(await page.getByTestId('provider-key-notice').textContent()).toContain(
      'never saved in the browser',
    );
    // No key for OpenAI: the API's coded refusal is shown.
    await page.getByLabel('Message').fill('Am I allergic to anything?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('PROVIDER_KEY_MISSING');
    expect(await page.getByRole('alert').textContent()).toContain('UNAUTHENTICATED');
    await shot('chat-no-key');

    // compatible/… models are answered by the provider fake.
    await page.locator('select[name=provider]').selectOption('compatible');
    await page.getByLabel('Model').fill('fake-model');
    await page.getByLabel('Provider key').fill('sk-console-test-secret');
    await page.locator('select[name=memoryMode]').selectOption('READ');
    await page.getByRole('button', { name: 'Send' }).click();
    const receipt = page.getByTestId('chat-receipt');
    await receipt.waitFor();
    expect(await page.getByTestId('chat-answer').textContent()).toBe(
      'Fake llm.local.test heard: Am I allergic to anything?',
    );
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await receipt.locator('[data-field=provider]').textContent()).toBe('compatible');
    expect(await receipt.textContent()).toContain('compatible/fake-model');
    expect(
      Number(await receipt.locator('[data-field=memoryTokens]').textContent()),
    ).toBeGreaterThan(0);
    expect(await receipt.locator('.memory-list').textContent()).toContain('allergic to peanuts');
    // The answer's end is said in a live region (before: none on any screen).
    const status = page.getByTestId('chat-status');
    expect(await status.getAttribute('role')).toBe('status');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await status.textContent()).toMatch(/^Answer complete: \d+ memor(y|ies) injected\.$/);
    expect(await page.getByTestId('chat-answer').getAttribute('aria-busy')).toBe('false');
    const stored = await page.evaluate(() => [
      ...Object.values(sessionStorage),
      ...Object.values(localStorage),
      location.href,
      document.cookie,
    ]);
    expect(stored.join(' ')).not.toContain('sk-console-test-secret');
    await shot('chat');
    await page.setViewportSize(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBe(0);
    await shot('phone-chat-answer');
    await page.setViewportSize({ width: 1200, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  it('stops a streaming answer with Stop, on leaving the Chat screen and on signing out', async () => {
    // The provider fake sends the first words, then keeps the stream open
    // with text-less events until its client goes away.
    const fake = inject('fakeUrl');
    const trickleNextCall = () =>
      fetch(`${fake}/_script`, {
        method: 'POST',
        body: JSON.stringify({ host: 'llm.local.test', mode: 'trickle' }),
      });
    // The browser's own account of the chat stream's request: it ends only
    // when the page aborts it (the server would keep it open a minute).
    let streamEnded: Promise<string> = Promise.resolve('none');
    const startAnswer = async (message: string) => {
      await page.goto(`${console_()}#/chat`);
      await page.getByRole('heading', { name: 'Chat playground' }).waitFor();
      await page.locator('select[name=provider]').selectOption('compatible');
      await page.getByLabel('Model').fill('fake-model');
      await page.getByLabel('Provider key').fill('sk-console-stop-secret');
      await page.locator('select[name=memoryMode]').selectOption('READ');
      await page.getByLabel('Message').fill(message);
      await trickleNextCall();
      const isStream = (request: Request) =>
        request.postData()?.includes('subscription ChatStream') === true;
      streamEnded = Promise.race([
        page
          .waitForEvent('requestfailed', { predicate: isStream, timeout: 20_000 })
          .then((request) => request.failure()?.errorText ?? 'failed')
          .catch(() => 'still open'),
        page
          .waitForEvent('requestfinished', { predicate: isStream, timeout: 20_000 })
          .then(() => 'finished')
          .catch(() => 'still open'),
      ]);
      await page.getByRole('button', { name: 'Send' }).click();
      // The first words arrived; the stream is still open.
      await expect.poll(() => page.getByTestId('chat-answer').textContent()).toMatch(/\S/);
    };

    // Stop: the words so far stay, marked stopped; Send is back.
    await startAnswer('Stop me half-way');
    const partial = await page.getByTestId('chat-answer').textContent();
    await shot('chat-answering');
    // Before: only a disabled "Answering…" button, nothing to stop the answer with.
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await streamEnded).toBe('net::ERR_ABORTED');
    expect(await page.getByTestId('chat-answer').textContent()).toBe(partial);
    expect(await page.getByTestId('chat-stopped').textContent()).toContain('Stopped');
    expect(await page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot('chat-stopped');

    // Another screen: the answer stops with the Chat screen.
    await startAnswer('Leave me half-way');
    await page.getByRole('navigation').getByRole('link', { name: 'Vaults' }).click();
    // Before: the stream stayed open (the provider answering on) after the screen was gone.
    expect(await streamEnded).toBe('net::ERR_ABORTED');

    // Signing out stops it too; then sign in again for the tests after this one.
    await startAnswer('Sign out half-way');
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await streamEnded).toBe('net::ERR_ABORTED');
    await page.getByLabel('Memory key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('takes every window at 0: a search that asks for no hits, a chat that reads no memory', async () => {
    const zeroEveryWindow = async () => {
      for (const window of ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'])
        await page.locator(`input[name=limit-${window}]`).fill('0');
    };
    await page.goto(`${console_()}#/search`);
    await page.locator('input[name=query]').fill('allergic');
    await zeroEveryWindow();
    await page.getByRole('button', { name: 'Search' }).click();
    // Before: BAD_USER_INPUT INVALID_WINDOWS "windows: names no window", for `windows: []`.
    await page.getByTestId('search-notice').waitFor();
    expect(await page.getByTestId('search-notice').textContent()).toContain('NO_HITS_ASKED');
    expect(await page.locator('.results .summary').textContent()).toMatch(/^0 hits/);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot('search-no-windows');

    await page.goto(`${console_()}#/chat`);
    await page.locator('select[name=provider]').selectOption('compatible');
    await page.getByLabel('Model').fill('fake-model');
    await page.getByLabel('Provider key').fill('sk-console-test-secret');
    await page.locator('select[name=memoryMode]').selectOption('WRITE');
    await zeroEveryWindow();
    await page.getByLabel('Message').fill('Remember that I water the ferns on Sundays');
    await page.getByRole('button', { name: 'Send' }).click();
    const receipt = page.getByTestId('chat-receipt');
    await receipt.waitFor();
    expect(await page.getByTestId('chat-answer').textContent()).toBe(
      'Fake llm.local.test heard: Remember that I water the ferns on Sundays',
    );
    expect(await receipt.locator('[data-field=hits]').textContent()).toBe('0');
    expect(await receipt.locator('[data-field=turn]').textContent()).toMatch(/^yes/);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('wraps a very long vault id instead of widening the page, keeping it whole in the title', async () => {
    // The longest id the API accepts (128 characters), with no place to break.
    const longId = `customer-${'0123456789abcdef'.repeat(7)}-end`.padEnd(128, 'x');
    await api.store({
      content: 'A memory of a long-named session',
      vault: { kind: 'SESSION', id: longId },
    });
    for (const viewport of [{ width: 1200, height: 900 }, PHONE]) {
      await page.setViewportSize(viewport);
      await page.goto(`${console_()}#/vaults`);
      const card = page.locator('[data-testid=vault]').filter({ hasText: longId });
      await card.waitFor();
      expect(await card.locator('.vault-id').getAttribute('title')).toBe(longId);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBe(0);
      await shot(`long-vault-id-${viewport.width}`);
      await card.click();
      const heading = page.locator('main h1');
      await page.getByText('A memory of a long-named session').waitFor();
      expect(await heading.getAttribute('title')).toBe(`SESSION ${longId}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBe(0);
      await shot(`long-vault-id-vault-${viewport.width}`);
    }
    await page.setViewportSize({ width: 1200, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  it('fits a phone-width screen', async () => {
    await page.setViewportSize(PHONE);
    for (const [hash, name] of [
      ['#/vaults', 'phone-vaults'],
      ['#/vault/core', 'phone-memories'],
      ['#/usage', 'phone-usage'],
      ['#/search', 'phone-search'],
      ['#/import', 'phone-import'],
      ['#/vault/session/notes', 'phone-add-memory'],
      ['#/chat', 'phone-chat'],
    ] as const) {
      await page.goto(`${console_()}${hash}`);
      // Before: no h1 on any screen once signed in.
      await page.locator('main section h1').waitFor();
      expect(await page.locator('h1').count(), `${hash} has one h1`).toBe(1);
      await page.locator('.card').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      expect(overflow, `${hash} scrolls sideways`).toBeLessThanOrEqual(0);
      await shot(name);
    }
    expect(pageErrors).toEqual([]);
  });

  it('keeps the memory list in view on a phone, the add-memory form folded under its summary', async () => {
    const vault = { kind: 'SESSION' as const, id: 'phone-notes' };
    await api.storeMany(
      ['Bought oat milk', 'Train at 8:10', 'Call the plumber'].map((content) => ({
        content,
        vault,
      })),
    );
    await page.setViewportSize(PHONE);
    await page.goto(`${console_()}#/vault/session/phone-notes`);
    const items = page.locator('.memory-list > li');
    await expect.poll(() => items.count()).toBe(3);
    const form = page.getByRole('form', { name: 'Add a memory' });
    // Before: the open form stood above the list and pushed it below the first screen.
    expect(await form.isVisible()).toBe(false);
    const firstMemory = (await items.first().boundingBox())!;
    expect(firstMemory.y + firstMemory.height).toBeLessThanOrEqual(PHONE.height);
    await shot('phone-vault-form-folded');

    await page.locator('summary', { hasText: 'Add a memory' }).click();
    await form.getByLabel('Memory').fill('Added from a phone');
    await form.getByRole('button', { name: 'Add memory' }).click();
    await expect.poll(() => items.count()).toBe(4);
    expect(await items.first().textContent()).toContain('Added from a phone');
    await shot('phone-vault-form-open');
    await page.setViewportSize({ width: 1200, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  let emptyKey: string;
  it('starts the next key at its Vaults screen, not in the vault the address named', async () => {
    // Signed in with the first key, on one of its vaults.
    await page.goto(`${console_()}#/vault/session/user-42`);
    await page.getByText('Planning a trip to Kyoto in April').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Memory key').waitFor();
    emptyKey = await newMemoryKey('console empty key');
    await page.getByLabel('Memory key').fill(emptyKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Before: the new key opened its own SESSION user-42, the vault the address still named.
    await page.getByRole('heading', { name: 'Vaults', level: 1 }).waitFor();
    expect(await page.evaluate(() => location.hash)).toBe('#/vaults');
    expect(pageErrors).toEqual([]);
  });

  it('says on the Vaults screen when no vault holds a memory, a new key’s empty CORE listed', async () => {
    await page.goto(`${console_()}#/vaults`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    // Before: the notice never showed, since CORE is always listed.
    await page.locator('[data-testid=vault]').first().waitFor();
    expect(await page.locator('[data-testid=vault]').count()).toBe(1);
    expect(await page.locator('.empty').textContent()).toContain('No vault holds memories yet');
    await shot('vaults-new-key-empty');
    // Once a vault holds a memory, the notice goes.
    await createClient({ url: inject('liveUrl'), key: emptyKey }).store({
      content: 'First words',
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => page.locator('[data-testid=vault] [data-field=count]').textContent())
      .toMatch(/^1 of/);
    expect(await page.locator('.empty').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('signs out, forgetting the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Memory key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('signs in with a key pasted with its "Bearer " prefix, keeping the key alone', async () => {
    manyKey = await newMemoryKey('console many vaults');
    await page.getByLabel('Memory key').fill(`  Bearer ${manyKey} `);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Before: UNAUTHENTICATED MALFORMED_CREDENTIAL 'Authorization must be "Bearer <token>"'.
    await page.getByRole('heading', { name: 'Vaults', level: 1 }).waitFor();
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([manyKey]);
    await shot('sign-in-bearer-prefix');
    expect(pageErrors).toEqual([]);
  });

  it('reaches every vault of a key with more than a page, on the Vaults and Search screens', async () => {
    // CORE and 104 sessions: 105 vaults, five past the first page.
    const many = createClient({ url: inject('liveUrl'), key: manyKey });
    const sessions = Array.from(
      { length: 104 },
      (_, index) => `u-${String(index).padStart(3, '0')}`,
    );
    const noteIn = (id: string) => ({
      content: `A note of ${id}`,
      vault: { kind: 'SESSION' as const, id },
    });
    await many.storeMany(sessions.slice(0, 100).map(noteIn));
    await many.storeMany([{ content: 'A note of CORE' }, ...sessions.slice(100).map(noteIn)]);

    await page.goto(`${console_()}#/vaults`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const cards = page.locator('[data-testid=vault]');
    const more = page.getByTestId('more-vaults');
    // Before: 100 cards and nothing said of the 5 others.
    await more.waitFor();
    expect(await cards.count()).toBe(100);
    expect(await more.textContent()).toContain(
      'The first 100 vaults are shown; this key has more.',
    );
    await shot('vaults-first-page');
    await more.getByRole('button', { name: 'Show more vaults' }).click();
    await expect.poll(() => cards.count()).toBe(105);
    expect(await more.count()).toBe(0);
    const last = cards.filter({ hasText: 'u-103' });
    expect(await last.locator('[data-field=count]').textContent()).toMatch(/^1 of/);
    await last.scrollIntoViewIfNeeded();
    await shot('vaults-all-pages');

    // The search's vault picker pages the same way, and a vault past the first page is searched.
    await page.goto(`${console_()}#/search`);
    const picker = page.getByRole('group', { name: 'Vaults' });
    const boxes = picker.getByRole('checkbox');
    await picker.getByTestId('more-vaults').waitFor();
    expect(await boxes.count()).toBe(100);
    await picker.getByRole('button', { name: 'Show more vaults' }).click();
    await expect.poll(() => boxes.count()).toBe(105);
    expect(await picker.getByTestId('more-vaults').count()).toBe(0);
    await picker.getByRole('checkbox', { name: 'CORE' }).uncheck();
    await picker.getByRole('checkbox', { name: 'SESSION u-103' }).check();
    await page.locator('input[name=query]').fill('note of u-103');
    await page.locator('select[name=mode]').selectOption('TEXT');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.receipt').waitFor();
    expect(await page.locator('.window-group .memory').allTextContents()).toEqual([
      expect.stringContaining('A note of u-103'),
    ]);
    await shot('search-vault-past-first-page');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Memory key').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('signs out by itself once its key is revoked, saying so and forgetting the key', async () => {
    // Signs in with a new key holding one memory, opens `hash`, revokes the key, refreshes in place.
    const revokeWhileShowing = async (hash: string, shown: string) => {
      const doomed = await newMemoryKey('console revoke test');
      await createClient({ url: inject('liveUrl'), key: doomed }).store({
        content: 'A private note of the revoked key',
      });
      await page.goto(`${console_()}#/vaults`);
      await page.getByLabel('Memory key').fill(doomed);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid=vault]').first().waitFor();
      await page.goto(`${console_()}${hash}`);
      await page.locator(shown).first().waitFor();
      await revokeMemoryKey(doomed);
      // The vault screen's live stream may end first (the server's standing
      // watch refuses the revoked key) and sign out by itself, taking the
      // button away: clicked in the page at once if it is still there, so
      // a click never waits on a button that is gone (a full run under load
      // met that race).
      await page.evaluate(() => {
        const buttons = [...document.querySelectorAll('button')];
        buttons.find((button) => button.textContent?.trim() === 'Refresh')?.click();
      });
      // Before: it stayed signed in, the refusal in a banner and the key kept.
      await page.getByLabel('Memory key').waitFor();
      const notice = page.getByTestId('signed-out');
      expect(await notice.getAttribute('role')).toBe('alert');
      expect(await notice.textContent()).toMatch(
        /^Signed outKEY_REVOKEDThis memory key was revoked/,
      );
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      expect(await page.locator('body').textContent()).not.toContain('A private note');
    };

    await revokeWhileShowing('#/vault/core', '.memory-list > li');
    await shot('revoked-vault');
    await revokeWhileShowing('#/vaults', '[data-testid=vault]');
    await shot('revoked-vaults');

    // A chat stream the server ends because the key was revoked meanwhile
    // (its standing watch, test/standing/*): the browser is given the frames
    // the server sends then, the answer begun and the error as
    // src/resolvers/principal.ts words it.
    const chatting = await newMemoryKey('console chat revoke test');
    await page.getByLabel('Memory key').fill(chatting);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=vault]').first().waitFor();
    await page.goto(`${console_()}#/chat`);
    const frame = (payload: unknown) => `event: next\ndata: ${JSON.stringify(payload)}\n\n`;
    await page.route('**/graphql', (route) =>
      route.request().postData()?.includes('subscription ChatStream')
        ? route.fulfill({
            status: 200,
            contentType: 'text/event-stream',
            body:
              ':\n\n' +
              frame({ data: { chat: { delta: 'The answer beg', done: false } } }) +
              frame({
                errors: [
                  {
                    message: 'the memory key of this stream was revoked',
                    path: ['chat'],
                    extensions: { code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' },
                  },
                ],
              }) +
              'event: complete\ndata:\n\n',
          })
        : route.fallback(),
    );
    await page.locator('select[name=provider]').selectOption('compatible');
    await page.getByLabel('Model').fill('fake-model');
    await page.getByLabel('Provider key').fill('sk-console-revoke-secret');
    await page.getByLabel('Message').fill('Still there?');
    await page.getByRole('button', { name: 'Send' }).click();
    // Before: the chat screen showed the refusal in a banner and stayed signed in.
    await page.getByLabel('Memory key').waitFor();
    expect(await page.getByTestId('signed-out').textContent()).toMatch(
      /^Signed outKEY_REVOKEDThis memory key was revoked/,
    );
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.unroute('**/graphql');
    await page.goto(`${console_()}#/vaults`);

    // Signing in again (with a key still valid) clears the notice.
    await page.getByLabel('Memory key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=vault]').first().waitFor();
    expect(await page.getByTestId('signed-out').count()).toBe(0);
    // The browser logs each refused request (401) itself; nothing else may fail.
    expect(pageErrors.filter((error) => !error.includes('401'))).toEqual([]);
  });

  it('notices when the vault screen’s live subscription ends: a revoked key signs out, a suspension or a drop says so and reconnects', async () => {
    const isSubscription = (request: { postData(): string | null }) =>
      request.postData()?.includes('subscription MemoryEvents') === true;
    // Resolves once the subscription is open: the server answers after it registered.
    const subscribed = () => page.waitForResponse((response) => isSubscription(response.request()));
    const signInAt = async (memoryKey: string, hash: string) => {
      // Signed out first, whichever key the tab held before.
      await page.goto(`${console_()}#/vaults`);
      await page.evaluate(() => sessionStorage.clear());
      await page.reload();
      await page.getByLabel('Memory key').fill(memoryKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid=vault]').first().waitFor();
      await Promise.all([subscribed(), page.goto(`${console_()}${hash}`)]);
      await page.locator('.memory-list > li').first().waitFor();
    };

    // Revoked while the vault is on screen and nothing is clicked: the only
    // request open is the subscription, which the server ends with
    // UNAUTHENTICATED / KEY_REVOKED at its next standing check (every second
    // on the live Worker, STANDING_CHECK_MS; 15 s in production).
    const doomed = await newMemoryKey('console live revoke test');
    await createClient({ url: inject('liveUrl'), key: doomed }).store({
      content: 'A private note of the revoked key',
    });
    await signInAt(doomed, '#/vault/core');
    await revokeMemoryKey(doomed);
    // Before: the subscription's end was ignored and the screen stayed signed in.
    await page.getByLabel('Memory key').waitFor({ timeout: 40_000 });
    const notice = page.getByTestId('signed-out');
    expect(await notice.textContent()).toMatch(/^Signed outKEY_REVOKEDThis memory key was revoked/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('A private note');
    await shot('live-revoked');

    // The same stream ended for a suspended account. The server's side is
    // covered by test/billing/suspension-ends-subscriptions (and a suspension
    // through the live Worker's Stripe fake by live/billing), so the browser
    // is given the end the server sends then: graphql-yoga's SSE frames, the error as src/resolvers/principal.ts words it.
    const suspended = await newMemoryKey('console live suspension test');
    const suspendedApi = createClient({ url: inject('liveUrl'), key: suspended });
    await suspendedApi.store({ content: 'Readable while suspended' });
    const endSuspended = JSON.stringify({
      errors: [
        {
          message:
            'this account is suspended for billing; reading and exporting your memories still works',
          path: ['memoryEvents'],
          extensions: { code: 'PAYMENT_REQUIRED', reason: 'ACCOUNT_SUSPENDED' },
        },
      ],
    });
    await page.route('**/graphql', (route) =>
      isSubscription(route.request())
        ? route.fulfill({
            status: 200,
            contentType: 'text/event-stream',
            body: `:\n\nevent: next\ndata: ${endSuspended}\n\nevent: complete\ndata:\n\n`,
          })
        : route.fallback(),
    );
    await signInAt(suspended, '#/vault/core');
    const stopped = page.getByTestId('live-stopped');
    // Before: nothing was shown, the page just stopped following the vault.
    await stopped.waitFor();
    expect(await stopped.getAttribute('role')).toBe('alert');
    expect(await stopped.textContent()).toMatch(
      /^Live updates stoppedPAYMENT_REQUIREDACCOUNT_SUSPENDEDThis account is suspended for billing/,
    );
    expect(await stopped.textContent()).toContain('invoice paid');
    // Still signed in, its memories still shown.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([suspended]);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    expect(await page.locator('.memory-list').textContent()).toContain('Readable while suspended');
    // Nothing can be stored until billing is restored: the add-memory form is gone.
    expect(await page.locator('form.add-memory').count()).toBe(0);
    await shot('live-suspended');
    await page.unroute('**/graphql');

    // Closed by the server without an error (its vault object's socket went away): no code to show.
    await page.route('**/graphql', (route) =>
      isSubscription(route.request())
        ? route.fulfill({
            status: 200,
            contentType: 'text/event-stream',
            body: ':\n\nevent: complete\ndata:\n\n',
          })
        : route.fallback(),
    );
    await page.reload();
    await stopped.waitFor();
    expect(await stopped.textContent()).toMatch(
      /^Live updates stoppedThe server closed the stream\./,
    );
    await page.unroute('**/graphql');

    // Any other end (here the connection drops): its code, and Reconnect
    // follows the vault again, with what was written meanwhile.
    await page.route('**/graphql', (route) =>
      isSubscription(route.request()) ? route.abort('connectionreset') : route.fallback(),
    );
    await page.reload();
    await stopped.waitFor();
    expect(await stopped.textContent()).toMatch(/^Live updates stoppedNETWORK_ERROR/);
    await shot('live-dropped');
    await page.unroute('**/graphql');
    await suspendedApi.store({ content: 'Written while nothing listened' });
    await Promise.all([subscribed(), stopped.getByRole('button', { name: 'Reconnect' }).click()]);
    const items = page.locator('.memory-list > li');
    await expect
      .poll(() => items.first().textContent())
      .toContain('Written while nothing listened');
    expect(await stopped.count()).toBe(0);
    expect(await page.locator('form.add-memory').count()).toBe(1);
    await suspendedApi.store({ content: 'Written after reconnecting' });
    await expect.poll(() => items.first().textContent()).toContain('Written after reconnecting');

    await page.getByRole('button', { name: 'Sign out' }).click();
    // The browser logs the revoked key's 401s and the dropped connection itself.
    expect(
      pageErrors.filter(
        (error) => !error.includes('401') && !error.includes('ERR_CONNECTION_RESET'),
      ),
    ).toEqual([]);
  });
});

function iso(time: number): string {
  return new Date(time).toISOString();
}
