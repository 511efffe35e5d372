/**
 * One memory key of an account found by its id, before and after branch
 * small-follow, inside workerd against a real account object, in turn: the
 * admin fields that name a key (vaultSnapshots, restoreVault,
 * deleteKeyVaults, migrateKvVaults) called `listKeys()` and searched it;
 * they now call `key(id)`. Revoked keys are kept for good, so an old
 * account holds many: accounts of 10, 1,000 and 5,000 keys (all but the
 * last revoked), the key sought the newest one (the end of the list).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { percentile } from './measure';

const SIZES = [10, 1_000, 5_000];
const SAMPLES = 15;
const CALLS = 10;

it('a key by id: listKeys().find before, key(id) after, in turn', async () => {
  console.log(`\nkey by id, ms per call (p50 of ${SAMPLES} samples of ${CALLS} calls, in turn)`);
  for (const size of SIZES) {
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:bench-keys-${size}`));
    // Written as rows (as years of createKey/revokeKey leave them), the last one active.
    await runInDurableObject(account, (_, state) => {
      for (let index = 0; index < size; index += 1)
        state.storage.sql.exec(
          'INSERT INTO memory_keys (id, lookup_id, name, verifier, created_at, revoked_at, secret_id) VALUES (?, ?, ?, ?, ?, ?, NULL)',
          `key_${String(index).padStart(32, '0')}`,
          `lookup_${index}`,
          `key ${index}`,
          'v'.repeat(43),
          1_700_000_000_000 + index,
          index === size - 1 ? null : 1_700_000_000_000 + index + 1,
        );
    });
    const target = `key_${String(size - 1).padStart(32, '0')}`;
    const before = async () => (await account.listKeys()).find((key) => key.id === target);
    const after = () => account.key(target);
    if ((await before())?.id !== target || (await after())?.id !== target)
      throw new Error(`${size}: the key was not found`);
    const times: [number[], number[]] = [[], []];
    for (let s = 0; s < SAMPLES; s++) {
      const order = s % 2 === 0 ? [0, 1] : [1, 0];
      for (const side of order) {
        const run = side === 0 ? before : after;
        const started = performance.now();
        for (let c = 0; c < CALLS; c++) await run();
        times[side]!.push((performance.now() - started) / CALLS);
      }
    }
    const [old, now] = times.map((samples) => percentile(samples, 50));
    console.log(
      `${String(size).padStart(5)} keys: before ${old!.toFixed(2)}, after ${now!.toFixed(2)}, after ÷ before ${(now! / old!).toFixed(3)}`,
    );
  }
});
