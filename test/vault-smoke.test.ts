import { describe, expect, it } from 'vitest';
import {
  allTime,
  freshAddress,
  memory,
  searchRequest,
  storeRequest,
  vaultStub,
} from './helpers/vaults';

describe('smoke', () => {
  it('stores and finds', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const stored = await vault.store(
      address,
      storeRequest([memory('My dog is called Biscuit'), memory('I work at a bakery in Lisbon')]),
    );
    expect(stored.ok).toBe(true);
    const found = ok(await vault.search(address, [
      searchRequest('what is my dog called?', [allTime(1)]),
    ]);

    expect(found.results[0]![0]!.hits[0]!.memory.content).toBe('My dog is called Biscuit');
  });
});
