import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ClearVaultDocument, UsageDocument } from '../generated/graphql';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';

/**
 * An import judged by the file's header: its vectors by the header's model
 * and size, the file by its count and checksum (refused whole, before
 * anything is stored, when they do not match), and a report that says what
 * it billed and what kind of vault it left.
 */

const DEPLOYMENT_MODEL = 'use-lite-static-384@1';

interface Report {
  imported: number;
  skipped: number;
  failed: number;
  failures: { line: number; reason: string; code: string }[];
  memoryTokens: number;
  embeddingModel: string | null;
  dimensions: number | null;
}

const VAULT = /* GraphQL */ `
  query Vault($selector: VaultSelector!) {
    vault(selector: $selector) {
      memoryCount
      embeddingModel
      dimensions
    }
  }
`;
const STORE = /* GraphQL */ `
  mutation Store($input: StoreMemoryInput!) {
    storeMemory(input: $input) {
      id
    }
  }
`;
const SEARCH = /* GraphQL */ `
  query Search($input: SearchInput!) {
    search(input: $input) {
      hits {
        memory {
          content
        }
      }
    }
  }
`;

const rest = (secret: string, path: string, init: RequestInit = {}) =>
  workerFetch(`${BASE_URL}/v1/vaults/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${secret}`, ...init.headers },
  });

async function vaultState(secret: string, id: string) {
  const result = await post<{
    vault: { memoryCount: number; embeddingModel: string; dimensions: number } | null;
  }>(VAULT, { selector: { kind: 'SESSION', id } }, secret);
  return result.data?.vault ?? null;
}

async function storePlain(secret: string, id: string, content: string) {
  return post(STORE, { input: { vault: { kind: 'SESSION', id }, content } }, secret);
}

/**
 * A vault of four memories the deployment embedded, exported: its header
 * (`"checksum": null`, as an export streams), memory lines and last line
 * (the trailer, with count and checksum).
 */
async function exportedFile(secret: string, id: string) {
  for (const content of [
    'Alice prefers window seats on long flights',
    'The assistant recommended the ryokan in Gion',
    'The user is vegetarian',
    'An old memory about a red bicycle',
  ]) {
    expect((await storePlain(secret, id, content)).errors).toBeUndefined();
  }
  const text = await (await rest(secret, `session/${id}/export`)).text();
  const [header, ...lines] = text.trim().split('\n');
  const trailer = lines.pop()!;
  expect(JSON.parse(trailer)).toMatchObject({ trailer: true, count: lines.length });
  return { header: JSON.parse(header!) as Record<string, unknown>, lines, trailer };
}

/** `sha256:` and the hex SHA-256 of the lines, each with its newline, as the exporter writes it. */
async function checksumOf(lines: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(lines.map((line) => `${line}\n`).join(''));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256:${Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** A header whose count and checksum are those of `lines`: the file is intact as sent. */
async function fileOf(header: Record<string, unknown>, lines: readonly string[]) {
  const sealed = { ...header, count: lines.length, checksum: await checksumOf(lines) };
  return [JSON.stringify(sealed), ...lines].join('\n');
}

const base64Floats = (values: number[]) => {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

describe("an import checks each line's vector against the file's header", () => {
  it('refuses a line of the wrong size by its line and takes the vault size from the header', async () => {
    // Before: the 10-number line was kept first, fixed the fresh vault at 10
    // dimensions, the three good lines failed, and every later plain store
    // and search of the vault failed with EMBEDDING_DIMENSIONS.
    const { secret } = await newKey();
    const { header, lines } = await exportedFile(secret, 'source');
    const wrong = JSON.parse(lines[0]!) as Record<string, unknown>;
    const edited = [
      JSON.stringify({
        ...wrong,
        id: 'q1',
        embedding: base64Floats([...Array(10).keys()].map((i) => Math.sin(i + 1))),
      }),
      ...lines.slice(1).map((line, i) => JSON.stringify({ ...JSON.parse(line), id: `q${i + 2}` })),
    ];
    const response = await rest(secret, 'session/dst4/import', {
      method: 'POST',
      body: await fileOf(header, edited),
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as Report;
    expect(report).toMatchObject({ imported: 3, failed: 1 });
    expect(report.failures).toEqual([
      {
        line: 2,
        code: 'EMBEDDING_DIMENSIONS',
        reason: "embedding has 10 dimensions; the file's header says 384",
      },
    ]);
    expect(await vaultState(secret, 'dst4')).toEqual({
      memoryCount: 3,
      embeddingModel: DEPLOYMENT_MODEL,
      dimensions: 384,
    });
    expect(
      (await storePlain(secret, 'dst4', 'Bob likes aisle seats on flights')).errors,
    ).toBeUndefined();
    const search = await post<{ search: { hits: { memory: { content: string } }[] } }>(
      SEARCH,
      { input: { query: 'vegetarian', vaults: [{ kind: 'SESSION', id: 'dst4' }] } },
      secret,
    );
    expect(search.errors).toBeUndefined();
    expect(search.data!.search.hits.map((hit) => hit.memory.content)).toContain(
      'The user is vegetarian',
    );
  });

  it('refuses a header that gives the deployment model another size, storing nothing', async () => {
    const { secret } = await newKey();
    const line = JSON.stringify({ content: 'plain line' });
    const header = JSON.stringify({
      format: 'memoryrouter.vault',
      version: 1,
      embeddingModel: DEPLOYMENT_MODEL,
      dimensions: 10,
    });
    const response = await rest(secret, 'session/bad-header/import', {
      method: 'POST',
      body: `${header}\n${line}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'BAD_USER_INPUT', reason: 'INVALID_HEADER' },
    });
    expect(await vaultState(secret, 'bad-header')).toBeNull();
  });
});

describe('an export without its header line', () => {
  it("makes a fresh vault one of the caller's own vectors, says so, and names the way back", async () => {
    // Before: the report did not say what the vault had become, and a later
    // plain store's EMBEDDING_MISMATCH named no way out.
    const { secret } = await newKey();
    const { lines } = await exportedFile(secret, 'origin');
    const report = (await (
      await rest(secret, 'session/dst3/import', { method: 'POST', body: lines.join('\n') })
    ).json()) as Report;
    expect(report).toMatchObject({
      imported: 4,
      failed: 0,
      embeddingModel: 'caller-supplied',
      dimensions: 384,
    });

    const plain = await storePlain(secret, 'dst3', 'Bob likes aisle seats on flights');
    expect(plain.errors?.[0]?.extensions).toMatchObject({ reason: 'EMBEDDING_MISMATCH' });
    expect(plain.errors?.[0]?.message).toContain('caller-supplied');
    expect(plain.errors?.[0]?.message).toContain('clearVault');

    // The way out it names: cleared, the vault's next write chooses again.
    const cleared = await post(
      ClearVaultDocument,
      { selector: { kind: 'SESSION', id: 'dst3' } },
      secret,
    );
    expect(cleared.errors).toBeUndefined();
    expect((await storePlain(secret, 'dst3', 'Bob likes aisle seats')).errors).toBeUndefined();
    expect(await vaultState(secret, 'dst3')).toEqual({
      memoryCount: 1,
      embeddingModel: DEPLOYMENT_MODEL,
      dimensions: 384,
    });
  });
});

describe('an import keeps the vectors an export wrote, bit for bit', () => {
  it('a float32 unit vector comes back out unchanged, so export → import → export reproduces the checksum', async () => {
    // Before: every imported vector was scaled to length 1 again, which moves
    // the last bit of some components (this one's among them) of a vector
    // already of length 1 to float32 precision (review235 F1).
    const { secret } = await newKey();
    const vector = [
      0.4979962110519409, 0.1467243880033493, 0.5241154432296753, -0.183365598320961,
      0.04698700085282326, -0.5196524262428284, 0.3574991822242737, 0.14865988492965698,
    ];
    const line = JSON.stringify({ content: 'A vector of my own', embedding: base64Floats(vector) });
    const report = (await (
      await rest(secret, 'session/own-vectors/import', { method: 'POST', body: line })
    ).json()) as Report;
    expect(report).toMatchObject({ imported: 1, failed: 0, dimensions: 8 });
    const exported = (await (await rest(secret, 'session/own-vectors/export')).text())
      .trim()
      .split('\n');
    expect(JSON.parse(exported[1]!)).toMatchObject({ embedding: base64Floats(vector) });

    // And the file itself: imported elsewhere and exported again, the same lines.
    const again = (await (
      await rest(secret, 'session/own-vectors-copy/import', {
        method: 'POST',
        body: exported.join('\n'),
      })
    ).json()) as Report;
    expect(again).toMatchObject({ imported: 1, failed: 0 });
    const copy = (await (await rest(secret, 'session/own-vectors-copy/export')).text())
      .trim()
      .split('\n');
    expect(JSON.parse(copy.at(-1)!).checksum).toBe(JSON.parse(exported.at(-1)!).checksum);
  });
});

describe("an import checks the file against its header's count and checksum", () => {
  it('refuses a truncated file whole, before storing anything', async () => {
    // Before: 200 {"imported":2,"failed":0} for a file whose header counts 4.
    const { secret } = await newKey();
    const { header, lines } = await exportedFile(secret, 'whole');
    const response = await rest(secret, 'session/dst6/import', {
      method: 'POST',
      body: [JSON.stringify(header), ...lines.slice(0, 2)].join('\n'),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; reason: string; message: string };
    };
    expect(body.error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COUNT_MISMATCH' });
    expect(body.error.message).toContain('cut short');
    expect(await vaultState(secret, 'dst6')).toBeNull();
  });

  it('refuses a file with a changed line whole, also when progress is streamed', async () => {
    // Before: the altered line was stored under the original checksum.
    const { secret } = await newKey();
    const { header, lines, trailer } = await exportedFile(secret, 'sealed');
    const altered = lines.map((line, i) => {
      if (i !== 0) return line;
      const memory = JSON.parse(line) as { content: string };
      return JSON.stringify({ ...memory, content: `${memory.content} TAMPERED` });
    });
    const body = [JSON.stringify(header), ...altered, trailer].join('\n');
    const plain = await rest(secret, 'session/dst5/import', { method: 'POST', body });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({
      error: { code: 'BAD_USER_INPUT', reason: 'CHECKSUM_MISMATCH' },
    });
    const streamed = await rest(secret, 'session/dst5/import', {
      method: 'POST',
      body,
      headers: { accept: 'application/x-ndjson' },
    });
    const events = (await streamed.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      {
        type: 'error',
        error: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'CHECKSUM_MISMATCH' }),
      },
    ]);
    expect(await vaultState(secret, 'dst5')).toBeNull();
  });

  it('imports an intact file of several staged parts, reporting bad lines by their own numbers', async () => {
    const { secret } = await newKey();
    // About 1.5 MiB: staged in two parts, read back in order.
    const padding = 'x'.repeat(6_000);
    const lines = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify(
        i === 240
          ? { id: `m${i}`, content: `line ${i}`, role: 'robot' }
          : { id: `m${i}`, content: `memory ${i} ${padding}` },
      ),
    );
    const header = { format: 'memoryrouter.vault', version: 1, kind: 'SESSION' };
    const body = (await fileOf(header, lines)).split('\n');
    body.splice(101, 0, ''); // a blank line: no memory line, yet a line of the file
    const report = (await (
      await rest(secret, 'session/parts/import', { method: 'POST', body: body.join('\n') })
    ).json()) as Report;
    // Line 1 is the header, line 102 the blank one: memory i is on line i + 2 before it (i < 100), i + 3 after.
    expect(report).toMatchObject({ imported: 249, failed: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({ line: 240 + 3, code: 'INVALID_ROLE' }),
    ]);
    // The staged parts are gone (and so are those of the refused files above).
    expect((await env.SNAPSHOTS.list({ prefix: 'imports/' })).objects).toEqual([]);
  });
});

describe('an import reports the memory tokens it billed', () => {
  it('as the usage grows by', async () => {
    const { api, secret } = await newKey();
    const before = (await api.request(UsageDocument, {})).usage.memoryTokens;
    const lines = [
      { content: 'Alice prefers window seats on long flights' },
      { content: 'The assistant recommended the ryokan in Gion' },
      { content: 'not stored: an unknown role', role: 'robot' },
      { content: 'The user is vegetarian' },
    ].map((line) => JSON.stringify(line));
    const report = (await (
      await rest(secret, 'session/billed/import', { method: 'POST', body: lines.join('\n') })
    ).json()) as Report;
    expect(report).toMatchObject({ imported: 3, failed: 1 });
    const after = (await api.request(UsageDocument, {})).usage.memoryTokens;
    expect(report.memoryTokens).toBeGreaterThan(0);
    expect(report.memoryTokens).toBe(after - before);
  });
});
