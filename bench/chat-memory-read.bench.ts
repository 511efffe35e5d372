/**
 * What a chat's memory read costs beside the ranking, inside workerd: the
 * two `read` calls a drop-in chat with a session makes (its key's CORE vault,
 * here never written, and the SESSION vault of 10k memories), with the
 * search op the route sends (the deployment's default windows, HOT:4,
 * WORKING:4, LONG_TERM:4, HYBRID, windows packed into columns), each alone
 * and both at once as the loader sends them. For each: the wall time of the
 * call(s), the objects' own time (`elapsedMs`) and the ranking's
 * (`searchMs + hydrateMs`). Memories are sentences over bench:api's
 * vocabulary with random vectors, as in the vault-read-rpc bench.
 *
 * The chat variants send the search as the route does: each window read
 * deeper for the picks and one more for the user's own message (13 of each
 * here, not 4; 9 as main read them before review 253 F8, a variant kept to
 * pair against), and `acrossVaults` (two vaults: each reports its spelling).
 * A second test times the Worker's own steps of such a chat, before the
 * reads (the small-talk and date checks of the query, the no-words notice)
 * and after them (spelling across vaults and the merge, the picks, the
 * block), on bench:api's queries and their real answers.
 *
 * Samples are means of BATCH consecutive reads (workerd's clock moves on
 * I/O), the variants taken in turn so that they meet the same load.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { readConfig } from '../src/core/config';
import { MAX_HITS_PER_WINDOW } from '../src/core/limits';
import { unpackWindows } from '../src/durable/rpc/packed-windows';
import type { SearchRequest, VaultReadResponse } from '../src/durable/rpc/vault-types';
import { planWindows } from '../src/kronos/plan';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { vaultStub } from '../src/durable/rpc/stubs';
import { seededRandom } from '../test/helpers/random';
import { corpus } from './api/corpus';
import { corpusSearchRequest, fillCorpusVault } from './corpus-vault';
import { BATCH, percentile, printCallPhases, sampleInTurn } from './measure';
import { windowsAcrossVaults } from '../src/durable/queries/spelling-across-vaults';
import { mergeHits, type RankedHit } from '../src/resolvers/merge-hits';
import { deeperWindows, pickAcrossWindows } from '../src/resolvers/chat/memory-picks';
import { renderMemoryBlock } from '../src/resolvers/chat/memory-block';
import { isSmallTalk } from '../src/resolvers/chat/memory-turn';
import { queryDates, readQueryDates } from '../src/text/query-dates';
import { lacksSearchableWords } from '../src/text/searchable-words';
import type { WindowSearch } from '../src/kronos/plan';

const ROWS = 10_000;
const DIMS = 384;
const SAMPLES = 40;
const STEP_PASSES = 8;
const next = seededRandom(13);
const { sentence, longQuery } = corpus(13);
const now = Date.now();
const config = readConfig(env);
// The chat route's windows: the deployment's defaults (a chat names none).
const windows = planWindows(config.defaultWindows, now, config.bands);

const stubOf = (address: VaultAddress) => vaultStub(env, address);

let loaded: Promise<VaultAddress> | null = null;

/** The 10k SESSION vault, filled once for both tests of this file (storage is shared within a file). */
function loadedSession(): Promise<VaultAddress> {
  loaded ??= (async () => {
    const address: VaultAddress = { kind: 'SESSION', keyId: 'bench-chat', externalId: 's' };
    const stub = stubOf(address);
    await fillCorpusVault(stub, address, { rows: ROWS, dims: DIMS, now, sentence, next });
    return address;
  })();
  return loaded;
}

let coreLoaded: Promise<VaultAddress> | null = null;

/** A CORE vault of 1,000 memories: 500 of the last hours, 500 stored 100 days ago (ARCHIVE). */
function loadedCore(): Promise<VaultAddress> {
  coreLoaded ??= (async () => {
    const address: VaultAddress = { kind: 'CORE', keyId: 'bench-chat-core', externalId: null };
    const stub = stubOf(address);
    await fillCorpusVault(stub, address, {
      rows: 500,
      dims: DIMS,
      now: now - 100 * 86_400_000,
      sentence,
      next,
    });
    await fillCorpusVault(stub, address, { rows: 500, dims: DIMS, now, sentence, next });
    return address;
  })();
  return coreLoaded;
}

it("chat memory read: the CORE and session vaults' calls beside their ranking", async () => {
  const session = await loadedSession();
  const core: VaultAddress = { kind: 'CORE', keyId: 'bench-chat', externalId: null };
  const request = (): SearchRequest =>
    corpusSearchRequest(windows, config.hybridVectorWeight, { dims: DIMS, sentence, next });
  // As the route sends it: each window read deeper and widened by one
  // (chatReads), and, with two vaults, each vault reporting its spelling.
  const chatRequest = (): SearchRequest => ({
    ...corpusSearchRequest(chatReads(windows), config.hybridVectorWeight, {
      dims: DIMS,
      sentence,
      next,
    }),
    acrossVaults: true,
  });
  // A chat that names no windows reads CORE in ARCHIVE too (memory-turn.ts
  // `chatArchive`; since review 273 F3 every vault, rows below): CORE's
  // request carries a fourth window, read as deep as the others. Measured on the never-written CORE (bench:api's) and on a
  // CORE of 1,000 memories, half of them older than LONG_TERM.
  const withArchive = planWindows(
    [...config.defaultWindows, { window: 'ARCHIVE', limit: 4 }],
    now,
    config.bands,
  );
  const chatArchiveRequest = (): SearchRequest => ({
    ...corpusSearchRequest(chatReads(withArchive), config.hybridVectorWeight, {
      dims: DIMS,
      sentence,
      next,
    }),
    acrossVaults: true,
  });
  const coreHeld = await loadedCore();
  const kept = new Map<string, ReturnType<typeof stubOf>>();
  const keptStub = (address: VaultAddress) => {
    const name = vaultObjectName(address);
    let stub = kept.get(name);
    if (stub === undefined) kept.set(name, (stub = stubOf(address)));
    return stub;
  };
  const read = async (address: VaultAddress, made: SearchRequest, keep = false) => {
    const response = await (keep ? keptStub(address) : stubOf(address)).read(address, [
      { type: 'search', request: made, packed: true },
    ]);
    if (!response.ok) throw new Error(response.message);
    for (const result of response.results)
      if (result.ok && result.type === 'search' && result.packed) unpackWindows(result.packed);
    return response;
  };
  // Since review 273 F3 the chat reads every vault in ARCHIVE (memory-turn.ts
  // `chatArchive`): the session's request carries the ARCHIVE window too,
  // read as deep as searchMemories reads it (the windows' slots with
  // ARCHIVE's, plus one), its other windows as before; `coreVault` is sent
  // as the two rows before these send it (CORE alone in ARCHIVE).
  const bothInArchive = (coreVault: VaultAddress) => {
    const made = chatRequest();
    const archived = chatArchiveRequest().windows;
    return Promise.all([
      read(coreVault, { ...made, windows: archived }),
      read(session, { ...made, windows: [...made.windows, archived.at(-1)!] }),
    ]);
  };
  const variants: [string, () => Promise<VaultReadResponse[]>][] = [
    ['CORE (never written) alone', async () => [await read(core, request())]],
    ['SESSION (10k) alone', async () => [await read(session, request())]],
    ['CORE alone, stub kept', async () => [await read(core, request(), true)]],
    ['SESSION alone, stub kept', async () => [await read(session, request(), true)]],
    [
      'both at once, stubs kept',
      async () => {
        const made = request();
        return Promise.all([read(core, made, true), read(session, made, true)]);
      },
    ],
    [
      'both at once',
      async () => {
        const made = request();
        return Promise.all([read(core, made), read(session, made)]);
      },
    ],
    ['SESSION alone, chat request', async () => [await read(session, chatRequest())]],
    [
      'both, chat request (the chat)',
      async () => {
        const made = chatRequest();
        return Promise.all([read(core, made), read(session, made)]);
      },
    ],
    [
      'both, chat, as main read (twice limit)',
      async () => {
        const made = { ...chatRequest(), windows: chatReads(windows, twiceTheLimit) };
        return Promise.all([read(core, made), read(session, made)]);
      },
    ],
    [
      'both, chat, CORE (never written) also in ARCHIVE',
      async () => {
        const made = chatRequest();
        return Promise.all([
          read(core, { ...made, windows: chatArchiveRequest().windows }),
          read(session, made),
        ]);
      },
    ],
    [
      'both, chat, CORE of 1k',
      async () => {
        const made = chatRequest();
        return Promise.all([read(coreHeld, made), read(session, made)]);
      },
    ],
    [
      'both, chat, CORE of 1k also in ARCHIVE',
      async () => {
        const made = chatRequest();
        return Promise.all([
          read(coreHeld, { ...made, windows: chatArchiveRequest().windows }),
          read(session, made),
        ]);
      },
    ],
    // Paired with the two rows above: the same, with the session in ARCHIVE too.
    ['both, chat, both in ARCHIVE (never-written CORE)', () => bothInArchive(core)],
    ['both, chat, both in ARCHIVE (CORE of 1k)', () => bothInArchive(coreHeld)],
  ];
  for (const [, run] of variants) for (let i = 0; i < 5; i++) await run(); // warm up
  const wall = variants.map(() => [] as number[]);
  const inside = variants.map(() => [] as number[]);
  const ranked = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, run]] of variants.entries()) {
      let elapsed = 0;
      let searched = 0;
      const started = performance.now();
      for (let b = 0; b < BATCH; b++) {
        for (const response of await run()) {
          elapsed += response.elapsedMs;
          searched += response.searchMs + response.hydrateMs;
        }
      }
      wall[v]!.push((performance.now() - started) / BATCH);
      inside[v]!.push(elapsed / BATCH);
      ranked[v]!.push(searched / BATCH);
    }
  }
  console.log(
    `\nchat memory read (HOT:4, WORKING:4, LONG_TERM:4, HYBRID; a chat request reads each ${chatReads(windows)[0]!.limit} deep, acrossVaults), p50 of ${SAMPLES} samples × ${BATCH}`,
  );
  printCallPhases(
    variants.map(([name]) => name),
    wall,
    inside,
    ranked,
  );
});

/** The windows as a chat reads them: deeper (memory-picks.ts), then widened by one for the user's own message. */
function chatReads(
  planned: readonly WindowSearch[],
  deeper: (windows: readonly WindowSearch[]) => WindowSearch[] = deeperWindows,
): WindowSearch[] {
  return deeper(planned).map((search) =>
    search.limit === 0
      ? search
      : { ...search, limit: Math.min(MAX_HITS_PER_WINDOW, search.limit + 1) },
  );
}

/**
 * How deep a chat read each window before review 253 F8: twice its limit,
 * or the other windows' limits added up when less (memory-picks.ts), kept
 * to pair against today's read.
 */
function twiceTheLimit(windows: readonly WindowSearch[]): WindowSearch[] {
  const slots = windows.reduce((sum, { limit }) => sum + limit, 0);
  return windows.map((search) =>
    search.limit === 0
      ? search
      : {
          ...search,
          limit: Math.min(
            MAX_HITS_PER_WINDOW,
            search.limit + Math.min(search.limit, slots - search.limit),
          ),
        },
  );
}

it("chat memory read: the Worker's steps before and after the two reads", async () => {
  const session = await loadedSession();
  const core: VaultAddress = { kind: 'CORE', keyId: 'bench-chat', externalId: null };
  const reads = chatReads(windows);
  // What bench:api's chat sends both vaults (acrossVaults: two vaults), and their answers.
  const answers = [];
  const queries: string[] = [];
  for (let q = 0; q < 50; q++) {
    const query = longQuery();
    const made: SearchRequest = {
      ...corpusSearchRequest(reads, config.hybridVectorWeight, { dims: DIMS, sentence, next }),
      text: query,
      acrossVaults: true,
    };
    const perVault = await Promise.all(
      [core, session].map(async (address) => {
        const response = await stubOf(address).read(address, [
          { type: 'search', request: made, packed: true },
        ]);
        if (!response.ok) throw new Error(response.message);
        const result = response.results[0]!;
        if (!result.ok || result.type !== 'search') throw new Error('no search');
        return {
          address,
          windows: result.packed ? unpackWindows(result.packed) : result.windows,
          spelling: result.spelling,
        };
      }),
    );
    answers.push(perVault);
    queries.push(query);
  }
  const inputs = answers.map((perVault, at) => ({ perVault, query: queries[at]! }));
  const merged = ({ perVault }: (typeof inputs)[number]): RankedHit[] => {
    const spelt = windowsAcrossVaults(perVault);
    return mergeHits(
      reads,
      perVault.map((vault, at) => ({ address: vault.address, windows: spelt[at]! })),
    );
  };
  const mergedHits = inputs.map(merged);
  const steps: [string, (input: (typeof inputs)[number] & { at: number }) => void][] = [
    ['isSmallTalk(query)', ({ query }) => void isSmallTalk(query)],
    [
      'names a date (namesDate)',
      ({ query }) =>
        void (readQueryDates(query, now).writtenDays.length > 0 || queryDates(query, now).length),
    ],
    ['lacksSearchableWords (notice)', ({ query }) => void lacksSearchableWords(query, now)],
    ['merge (spelling, mergeHits)', (input) => void merged(input)],
    [
      'picks (pickAcrossWindows)',
      ({ query, at }) =>
        void pickAcrossWindows(mergedHits[at]!, windows, {
          query,
          explicitWindows: false,
          namesDate: false,
        }),
    ],
    [
      'block (renderMemoryBlock)',
      ({ at }) =>
        void renderMemoryBlock(mergedHits[at]!, 2000, { now: Date.now(), offsetMinutes: 0 }),
    ],
  ];
  const indexed = inputs.map((input, at) => ({ ...input, at }));
  // Each step is far below the clock's tick: a sample is a pass over every
  // answer, STEP_PASSES times, the steps taken in turn.
  const jobs = steps.map(([, run]) => (input: (typeof indexed)[number]) => {
    for (let p = 0; p < STEP_PASSES; p++) run(input);
  });
  for (let i = 0; i < 3; i++) sampleInTurn(jobs, indexed, 2); // warm up
  const samples = sampleInTurn(jobs, indexed, SAMPLES).map((list) =>
    list.map((ms) => ms / STEP_PASSES),
  );
  console.log(
    `\nthe Worker's steps of bench:api's chat (its 50 queries and their two answers), p50 of ${SAMPLES} samples × ${BATCH * STEP_PASSES}, ms a chat`,
  );
  steps.forEach(([name], at) =>
    console.log(`${name.padEnd(34)} ${percentile(samples[at]!, 50).toFixed(4)}`),
  );
});
