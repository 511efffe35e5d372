import { describe, expect, it } from 'vitest';
import { BASE_URL, newKey, post, workerFetch } from './helpers/graphql';

/**
 * A vault holds one kind of vector, fixed by its first write: the caller's
 * own (`embedding`) or the deployment's embedder's. Mixing the two would have
 * VECTOR search compare vectors of different spaces, and re-embedding would
 * overwrite the caller's own vectors.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!) {
    storeMemories(inputs: $inputs) {
      id
    }
  }
`;
const VAULT = /* GraphQL */ `
  query Vault($selector: VaultSelector!) {
    vault(selector: $selector) {
      memoryCount
      embeddingModel
      dimensions
    }
  }
`;

function randomVector(dimensions: number): number[] {
  return Array.from({ length: dimensions }, () => Math.random() * 2 - 1);
}

async function vaultState(secret: string, id: string) {
  const result = await post<{
    vault: { memoryCount: number; embeddingModel: string; dimensions: number } | null;
  }>(VAULT, { selector: { kind: 'SESSION', id } }, secret);
  return result.data?.vault;
}

describe('a vault keeps the kind of vector its first write gave it', () => {
  it('refuses plain text into a vault of caller-supplied vectors, and stores nothing', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'byo384' };
    const first = await post(
      STORE,
      { inputs: [{ vault, content: 'my own vector', embedding: randomVector(384) }] },
      secret,
    );
    expect(first.errors).toBeUndefined();
    expect(await vaultState(secret, 'byo384')).toEqual({
      memoryCount: 1,
      embeddingModel: 'caller-supplied',
      dimensions: 384,
    });

    const mixed = await post(
      STORE,
      {
        inputs: [
          { vault, content: 'another of mine', embedding: randomVector(384) },
          { vault, content: 'plain text, for the server to embed' },
        ],
      },
      secret,
    );
    expect(mixed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_MISMATCH',
    });
    expect(mixed.errors?.[0]?.message).toMatch(/^inputs\[1\]\.embedding: /);
    expect(mixed.errors?.[0]?.message).toContain('caller-supplied');
    expect(mixed.errors?.[0]?.message).toContain('no embedding');
    // The batch stored nothing, its valid first memory included, and the label held.
    expect(await vaultState(secret, 'byo384')).toEqual({
      memoryCount: 1,
      embeddingModel: 'caller-supplied',
      dimensions: 384,
    });
  });

  it('says a text memory has no embedding, rather than the wrong size, in a vault of 8 dimensions', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'byo8' };
    await post(
      STORE,
      { inputs: [{ vault, content: 'eight', embedding: randomVector(8) }] },
      secret,
    );
    const text = await post(STORE, { inputs: [{ vault, content: 'plain text' }] }, secret);
    expect(text.errors?.[0]?.extensions).toMatchObject({ reason: 'EMBEDDING_MISMATCH' });
    expect(text.errors?.[0]?.message).not.toContain('384 dimensions');
    expect(text.errors?.[0]?.message).toContain('8 dimensions');
    expect(await vaultState(secret, 'byo8')).toMatchObject({ memoryCount: 1, dimensions: 8 });
  });

  it("refuses a caller's vector into a vault of the deployment's embedder", async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'local' };
    await post(STORE, { inputs: [{ vault, content: 'embedded by the server' }] }, secret);
    const before = await vaultState(secret, 'local');
    expect(before?.embeddingModel).not.toBe('caller-supplied');
    const own = await post(
      STORE,
      { inputs: [{ vault, content: 'mine', embedding: randomVector(before!.dimensions) }] },
      secret,
    );
    expect(own.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_MISMATCH',
    });
    expect(own.errors?.[0]?.message).toContain(before!.embeddingModel);
    expect(own.errors?.[0]?.message).toContain('caller-supplied');
    expect(await vaultState(secret, 'local')).toEqual(before);
  });

  it('refuses a first batch that mixes both kinds', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'fresh' };
    const mixed = await post(
      STORE,
      {
        inputs: [
          { vault, content: 'server embeds me' },
          { vault, content: 'mine', embedding: randomVector(384) },
        ],
      },
      secret,
    );
    expect(mixed.errors?.[0]?.extensions).toMatchObject({ reason: 'EMBEDDING_MISMATCH' });
    expect(mixed.errors?.[0]?.message).toMatch(/^inputs\[1\]\.embedding: /);
    expect(await vaultState(secret, 'fresh')).toBeNull();
  });
});

describe('imports keep the kind of vector the file says', () => {
  const rest = (secret: string, path: string, init: RequestInit = {}) =>
    workerFetch(`${BASE_URL}/v1/vaults/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${secret}` },
    });

  it("an export of a server-embedded vault imports as that model's, and takes text after", async () => {
    const { secret } = await newKey();
    const from = { kind: 'SESSION', id: 'exported' };
    await post(STORE, { inputs: [{ vault: from, content: 'first memory' }] }, secret);
    const origin = await vaultState(secret, 'exported');
    const file = await (await rest(secret, 'session/exported/export')).text();
    const report = (await (
      await rest(secret, 'session/imported/import', { method: 'POST', body: file })
    ).json()) as { imported: number; failed: number };
    expect(report).toMatchObject({ imported: 1, failed: 0 });
    expect(await vaultState(secret, 'imported')).toEqual(origin);
    const more = await post(
      STORE,
      { inputs: [{ vault: { kind: 'SESSION', id: 'imported' }, content: 'second memory' }] },
      secret,
    );
    expect(more.errors).toBeUndefined();
    expect(await vaultState(secret, 'imported')).toEqual({ ...origin, memoryCount: 2 });
  });

  it('refuses plain lines into a vault of caller-supplied vectors, each by its line', async () => {
    const { secret } = await newKey();
    await post(
      STORE,
      {
        inputs: [
          { vault: { kind: 'SESSION', id: 'own' }, content: 'mine', embedding: randomVector(8) },
        ],
      },
      secret,
    );
    const lines = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify(
        i === 70
          ? { content: `own line ${i}`, embedding: randomVector(8) }
          : { content: `plain line ${i}` },
      ),
    ).join('\n');
    const report = (await (
      await rest(secret, 'session/own/import', { method: 'POST', body: lines })
    ).json()) as { imported: number; failed: number; failures: { line: number; code: string }[] };
    expect(report.imported).toBe(1);
    expect(report.failed).toBe(149);
    expect(new Set(report.failures.map((failure) => failure.code))).toEqual(
      new Set(['EMBEDDING_MISMATCH']),
    );
    expect(await vaultState(secret, 'own')).toEqual({
      memoryCount: 2,
      embeddingModel: 'caller-supplied',
      dimensions: 8,
    });
  });

  it("refuses lines of the caller's own vectors into a server-embedded vault, by line", async () => {
    const { secret } = await newKey();
    await post(
      STORE,
      { inputs: [{ vault: { kind: 'SESSION', id: 'served' }, content: 'text' }] },
      secret,
    );
    const { dimensions } = (await vaultState(secret, 'served'))!;
    const lines = [
      JSON.stringify({ content: 'plain line' }),
      JSON.stringify({ content: 'own vector', embedding: randomVector(dimensions) }),
    ].join('\n');
    const report = (await (
      await rest(secret, 'session/served/import', { method: 'POST', body: lines })
    ).json()) as { imported: number; failed: number; failures: { line: number; code: string }[] };
    expect(report).toMatchObject({
      imported: 1,
      failed: 1,
      failures: [{ line: 2, code: 'EMBEDDING_MISMATCH' }],
    });
  });
});
