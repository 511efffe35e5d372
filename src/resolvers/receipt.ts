import type { MemoryWindow } from '../kronos/windows';
import type { Phase, PhaseTimings } from './phase-timings';
import type { TextOnlyReason } from '../durable/rpc/vault-types';

/** What one request read from memory, reported in the response `extensions.memory`. */
export interface MemoryReceipt {
  /** One entry per vault object called. */
  vaults: { vault: string; calls: number; elapsedMs: number }[];
  /** Windows searched, with the hits each returned after merging across vaults. */
  windows: { window: MemoryWindow; hits: number }[];
  /**
   * Memory tokens this request metered: content written, content returned by
   * searches, and memory injected into a model call the provider accepted
   * (0 for a chat that failed before that).
   */
  memoryTokens: number;
  /** Milliseconds per phase so far (the Server-Timing figures, without serialization). */
  timings: Partial<Record<Phase, number>>;
  /**
   * Vaults whose VECTOR or HYBRID search was answered by text alone, and why
   * (REEMBEDDING: the vault is moving to the query's embedding model;
   * REEMBEDDING_FAILED: that move gave up and waits for an admin). Absent
   * when every vault searched as asked.
   */
  textOnly?: { vault: string; reason: TextOnlyReason }[];
  /** Facts extracted by the caller's model, when a write asked for extraction. */
  facts?: FactsReceipt;
  /**
   * A store answered from its idempotency key (nothing written, nothing
   * billed): the first call's memories again, and which of them were
   * deleted since (Memory.id; they stay deleted, `memory(id)` is null).
   */
  replay?: { deletedSince: string[] };
}

/** What fact extraction did to the vault (ids are Memory.id). */
export interface FactsReceipt {
  /** Facts the model found. */
  extracted: number;
  /** New facts stored. */
  added: { id: string; content: string }[];
  /** New facts stored in place of an older memory (`supersedes`). */
  updated: { id: string; content: string; supersedes: string }[];
  /** Memories superseded by the `updated` facts. */
  superseded: string[];
  /** Memories the model said are no longer true (their rows are kept, marked). */
  deleted: string[];
  /** Facts the vault already held (or the model called unchanged). */
  unchanged: number;
  /** Decisions refused: an UPDATE or DELETE naming a memory outside the fact's candidates. */
  rejected: number;
  /**
   * Facts left out because the vault refuses them as memories (empty or
   * invisible-only text, a lone surrogate): the turn and the other facts are stored.
   */
  refused: number;
  /** Why extraction failed (the raw turn was stored anyway); null when it worked. */
  failure: { reason: string; message: string } | null;
  /** The extraction calls' tokens, as the provider reported them: the caller's own provider cost. */
  usage: { inputTokens: number; outputTokens: number };
}

export class ReceiptCollector {
  private readonly vaults = new Map<string, { calls: number; elapsedMs: number }>();
  private readonly windows = new Map<MemoryWindow, number>();
  private memoryTokens = 0;
  private touched = false;
  private readonly textOnly = new Map<string, TextOnlyReason>();
  private facts: FactsReceipt | null = null;
  private replay: { deletedSince: string[] } | null = null;

  constructor(private readonly timings: PhaseTimings) {}

  recordCall(vault: string, elapsedMs: number): void {
    this.touched = true;
    const entry = this.vaults.get(vault) ?? { calls: 0, elapsedMs: 0 };
    entry.calls += 1;
    entry.elapsedMs += elapsedMs;
    this.vaults.set(vault, entry);
  }

  recordSearch(windows: { window: MemoryWindow; hits: number }[], memoryTokens: number): void {
    this.touched = true;
    for (const { window, hits } of windows)
      this.windows.set(window, (this.windows.get(window) ?? 0) + hits);
    this.memoryTokens += memoryTokens;
  }

  /** A vault answered a VECTOR or HYBRID search by text alone. */
  recordTextOnly(vault: string, reason: TextOnlyReason): void {
    this.touched = true;
    this.textOnly.set(vault, reason);
  }

  /** Memory written by this request (stores, imports): metered like memory read. */
  recordWrite(memoryTokens: number): void {
    this.touched = true;
    this.memoryTokens += memoryTokens;
  }

  /** Memory injected into a model call, once metered (after the provider accepted the call). */
  recordInjected(memoryTokens: number): void {
    this.touched = true;
    this.memoryTokens += memoryTokens;
  }

  /** A store answered from its idempotency key; `deletedSince`: its memories deleted since. */
  recordReplay(deletedSince: readonly string[]): void {
    this.touched = true;
    this.replay ??= { deletedSince: [] };
    this.replay.deletedSince.push(...deletedSince);
  }

  /** What fact extraction did; several extractions in one request add up. */
  recordFacts(facts: FactsReceipt): void {
    this.touched = true;
    if (this.facts === null) {
      this.facts = structuredClone(facts);
      return;
    }
    const into = this.facts;
    into.extracted += facts.extracted;
    into.added.push(...facts.added);
    into.updated.push(...facts.updated);
    into.superseded.push(...facts.superseded);
    into.deleted.push(...facts.deleted);
    into.unchanged += facts.unchanged;
    into.rejected += facts.rejected;
    into.refused += facts.refused;
    into.failure ??= facts.failure;
    into.usage.inputTokens += facts.usage.inputTokens;
    into.usage.outputTokens += facts.usage.outputTokens;
  }

  /** null when the request read no memory at all. */
  toJSON(): MemoryReceipt | null {
    if (!this.touched) return null;
    return {
      vaults: [...this.vaults].map(([vault, { calls, elapsedMs }]) => ({
        vault,
        calls,
        elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      })),
      windows: [...this.windows].map(([window, hits]) => ({ window, hits })),
      memoryTokens: this.memoryTokens,
      ...(this.textOnly.size === 0
        ? {}
        : { textOnly: [...this.textOnly].map(([vault, reason]) => ({ vault, reason })) }),
      ...(this.facts === null ? {} : { facts: this.facts }),
      ...(this.replay === null ? {} : { replay: this.replay }),
      timings: this.timings.toJSON(),
    };
  }
}
