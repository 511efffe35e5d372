// Run only by scripts/ci/watchdog-check.mjs: a test that never yields.
import { expect, it } from 'vitest';

it('passes', () => expect(1).toBe(1));

it('spins for ever', () => {
  let turns = 0;
  for (;;) if (performance.now() < 0) turns++;
  expect(turns).toBe(0);
});
