import { describe, expect, it } from 'vitest';
import { DEBUG_EPOCH_HEADER } from '../../src/http/edge-headers';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

/** The two epoch-ms readings of an `x-debug-epoch` answer. */
function epochs(response: Response): [number, number] {
  const value = response.headers.get(DEBUG_EPOCH_HEADER);
  expect(value).toMatch(/^\d+,\d+$/);
  const [start, end] = value!.split(',').map(Number) as [number, number];
  return [start, end];
}

// This project runs the Worker with ENVIRONMENT = "development" (test/production: none sent).
describe('x-debug-epoch (bench:api:edge)', () => {
  it('is sent only when asked for: the Worker’s clock as it started and finished, in order', async () => {
    const before = Date.now();
    const asked = await workerFetch(`${BASE_URL}/health`, {
      headers: { [DEBUG_EPOCH_HEADER]: '1' },
    });
    const after = Date.now();
    const [start, end] = epochs(asked);
    expect(before).toBeLessThanOrEqual(start);
    expect(start).toBeLessThanOrEqual(end);
    expect(end).toBeLessThanOrEqual(after);

    const plain = await workerFetch(`${BASE_URL}/health`);
    expect(plain.headers.get(DEBUG_EPOCH_HEADER)).toBeNull();
    // Nothing else about the answer changes.
    expect(await asked.json()).toEqual(await plain.json());
    expect(asked.headers.get('access-control-allow-origin')).toBe('*');
    expect(asked.headers.get('server-timing')).toMatch(/total;dur=/);
  });

  it('comes with GraphQL answers and refusals alike', async () => {
    const { secret } = await newKey();
    const me = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        [DEBUG_EPOCH_HEADER]: '1',
      },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(((await me.json()) as { data: { me: { id: string } } }).data.me.id).toMatch(/^key_/);
    epochs(me);
    const missing = await workerFetch(`${BASE_URL}/nowhere`, {
      headers: { [DEBUG_EPOCH_HEADER]: '1' },
    });
    expect(missing.status).toBe(404);
    epochs(missing);
  });
});
