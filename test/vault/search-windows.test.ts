import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/core/config';
import type { SearchMode, WindowSearch } from '../../src/durable/rpc/vault-types';
import { windowRange, type MemoryWindow } from '../../src/kronos/windows';
import {
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const { bands } = readConfig(env);
const WORDS = 'garden piano budget coffee train doctor lake holiday meeting dog'.split(' ');

function windowsAt(now: number, windows: MemoryWindow[], limit = 4): WindowSearch[] {
  return windows.map((window) => ({ window, ...windowRange(window, now, bands), limit }));
}

// One search op carries every window (the Worker sends them together): each
// window must answer exactly what it answers when it is searched alone.
describe('a search over several windows', () => {
  it('answers each window as that window searched alone, in every mode', async () => {
    const address = freshAddress('SESSION');
    const vault = vaultStub(address);
    const now = Date.now();
    // Memories in every window: minutes, days, weeks and a year back.
    const ages = [5 * 60_000, 3 * HOUR, 2 * DAY, 5 * DAY, 20 * DAY, 60 * DAY, 200 * DAY, 400 * DAY];
    const memories = ages.flatMap((age, a) =>
      Array.from({ length: 6 }, (_, i) =>
        memory(
          Array.from({ length: 5 + i }, (_, w) => WORDS[(a * 3 + i * 7 + w * 5) % WORDS.length])
            .concat(`note ${a}-${i}`)
            .join(' '),
          { createdAt: now - age - i * 1_000 },
        ),
      ),
    );
    ok(await vault.store(address, storeRequest(memories)));
    const all: MemoryWindow[] = ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'];
    for (const mode of ['HYBRID', 'TEXT', 'VECTOR'] as SearchMode[]) {
      const query = 'piano lessons by the lake with the dog';
      const together = ok(
        await vault.search(address, [searchRequest(query, windowsAt(now, all), { mode })]),
      ).results[0]!;
      expect(together.map((result) => result.window)).toEqual(all);
      expect(
        together.every((result) => result.hits.length > 0),
        mode,
      ).toBe(true);
      for (const [at, window] of all.entries()) {
        const alone = ok(
          await vault.search(address, [searchRequest(query, windowsAt(now, [window]), { mode })]),
        ).results[0]!;
        expect(together[at], `${mode} ${window}`).toEqual(alone[0]);
      }
      // The same window twice: the same answer in both.
      const twice = ok(
        await vault.search(address, [
          searchRequest(query, windowsAt(now, ['WORKING', 'WORKING']), { mode }),
        ]),
      ).results[0]!;
      expect(twice[1]).toEqual(twice[0]);
      expect(twice[0]).toEqual(together[1]);
    }
  });
});
