import DataLoader from 'dataloader';
import { CodedError, failure, type Failure, type Result } from '../core/errors';
import { unpackWindows } from '../durable/rpc/packed-windows';
import { vaultStub } from '../durable/rpc/stubs';
import type { CorpusStatistics } from '../durable/full-text/corpus-statistics';
import type {
  TextStatisticsQuery,
  VaultReadOp,
  VaultReadOpResult,
  VaultReadResponse,
  VaultStats,
} from '../durable/rpc/vault-types';
import { vaultLabel, vaultObjectName, type VaultAddress } from '../vaults/address';
import type { PhaseTimings } from './phase-timings';
import type { ReceiptCollector } from './receipt';

interface ReadKey {
  address: VaultAddress;
  /** A promise while its input is still being made (a search's query embedding). */
  op: VaultReadOp | Promise<VaultReadOp>;
  /** The other vaults a search sent to this vault reads itself (`fanOut`), known before its op is made. */
  leads?: readonly VaultAddress[];
}

type OkResult = Exclude<VaultReadOpResult, Failure>;

/**
 * Microtask turns a batch stays open after its first read. Sibling fields of
 * one GraphQL level start in one synchronous pass, but plugin wrappers (scope
 * auth, validation) can take a few turns before a resolver runs. Not a timer:
 * `setTimeout(0)` waits about 1 ms in workerd, on every request that reads.
 */
const BATCH_TURNS = 8;

async function afterTurns(callback: () => void): Promise<void> {
  for (let turn = 0; turn < BATCH_TURNS; turn++) await Promise.resolve();
  callback();
}

/**
 * The per-request gateway to vault objects for reads. Every read asked for in
 * the same pass of GraphQL execution (one level, however many fields, windows
 * or aliases) is grouped by vault and sent as ONE `read` RPC per vault, all
 * vaults in parallel. A read whose input is still being made (a search
 * waiting for its query embedding) joins with a promise of its op, so the
 * batch need not wait on a timer for it to start. Each call also returns the
 * vault's stats, which are kept for the rest of the request so `Vault` fields
 * cost nothing.
 */
export class VaultLoader {
  private readonly loader: DataLoader<ReadKey, OkResult>;
  private readonly stats = new Map<string, Promise<VaultStats>>();
  /** A vault's size asked for after a call that did not measure it (`storageBytesOf`). */
  private readonly sizing = new Map<string, Promise<number>>();
  /** Vaults whose stats came in the answer of a search another vault led (`statsWhenLed`). */
  private readonly fannedStats = new Set<string>();

  constructor(
    private readonly env: Env,
    private readonly receipt: ReceiptCollector,
    private readonly timings: PhaseTimings,
  ) {
    this.loader = new DataLoader((keys) => this.dispatch(keys), {
      cache: false,
      batchScheduleFn: (callback) => void afterTurns(callback),
      maxBatchSize: 1_000,
    });
  }

  read<T extends OkResult['type']>(
    address: VaultAddress,
    op: (VaultReadOp & { type: T }) | Promise<VaultReadOp & { type: T }>,
    /** For a search this vault will lead (`fanOut`): every vault of it, known before the op is made. */
    leads?: readonly VaultAddress[],
  ): Promise<Extract<OkResult, { type: T }>> {
    return this.loader.load({ address, op, ...(leads ? { leads } : {}) }) as Promise<
      Extract<OkResult, { type: T }>
    >;
  }

  /**
   * One read of import `importId`, sent in a call of its own (no other read
   * of the request goes with it): the vault answers a read of an import a
   * clear or a restore ended as that import's store would be (VAULT_CLEARED,
   * VAULT_RESTORED, even mid-swap; durable/vault/vault-imports.ts). Counted
   * in the receipt and the timings as every call is.
   */
  async readForImport<T extends OkResult['type']>(
    address: VaultAddress,
    op: VaultReadOp & { type: T },
    importId: string,
  ): Promise<Extract<OkResult, { type: T }>> {
    const response = await this.call(vaultObjectName(address), address, [op], { importId });
    const result = response.ok ? response.results[0]! : response;
    if (!result.ok) throw vaultRefusal(address, result);
    return result as Extract<OkResult, { type: T }>;
  }

  /** The vault's stats, from an earlier call in this request when there was one. */
  statsOf(address: VaultAddress): Promise<VaultStats> {
    const name = vaultObjectName(address);
    let stats = this.stats.get(name);
    if (stats === undefined) {
      stats = this.read(address, { type: 'stats' }).then(() => this.stats.get(name)!);
      this.stats.set(name, stats);
    }
    return stats;
  }

  /**
   * The bytes the vault's database holds. Only a call that asks for stats
   * measures them (`call`), so after a search alone this asks the vault
   * once more; a vault of the previous release measures them in every answer.
   */
  async storageBytesOf(address: VaultAddress): Promise<number> {
    const known = (await this.statsOf(address)).storageBytes;
    if (known !== undefined) return known;
    const name = vaultObjectName(address);
    let sized = this.sizing.get(name);
    if (sized === undefined) {
      sized = this.read(address, { type: 'stats' }).then(
        async () => (await this.stats.get(name)!).storageBytes ?? 0,
      );
      this.sizing.set(name, sized);
    }
    return sized;
  }

  /**
   * Each vault's part of BM25's word statistics of a query over several
   * vaults (durable/full-text/corpus-statistics.ts), in `addresses` order:
   * one light call per vault, all at once, before the search itself, for
   * the words this isolate has not counted lately (word-statistics-cache.ts).
   * Should a vault not answer, null: each vault then ranks with its own, and
   * its search says what failed.
   */
  async textStatistics(
    addresses: readonly VaultAddress[],
    query: TextStatisticsQuery,
  ): Promise<CorpusStatistics[] | null> {
    try {
      return await this.timings.time('vault', () =>
        Promise.all(
          addresses.map((address) => vaultStub(this.env, address).textStatistics(address, query)),
        ),
      );
    } catch {
      return null;
    }
  }

  /** Forgets what this request knows of a vault after writing to it. */
  invalidate(address: VaultAddress): void {
    this.stats.delete(vaultObjectName(address));
    this.sizing.delete(vaultObjectName(address));
  }

  /**
   * One call per vault, and each op's promise settles as soon as ITS vault
   * answers, not when the whole batch has. A vault's call waits only for its
   * own ops still being made: a `get` of one vault never waits for a search
   * of another to be embedded. A vault that a multi-vault search leads over
   * (its leader calls it: vault-fan-out.ts) gets no call of its own when the
   * batch asks it for stats only: those come with the leader's answer.
   * DataLoader adopts a promise given as a value.
   */
  private async dispatch(keys: readonly ReadKey[]): Promise<OkResult[]> {
    const groups = new Map<string, { address: VaultAddress; positions: number[] }>();
    keys.forEach((key, position) => {
      const name = vaultObjectName(key.address);
      const group = groups.get(name) ?? { address: key.address, positions: [] };
      group.positions.push(position);
      groups.set(name, group);
    });
    const results: Promise<OkResult>[] = new Array(keys.length);
    const calls = new Map<string, Promise<Promise<OkResult>[]>>();
    for (const [name, { address, positions }] of groups) {
      const ops = positions.map((position) => keys[position]!.op);
      const leaders = ops.every((op) => !(op instanceof Promise) && op.type === 'stats')
        ? leadersOver(name, keys)
        : [];
      const answers =
        leaders.length > 0
          ? this.statsWhenLed(name, address, ops, leaders, calls)
          : this.callWhenMade(name, address, ops);
      calls.set(name, answers);
      positions.forEach((position, index) => {
        results[position] = answers.then((answered) => answered[index]!);
      });
    }
    return results as unknown as OkResult[];
  }

  /**
   * A vault asked only for its stats in a batch that also holds a search
   * over it led by another vault: that vault's answer brings this one's
   * stats (every answer does), so no call of its own is made. If the led
   * search's answer did not bring them (it failed), it is called.
   */
  private async statsWhenLed(
    name: string,
    address: VaultAddress,
    ops: readonly (VaultReadOp | Promise<VaultReadOp>)[],
    leaders: readonly string[],
    calls: ReadonlyMap<string, Promise<Promise<OkResult>[]>>,
  ): Promise<Promise<OkResult>[]> {
    await Promise.resolve(); // every group of the batch has its call by now
    this.fannedStats.delete(name);
    for (const leader of leaders) await Promise.allSettled((await calls.get(leader)) ?? []);
    if (this.fannedStats.has(name))
      return ops.map(() => Promise.resolve<OkResult>({ ok: true, type: 'stats' }));
    return this.callWhenMade(name, address, ops);
  }

  /**
   * One vault's share of a batch: waits for its ops still being made, then
   * sends those that were made in one call. An op that could not be made
   * (its embedding failed) fails its read alone.
   */
  private async callWhenMade(
    name: string,
    address: VaultAddress,
    pending: readonly (VaultReadOp | Promise<VaultReadOp>)[],
  ): Promise<Promise<OkResult>[]> {
    const made = await Promise.allSettled(pending);
    const ops: VaultReadOp[] = [];
    for (const op of made) if (op.status === 'fulfilled') ops.push(op.value);
    const answered = ops.length > 0 ? this.call(name, address, ops) : null;
    let sent = 0;
    return made.map((op) => {
      if (op.status === 'rejected') return Promise.reject(op.reason as Error);
      const index = sent++;
      return answered!.then((response) => {
        const result = response.ok ? response.results[index]! : response;
        if (!result.ok) throw vaultRefusal(address, result);
        return result;
      });
    });
  }

  /** One `read` call: its figures go to the receipt and the timings, its stats are kept. */
  private async call(
    name: string,
    address: VaultAddress,
    ops: VaultReadOp[],
    options: { importId?: string } = {},
  ): Promise<Result<VaultReadResponse>> {
    // The database's size is measured only for a call that asks for stats
    // (`VaultReadOptions.storageBytes`): a search alone shows none.
    const sized = ops.some((op) => op.type === 'stats');
    const response = await this.timings.time('vault', async () =>
      vaultStub(this.env, address).read(address, ops.map(packedSearch), {
        storageBytes: sized,
        ...options,
      }),
    );
    this.absorb(name, address, response);
    if (response.ok && response.fanned !== undefined) {
      // The calls this vault made for the searches it led count as this
      // request's own calls; each led search gets its results from them.
      const fanned = response.fanned;
      for (const { address: other, answer } of fanned) {
        this.absorb(vaultObjectName(other), other, answer);
        if (answer.ok) this.fannedStats.add(vaultObjectName(other));
      }
      for (const result of response.results) {
        if (!result.ok || result.type !== 'search' || result.fannedFrom === undefined) continue;
        result.fanned = result.fannedFrom.map(({ call, result: at }) => {
          const answer = fanned[call]?.answer;
          if (answer === undefined)
            return failure('UPSTREAM_ERROR', 'a vault did not answer', 'VAULT_UNAVAILABLE');
          return answer.ok
            ? (answer.results[at] ??
                failure('UPSTREAM_ERROR', 'a vault did not answer', 'VAULT_UNAVAILABLE'))
            : answer;
        });
      }
    }
    return response;
  }

  /** Takes in one vault's answer: unpacks its searches' windows, records its figures, keeps its stats. */
  private absorb(name: string, address: VaultAddress, response: Result<VaultReadResponse>): void {
    if (!response.ok) return;
    for (const result of response.results) {
      if (result.ok && result.type === 'search' && result.packed !== undefined) {
        result.windows = unpackWindows(result.packed);
        delete result.packed;
      }
    }
    this.receipt.recordCall(vaultLabel(address), response.elapsedMs);
    this.timings.add('search', response.searchMs);
    this.timings.add('hydrate', response.hydrateMs);
    this.stats.set(name, Promise.resolve(response.stats));
  }
}

/** Refusals about what one vault holds, which a search over several must say of which vault. */
const ABOUT_THE_VAULT = new Set(['EMBEDDING_DIMENSIONS', 'EMBEDDING_MISMATCH']);

/** A vault's refusal as the caller's error, naming the vault when the refusal is about it. */
export function vaultRefusal(address: VaultAddress, result: Failure): CodedError {
  if (!ABOUT_THE_VAULT.has(result.reason ?? '')) return CodedError.from(result);
  return CodedError.from({ ...result, message: `vault ${vaultLabel(address)}: ${result.message}` });
}

/** The vaults of a batch leading a search that reads `name` (`ReadKey.leads`). */
function leadersOver(name: string, keys: readonly ReadKey[]): string[] {
  const leaders = new Set<string>();
  for (const key of keys) {
    const leader = vaultObjectName(key.address);
    if (leader !== name && key.leads?.some((vault) => vaultObjectName(vault) === name))
      leaders.add(leader);
  }
  return [...leaders];
}

/**
 * A search asks for its windows packed into columns (packed-windows.ts), the
 * cheaper shape to clone. A vault of the previous release ignores the flag
 * and answers plain windows, which pass through as they are.
 */
function packedSearch(op: VaultReadOp): VaultReadOp {
  return op.type === 'search' ? { ...op, packed: true } : op;
}
