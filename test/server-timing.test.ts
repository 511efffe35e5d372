import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MeDocument, StoreMemoriesDocument } from './generated/graphql';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { PhaseTimings } from '../src/resolvers/phase-timings';

/** A Server-Timing value as name → milliseconds. */
function phases(header: string | null): Record<string, number> {
  expect(header).not.toBeNull();
  return Object.fromEntries(
    header!.split(', ').map((entry) => {
      const match = /^([a-z]+);dur=(\d+(?:\.\d+)?)$/.exec(entry);
      expect(match, entry).not.toBeNull();
      return [match![1]!, Number(match![2])];
    }),
  );
}

const graphql = (query: string, variables: Record<string, unknown>, secret: string) =>
  workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query, variables }),
  });

describe('Server-Timing', () => {
  it('a search names every phase it went through, and its receipt carries the same figures', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'the boat is moored at the north pier' }],
    });
    const response = await graphql(
      `
        {
          search(input: { query: "where is the boat moored", mode: HYBRID }) {
            hits {
              memory {
                content
              }
            }
          }
        }
      `,
      {},
      secret,
    );
    const body = (await response.json()) as {
      data: { search: { hits: unknown[] } };
      extensions: { memory: { timings: Record<string, number> } };
    };
    expect(body.data.search.hits).toHaveLength(1);
    const timing = phases(response.headers.get('server-timing'));
    expect(Object.keys(timing)).toEqual([
      'auth',
      'parse',
      'embed',
      'vault',
      'search',
      'hydrate',
      // No 'meter': a one-vault search is metered inside its vault call.
      'serialize',
      'total',
    ]);
    // The receipt is written before serialization: every other phase, same figures.
    const beforeSerialize = Object.fromEntries(
      Object.entries(timing).filter(([phase]) => phase !== 'serialize' && phase !== 'total'),
    );
    expect(body.extensions.memory.timings).toEqual(beforeSerialize);
  });

  it('a search over several vaults is metered inside a vault call too: no meter phase', async () => {
    const { api, secret } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'the kayak is in the shed' },
        { content: 'the kayak paddles are blue', vault: { kind: 'SESSION', id: 'k' } },
      ],
    });
    const response = await graphql(
      `
        {
          search(input: { query: "kayak", vaults: [{ kind: CORE }, { kind: SESSION, id: "k" }] }) {
            memoryTokens
          }
        }
      `,
      {},
      secret,
    );
    const body = (await response.json()) as { data: { search: { memoryTokens: number } } };
    expect(body.data.search.memoryTokens).toBeGreaterThan(0);
    const timing = phases(response.headers.get('server-timing'));
    expect(Object.keys(timing)).toContain('vault');
    expect(Object.keys(timing)).not.toContain('meter');
  });

  it('a store times tokenizing, embedding and the vault call', async () => {
    const { secret } = await newKey();
    const response = await graphql(
      print(StoreMemoriesDocument),
      { inputs: [{ content: 'a note to keep' }] },
      secret,
    );
    expect(response.status).toBe(200);
    expect(Object.keys(phases(response.headers.get('server-timing')))).toEqual(
      expect.arrayContaining(['auth', 'parse', 'embed', 'tokenize', 'vault', 'serialize', 'total']),
    );
    // A write to one vault is metered by the vault, in the same call.
    expect(Object.keys(phases(response.headers.get('server-timing')))).not.toContain('meter');
  });

  it('REST routes and refusals carry it too', async () => {
    const { secret } = await newKey();
    const exported = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(exported.status).toBe(200);
    await exported.arrayBuffer();
    expect(Object.keys(phases(exported.headers.get('server-timing')))).toContain('auth');

    const unknown = await workerFetch(`${BASE_URL}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(Object.keys(phases(unknown.headers.get('server-timing')))).toEqual(['total']);

    const refused = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer mk_forged' },
      body: JSON.stringify({ query: print(MeDocument) }),
    });
    expect(Object.keys(phases(refused.headers.get('server-timing')))).toContain('auth');
  });
});

describe('PhaseTimings', () => {
  it('counts a phase waited on by calls in flight together once, as the span the Worker waited', async () => {
    let clock = 0;
    const timings = new PhaseTimings(() => clock);
    const opened = () => {
      let settle!: () => void;
      const done = new Promise<void>((resolve) => (settle = resolve));
      return { done, settle };
    };
    const core = opened();
    const session = opened();
    // A chat's two reads: sent at 0 and 1, answered at 4 and 6.
    const coreRead = timings.time('vault', () => core.done);
    clock = 1;
    const sessionRead = timings.time('vault', () => session.done);
    clock = 4;
    core.settle();
    await coreRead;
    clock = 6;
    session.settle();
    await sessionRead;
    // A later call on its own: 10 to 12.
    clock = 10;
    await timings.time('vault', async () => {
      clock = 12;
    });
    // 0–6 and 10–12, not the waits' sum (4 + 5 + 2).
    expect(timings.toJSON().vault).toBe(8);
    clock = 20;
    expect(timings.toHeader()).toBe('vault;dur=8, total;dur=20');
  });
});
