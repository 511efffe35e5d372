import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { encodeText } from '../src/core/encoding';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { ListVaultsDocument, StoreMemoriesDocument } from './generated/graphql';
import { newKey, post } from './helpers/graphql';
import { recordVaultCalls } from './helpers/vault-calls';

type Key = Awaited<ReturnType<typeof newKey>>;

interface Page {
  vaultsConnection: {
    edges: {
      cursor: string;
      node: { kind: string; externalId: string | null } & Record<string, unknown>;
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE = `query Page($first: Int, $after: String) {
  vaultsConnection(first: $first, after: $after) {
    edges { cursor node { id kind externalId exportUrl } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Stores one memory in each vault named, one request after another (their registration order). */
async function storeIn(key: Key, vaults: { kind: 'SESSION' | 'EPHEMERAL'; id: string }[]) {
  for (const vault of vaults)
    await key.api.request(StoreMemoriesDocument, {
      inputs: [{ content: `a memory of ${vault.id}`, vault }],
    });
}

/** Every vault `vaultsConnection` lists, page by page, as `KIND:id`. */
async function pageThrough(key: Key, first: number) {
  const listed: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page: { data?: Page; errors?: unknown } = await post<Page>(
      PAGE,
      { first, after },
      key.secret,
    );
    expect(page.errors).toBeUndefined();
    const { edges, pageInfo } = page.data!.vaultsConnection;
    expect(edges.length).toBeLessThanOrEqual(first);
    listed.push(...edges.map(({ node }) => `${node.kind}:${node.externalId ?? ''}`));
    if (!pageInfo.hasNextPage) return listed;
    after = pageInfo.endCursor;
  }
  throw new Error('paging never ended');
}

describe('vaultsConnection', () => {
  it('pages through every vault of the key once: CORE first, then the others oldest first', async () => {
    const key = await newKey();
    const sessions = ['s0', 's1', 's2', 's3', 's4'].map((id) => ({ kind: 'SESSION' as const, id }));
    await storeIn(key, [...sessions, { kind: 'EPHEMERAL', id: 'talk' }]);

    const paged = await pageThrough(key, 2);
    expect(paged).toHaveLength(7);
    expect(paged[0]).toBe('CORE:');
    expect(paged.filter((vault) => vault.startsWith('SESSION'))).toEqual(
      sessions.map(({ id }) => `SESSION:${id}`),
    );
    expect(paged).toContain('EPHEMERAL:talk');
    // The list field lists the same vaults in the same order, capped by `first`.
    const listed = (await key.api.request(ListVaultsDocument)).vaults.map(
      (vault) => `${vault.kind}:${vault.externalId ?? ''}`,
    );
    expect(listed).toEqual(paged);
    const capped = await post<{ vaults: { kind: string; externalId: string | null }[] }>(
      '{ vaults(first: 3) { kind externalId } }',
      {},
      key.secret,
    );
    expect(capped.data!.vaults.map((vault) => `${vault.kind}:${vault.externalId ?? ''}`)).toEqual(
      paged.slice(0, 3),
    );
    // Another key's vaults are never listed.
    expect(await pageThrough(await newKey(), 5)).toEqual(['CORE:']);
  });

  it('opens no vault to list them, and one call per listed vault when a field needs its stats', async () => {
    const key = await newKey();
    await storeIn(key, [
      { kind: 'SESSION', id: 'a' },
      { kind: 'SESSION', id: 'b' },
      { kind: 'EPHEMERAL', id: 'c' },
    ]);
    const arrived = recordVaultCalls();
    try {
      const listed = await post<Page>(PAGE, { first: 4 }, key.secret);
      expect(listed.data!.vaultsConnection.edges).toHaveLength(4);
      expect(arrived.calls).toEqual([]);

      const counted = await post<Page>(
        `{ vaultsConnection(first: 3) { edges { node { kind externalId memoryCount lastWriteAt dimensions embedding { model } } } } }`,
        {},
        key.secret,
      );
      const nodes = counted.data!.vaultsConnection.edges.map((edge) => edge.node);
      expect(nodes.map((node) => [node.kind, node.memoryCount])).toEqual([
        ['CORE', 0],
        ['SESSION', 1],
        ['SESSION', 1],
      ]);
      // Four stats fields, three vaults: three calls, one per vault.
      expect(arrived.calls).toHaveLength(3);
      expect(new Set(arrived.calls).size).toBe(3);
    } finally {
      arrived.stop();
    }
  });

  it('leaves out a conversation that expired, and pages on past it', async () => {
    const key = await newKey();
    await storeIn(key, [
      { kind: 'EPHEMERAL', id: 'over' },
      { kind: 'SESSION', id: 'after-it' },
    ]);
    // The conversation ends as its expiry would end it: its object wiped,
    // its registration left behind, older than a conversation can live.
    const over: VaultAddress = { kind: 'EPHEMERAL', keyId: key.keyId, externalId: 'over' };
    const vault = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(over)));
    expect((await vault.clear(over)).ok).toBe(true);
    const ttlMs = Number(env.EPHEMERAL_TTL_HOURS) * 3_600_000;
    await runInDurableObject(
      env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${key.accountId}`)),
      (_, state) =>
        state.storage.sql.exec(
          "UPDATE vaults SET created_at = created_at - ? WHERE kind = 'EPHEMERAL'",
          ttlMs + 60_000,
        ),
    );
    // Page 1: CORE and the expired conversation's place (left out); page 2: the session.
    const first = await post<Page>(PAGE, { first: 2 }, key.secret);
    expect(first.data!.vaultsConnection.edges.map((edge) => edge.node.kind)).toEqual(['CORE']);
    expect(first.data!.vaultsConnection.pageInfo.hasNextPage).toBe(true);
    const second = await post<Page>(
      PAGE,
      { first: 2, after: first.data!.vaultsConnection.pageInfo.endCursor },
      key.secret,
    );
    expect(second.data!.vaultsConnection.edges.map((edge) => edge.node.externalId)).toEqual([
      'after-it',
    ]);
    expect(second.data!.vaultsConnection.pageInfo.hasNextPage).toBe(false);
    expect(await pageThrough(key, 10)).toEqual(['CORE:', 'SESSION:after-it']);
  });

  it('refuses a page size out of range or a cursor it did not make, and lists nothing', async () => {
    const key = await newKey();
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }]) {
      const result = await post<Page>(PAGE, variables, key.secret);
      expect(result.data ?? null, JSON.stringify(variables)).toBeNull();
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe(
        'BAD_USER_INPUT',
      );
    }
    const unauthenticated = await post<Page>(PAGE, {});
    expect(unauthenticated.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('a vaultsConnection cursor', () => {
  it("pages on only the calling key's listing: another key's, or a memories cursor, is INVALID_CURSOR", async () => {
    const mine = await newKey();
    const theirs = await newKey();
    const sessions = ['a', 'b', 'c'].map((id) => ({ kind: 'SESSION' as const, id }));
    await storeIn(mine, sessions);
    await storeIn(theirs, sessions);
    const first = await post<Page>(PAGE, { first: 2 }, theirs.secret);
    const cursor = first.data!.vaultsConnection.pageInfo.endCursor!;

    // Before: the other key's position paged through this key's vaults.
    const refused = await post<Page>(PAGE, { first: 2, after: cursor }, mine.secret);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/another memory key/),
      extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' },
    });

    const memories = await post<{
      vault: { memories: { pageInfo: { endCursor: string } } };
    }>(
      `query { vault(selector: { kind: SESSION, id: "a" }) { memories(first: 1) { pageInfo { endCursor } } } }`,
      {},
      mine.secret,
    );
    const memoryCursor = memories.data!.vault.memories.pageInfo.endCursor;
    const mixed = await post<Page>(PAGE, { after: memoryCursor }, mine.secret);
    expect(mixed.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/memories/),
      extensions: { reason: 'INVALID_CURSOR' },
    });

    // The key's own cursor pages on.
    const own = await post<Page>(PAGE, { first: 2 }, mine.secret);
    const next = await post<Page>(
      PAGE,
      { first: 5, after: own.data!.vaultsConnection.pageInfo.endCursor },
      mine.secret,
    );
    expect(next.data!.vaultsConnection.edges.map((edge) => edge.node.externalId)).toEqual([
      'b',
      'c',
    ]);
    // A cursor of the earlier, unbound form (here: just past CORE) is taken as before.
    const legacy = await post<Page>(PAGE, { after: encodeText('-1:c:') }, mine.secret);
    expect(legacy.data!.vaultsConnection.edges.map((edge) => edge.node.externalId)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});
