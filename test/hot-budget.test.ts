import { describe, expect, it } from 'vitest';
import {
  affordable,
  ISOLATE_HOT_BYTES,
  isolateHotBytes,
  ownHotBudgetForTest,
  registerCache,
  registerHolder,
} from '../src/durable/hot-tier/hot-budget';

describe("the isolate's hot budget", () => {
  it('counts caches, and lets them go before it refuses an index', () => {
    let held = 0;
    const released: number[] = [];
    registerCache({
      get memoryBytes() {
        return held;
      },
      release(bytes) {
        released.push(bytes);
        held = Math.max(0, held - bytes);
      },
    });
    const others = isolateHotBytes();
    held = 1_000;
    expect(isolateHotBytes()).toBe(others + 1_000);
    const limit = others + 1_500;

    expect(affordable(400, limit)).toBe(true); // fits beside the cache
    expect(released).toEqual([]);

    expect(affordable(800, limit)).toBe(true); // 300 lacking: the cache lets them go
    expect(released).toEqual([300]);
    expect(held).toBe(700);

    // More than the caches could give: 2,000 in an isolate of its own. A
    // project's test files share one isolate (vitest.config.ts), whose other
    // caches give way too, so the request is sized against the limit.
    expect(affordable(limit + 500, limit)).toBe(false);
    expect(held).toBe(0);
  });

  it('gives a test a budget of its own, apart from the indexes already in the isolate', () => {
    // The "isolate" here is itself a budget of the isolate's size holding
    // only this test's indexes: the real one is shared with every earlier
    // test file of the runner, whose live indexes may fill it.
    const isolate = ownHotBudgetForTest();
    const earlier = { memoryBytes: 10 * 1024 * 1024 };
    try {
      registerHolder(earlier);
      expect(isolateHotBytes()).toBeGreaterThanOrEqual(earlier.memoryBytes);
      const restore = ownHotBudgetForTest(1_000);
      try {
        expect(isolateHotBytes()).toBeLessThan(earlier.memoryBytes);
        const own = { memoryBytes: 0 };
        registerHolder(own);
        // Caches give way (the default limit is now the own budget's 1,000).
        expect(affordable(900)).toBe(true);
        own.memoryBytes = 900;
        expect(affordable(200)).toBe(false);
        restore();
        // Back in the enclosing budget, with the index made meanwhile counted in it.
        expect(isolateHotBytes()).toBeGreaterThanOrEqual(earlier.memoryBytes + 900);
        expect(affordable(200)).toBe(true);
        expect(affordable(ISOLATE_HOT_BYTES)).toBe(false);
      } finally {
        restore();
      }
    } finally {
      isolate();
      earlier.memoryBytes = 0;
    }
  });
});
