import type { MemoryWindow } from '../kronos/windows';
import type { Phase, PhaseTimings } from './phase-timings';

/** What one request read from memory, reported in the response `extensions.memory`. */
export interface MemoryReceipt {
  /** One entry per vault object called. */
  vaults: { vault: string; calls: number; elapsedMs: number }[];
  /** Windows searched, with the hits each returned after merging across vaults. */
  windows: { window: MemoryWindow; hits: number }[];
  /** Memory tokens this request metered: content written plus content returned by searches. */
  memoryTokens: number;
  /** Milliseconds per phase so far (the Server-Timing figures, without serialization). */
  timings: Partial<Record<Phase, number>>;
}

export class ReceiptCollector {
  private readonly vaults = new Map<string, { calls: number; elapsedMs: number }>();
  private readonly windows = new Map<MemoryWindow, number>();
  private memoryTokens = 0;
  private touched = false;

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

  /** Memory written by this request (stores, imports): metered like memory read. */
  recordWrite(memoryTokens: number): void {
    this.touched = true;
    this.memoryTokens += memoryTokens;
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
      timings: this.timings.toJSON(),
    };
  }
}
