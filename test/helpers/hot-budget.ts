import { afterEach, beforeEach } from 'vitest';
import { ownHotBudgetForTest } from '../../src/durable/hot-tier/hot-budget';

/**
 * Gives each test of the calling file a hot budget of its own
 * (hot-budget.ts), `bytes` (the isolate's 72 MiB by default): the indexes
 * earlier files of the project left in the shared isolate no longer count
 * against it, so whether an index keeps its float32 block depends on the
 * test alone, not on file order or when the garbage collector last ran.
 */
export function useOwnHotBudget(bytes?: number): void {
  let restore: (() => void) | null = null;
  beforeEach(() => {
    restore = ownHotBudgetForTest(bytes);
  });
  afterEach(() => {
    restore?.();
    restore = null;
  });
}
