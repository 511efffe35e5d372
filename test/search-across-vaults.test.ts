import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { contentKey } from '../src/core/best-by-content';
import { readConfig } from '../src/core/config';
import { unpackWindows } from '../src/durable/rpc/packed-windows';
import type { VaultReadOpResult } from '../src/durable/rpc/vault-types';
import type { Lead } from '../src/durable/vault/vault-reads';
import type { VaultObject } from '../src/durable/vault/vault-object';
import { planWindows } from '../src/kronos/plan';
import { mergeHits } from '../src/resolvers/merge-hits';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import {
  GetVaultDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { newKey } from './helpers/graphql';

describe('storing and searching across vaults', () => {
  it('answers storeMemories in the order of its inputs, whichever vault each went to', async () => {
    const { api } = await newKey();
    const inputs = ['one', 'two', 'three', 'four', 'five'].map((word, i) => ({
      content: `input number ${word}`,
      ...(i % 2 ? { vault: { kind: 'SESSION' as const, id: 'odd' } } : {}),
    }));
    const { storeMemories } = await api.request(StoreMemoriesDocument, { inputs });
    expect(storeMemories.map((memory) => [memory.content, memory.vault.kind])).toEqual(
      inputs.map((input) => [input.content, input.vault ? 'SESSION' : 'CORE']),
    );
  });

  it("keeps one copy of a fact stored in several vaults, and each window's limit", async () => {
    const { api } = await newKey();
    const session = { kind: 'SESSION' as const, id: 'trip' };
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The spare key is under the blue flowerpot' },
        { content: 'the spare key is under the blue flowerpot ', vault: session },
        { content: 'A spare key for the bike lock is in the drawer' },
        { content: 'The car key is on the hook by the door', vault: session },
        { content: 'The office key card opens the side entrance', vault: session },
      ],
    });
    const search = (limit: number) =>
      api.request(SearchDocument, {
        input: {
          query: 'where is the spare key',
          vaults: [{ kind: 'CORE' }, session],
          windows: [{ window: 'HOT', limit }],
          mode: 'TEXT',
        },
      });
    const all = (await search(10)).search.hits.map((hit) =>
      hit.memory.content.trim().toLowerCase(),
    );
    expect(
      all.filter((content) => content === 'the spare key is under the blue flowerpot'),
    ).toHaveLength(1);
    expect(new Set(all).size).toBe(all.length);
    // Five memories, four distinct: a limit of 2 across two vaults is 2, not 2 per vault.
    const limited = (await search(2)).search.hits;
    expect(limited).toHaveLength(2);
    expect(limited[0]!.score).toBeGreaterThanOrEqual(limited[1]!.score);
  });

  it('keeps a session and a conversation of the same id apart', async () => {
    const { api } = await newKey();
    const vaults = [
      { kind: 'SESSION' as const, id: 'same-id' },
      { kind: 'EPHEMERAL' as const, id: 'same-id' },
    ];
    for (const vault of vaults) {
      await api.request(StoreMemoryDocument, {
        input: { content: `written to the ${vault.kind.toLowerCase()} vault`, vault },
      });
    }
    for (const vault of vaults) {
      const listed = (await api.request(GetVaultDocument, { selector: vault, first: 10 })).vault!;
      expect(listed.memories.edges.map((edge) => edge.node.content)).toEqual([
        `written to the ${vault.kind.toLowerCase()} vault`,
      ]);
    }
  });
});

type LedResult = Extract<VaultReadOpResult, { type: 'search'; ok: true }>;

describe('a search over several vaults, as the vault leading it merged it', () => {
  const sessions = [
    { kind: 'SESSION' as const, id: 'harbour' },
    { kind: 'SESSION' as const, id: 'island' },
  ];
  const selectors = [{ kind: 'CORE' as const }, ...sessions];

  /** Three vaults of one key, some of one content, and the vault leading their searches (CORE, first by name). */
  async function threeVaults() {
    const { api, accountId, keyId } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'The ferry to the island leaves at nine' },
        { content: 'the ferry to the island leaves at nine.', vault: sessions[0] },
        { content: 'The island ferry stays in port when the wind is strong', vault: sessions[0] },
        { content: 'A ferry ticket to the island costs twelve euros', vault: sessions[1] },
        { content: 'The last ferry back from the island is at six', vault: sessions[1] },
        { content: 'Bring a jacket: the ferry deck is windy' },
      ],
    });
    const addresses: VaultAddress[] = [
      { kind: 'CORE', keyId, externalId: null },
      ...sessions.map((session) => ({ kind: session.kind, keyId, externalId: session.id })),
    ];
    const leader = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName(addresses[0]!)),
    ) as DurableObjectStub<VaultObject>;
    const search = async () =>
      (
        await api.request(SearchDocument, {
          input: {
            query: 'the ferry to the island',
            vaults: selectors,
            mode: 'TEXT',
            windows: [{ window: 'HOT', limit: 10 }],
          },
        })
      ).search;
    return { accountId, keyId, addresses, leader, search };
  }

  /** Changes what the leading vault hands on, once it has led a search. */
  const afterLead = (leader: DurableObjectStub<VaultObject>, change: (led: LedResult) => void) =>
    runInDurableObject(leader, (instance) => {
      const reads = (instance as unknown as { reads: { lead: (lead: Lead) => Promise<boolean> } })
        .reads;
      const lead = reads.lead.bind(reads);
      reads.lead = async (led) => {
        const armed = await lead(led);
        change(led.result);
        return armed;
      };
    });

  it('reads the list in the order the leading vault merged it, without merging again', async () => {
    const { leader, search } = await threeVaults();
    const merged = await search();
    expect(merged.hits.length).toBeGreaterThan(3);
    // The leader's order names each window's best hit alone: so does the answer.
    await afterLead(leader, (led) => {
      led.merged = led.merged?.map((window) => ({
        ...window,
        vaults: window.vaults.slice(0, 1),
        places: window.places.slice(0, 1),
      }));
    });
    expect((await search()).hits).toStrictEqual(merged.hits.slice(0, 1));
  });

  it('merges the windows itself when the leading vault is of the previous release (no order), to the same answer', async () => {
    const { leader, search } = await threeVaults();
    const merged = await search();
    await afterLead(leader, (led) => delete led.merged);
    expect(await search()).toStrictEqual(merged);
  });

  it('hands a Worker of the previous release (which merges them) windows that merge to that same list', async () => {
    const { accountId, keyId, addresses, leader, search } = await threeVaults();
    const config = readConfig(env);
    const windows = planWindows([{ window: 'HOT', limit: 10 }], Date.now(), config.bands);
    // The op as that Worker sends it: it reads no `merged`.
    const response = await leader.read(addresses[0]!, [
      {
        type: 'search',
        request: {
          text: 'the ferry to the island',
          vector: null,
          model: 'none',
          mode: 'TEXT',
          windows,
          metadata: null,
          vectorWeight: config.hybridVectorWeight,
          acrossVaults: true,
        },
        fanOut: {
          vaults: addresses,
          meter: { requestId: 'req-previous-worker', accountId, keyId },
        },
        packed: true,
      },
    ]);
    if (!response.ok) throw new Error(response.message);
    const [led] = response.results;
    if (!led?.ok || led.type !== 'search') throw new Error('no search result');
    const theirs = led.fannedFrom!.map(({ call, result }) => {
      const answer = response.fanned![call]!.answer;
      const found = answer.ok ? answer.results[result] : undefined;
      if (!found?.ok || found.type !== 'search') throw new Error('no search result');
      return unpackWindows(found.packed!);
    });
    const perVault = [unpackWindows(led.packed!), ...theirs].map((found, at) => ({
      address: addresses[at]!,
      windows: found,
    }));
    const mergedAgain = mergeHits(windows, perVault);
    expect(mergedAgain).toStrictEqual(mergeHits(windows, perVault, led.merged));
    // Five contents (the ferry at nine in two vaults, kept once), those this
    // release's Worker answers (its search ranks words with all three vaults'
    // counts, this one with each vault's own: the order, and which copy of
    // the ferry at nine is the better, may differ).
    const contents = (hits: readonly { memory: { content: string } }[]) =>
      hits.map((hit) => contentKey(hit.memory.content)).sort();
    expect(contents(mergedAgain)).toEqual(contents((await search()).hits));
    expect(mergedAgain).toHaveLength(5);
  });
});
