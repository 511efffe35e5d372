import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { encodeText } from '../src/core/encoding';
import { vaultObjectName } from '../src/vaults/address';
import {
  ClearVaultDocument,
  GetMemoryDocument,
  GetVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { codes, newKey, post } from './helpers/graphql';

async function vaultCounts(api: Awaited<ReturnType<typeof newKey>>['api']) {
  const core = (await api.request(GetVaultDocument, { selector: { kind: 'CORE' } })).vault!;
  const session = (await api.request(GetVaultDocument, { selector: { kind: 'SESSION', id: 's' } }))
    .vault;
  return { core: core.memoryCount, session: session?.memoryCount ?? 0 };
}

describe('bad input gets a coded error and changes nothing', () => {
  it('refuses bad writes, all or nothing', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoryDocument, {
      input: { content: 'seed', embedding: [0.1, 0.2, 0.3, 0.4] },
    });
    const before = await vaultCounts(api);

    const big = 'x'.repeat(32_769);
    const cases: [string, unknown, string][] = [
      ['wrong vector size', { inputs: [{ content: 'a', embedding: [1, 2, 3] }] }, 'BAD_USER_INPUT'],
      ['zero vector', { inputs: [{ content: 'a', embedding: [0, 0, 0, 0] }] }, 'BAD_USER_INPUT'],
      [
        'oversized content',
        { inputs: [{ content: 'fine' }, { content: big }] },
        'PAYLOAD_TOO_LARGE',
      ],
      ['empty content', { inputs: [{ content: '   ' }] }, 'BAD_USER_INPUT'],
      [
        'metadata not an object',
        { inputs: [{ content: 'a', metadata: [1, 2] }] },
        'BAD_USER_INPUT',
      ],
      [
        'bad session id',
        { inputs: [{ content: 'a', vault: { kind: 'SESSION', id: 'no spaces/slashes' } }] },
        'BAD_USER_INPUT',
      ],
      // A path segment of the export URL that every URL parser folds away.
      [
        'session id ..',
        { inputs: [{ content: 'a', vault: { kind: 'SESSION', id: '..' } }] },
        'BAD_USER_INPUT',
      ],
      [
        'conversation id .',
        { inputs: [{ content: 'a', vault: { kind: 'EPHEMERAL', id: '.' } }] },
        'BAD_USER_INPUT',
      ],
      [
        'session without id',
        { inputs: [{ content: 'a', vault: { kind: 'SESSION' } }] },
        'BAD_USER_INPUT',
      ],
      ['bad date', { inputs: [{ content: 'a', createdAt: 'yesterday' }] }, 'BAD_USER_INPUT'],
      ['unknown role', { inputs: [{ content: 'a', role: 'ROBOT' }] }, 'BAD_USER_INPUT'],
      [
        'batch too large',
        { inputs: Array.from({ length: 101 }, (_, i) => ({ content: `m${i}` })) },
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'one bad vault in a multi-vault batch',
        {
          inputs: [
            { content: 'ok', vault: { kind: 'SESSION', id: 's' } },
            { content: 'bad', embedding: [1, 2] },
          ],
        },
        'BAD_USER_INPUT',
      ],
    ];
    for (const [label, variables, code] of cases) {
      const result = await post(
        StoreMemoriesDocument,
        variables as Record<string, unknown>,
        secret,
      );
      expect(codes(result), label).toEqual([code]);
      expect(result.data ?? null, label).toBeNull();
    }
    expect(await vaultCounts(api)).toEqual(before);
  });

  it('refuses bad reads with coded errors', async () => {
    const { secret } = await newKey();
    const search = (input: Record<string, unknown>) =>
      post(SearchDocument, { input: { query: 'x', ...input } }, secret);
    expect(codes(await search({ windows: [{ window: 'YESTERDAY', limit: 3 }] }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await search({ windows: [{ window: 'HOT', limit: 51 }] }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      codes(
        await search({
          windows: [
            { window: 'HOT', limit: 1 },
            { window: 'HOT', limit: 2 },
          ],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await search({
          vaults: Array.from({ length: 11 }, (_, i) => ({ kind: 'SESSION', id: `s${i}` })),
        }),
      ),
    ).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(codes(await search({ metadata: { nested: { no: true } } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await search({ query: '' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(GetMemoryDocument, { id: 'mem_not-really' }, secret))).toEqual([
      'BAD_USER_INPUT',
    ]);
    // Well encoded, but not a memory id's shape ("c:local:" with a two-letter kind).
    const twoLetterKind = `mem_${encodeText('cc:local:')}`;
    expect(codes(await post(GetMemoryDocument, { id: twoLetterKind }, secret))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      codes(
        await post(GetVaultDocument, { selector: { kind: 'CORE' }, after: 'not-a-cursor' }, secret),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(await post(GetVaultDocument, { selector: { kind: 'CORE' }, first: 1000 }, secret)),
    ).toEqual(['BAD_USER_INPUT']);
    // Clearing is idempotent: an unknown vault is already empty.
    expect(
      await post(
        ClearVaultDocument,
        { selector: { kind: 'SESSION', id: 'never-written' } },
        secret,
      ),
    ).toMatchObject({ data: { clearVault: 0 } });
  });

  it('masks unexpected errors but still gives them a code', async () => {
    const { api, secret, keyId } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'the vault works for now' } });
    // Something no client can cause: a stored memory's metadata is no longer
    // JSON. (It fails in the resolver that reads it, so workerd logs no
    // exception escaping the vault object: only our logger speaks.)
    const stub = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE memories SET metadata = '{"corrupt'`);
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const result = await post(
        SearchDocument,
        { input: { query: 'vault', mode: 'TEXT' } },
        secret,
      );
      expect(result.status).toBe(200);
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^mrq_/) },
        }),
      ]);
      // The parse error reached the log (name and message), not the client.
      const log = logged.mock.calls.flat().map(String).join(' ');
      expect(log).toMatch(/Unterminated string in JSON/);
      expect(JSON.stringify(result)).not.toMatch(/Unterminated|corrupt|JSON at|\bat\s.*\(/i);
    } finally {
      logged.mockRestore();
    }
  });

  it('gives engine errors a code and suggests nothing from the schema', async () => {
    const result = await post('{ __typename nope }');
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    // No "did you mean" suggestions leak the schema.
    expect(JSON.stringify(result)).not.toMatch(/did you mean/i);
  });

  it('does not log client errors, whose messages quote request input', async () => {
    const { secret } = await newKey();
    const logged = vi.spyOn(console, 'error');
    try {
      const result = await post(
        StoreMemoryDocument,
        { input: { content: 'x', createdAt: 'sk-pasted-by-mistake' } },
        secret,
      );
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      const text = logged.mock.calls
        .flat()
        .map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : String(arg)))
        .join(' ');
      expect(text).not.toContain('sk-pasted-by-mistake');
    } finally {
      logged.mockRestore();
    }
  });
});
