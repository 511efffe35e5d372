import { beforeEach, describe, expect, it } from 'vitest';
// The package's source, as a Worker that depends on @memoryrouter/client bundles it.
import { createClient } from '../packages/client/src/index';
import { keyWithMemory } from './helpers/drop-in';
import { fakeCalls, resetFakes } from './helpers/fakes';
import { BASE_URL, workerFetch } from './helpers/graphql';

/** A client whose every request is listed in `sent` before it reaches the Worker. */
function countingClient(key: string) {
  const sent: string[] = [];
  const client = createClient({
    url: BASE_URL,
    key,
    fetch: (input, init) => {
      sent.push(input);
      return workerFetch(input, init);
    },
  });
  return { client, sent };
}

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/**
 * What the typed client settles before sending anything (review207 D): a
 * stream asked for with a signal that is already aborted ends as an abort
 * during the stream does (the loop ends, nothing thrown), and no request
 * leaves: no provider call, no turn stored.
 */
describe('@memoryrouter/client before sending', () => {
  beforeEach(resetFakes);

  it('sends no chat and follows no vault when the signal is aborted already', async () => {
    const { secret } = await keyWithMemory('The user lives in Lisbon');
    const { client, sent } = countingClient(secret);
    const aborted = new AbortController();
    aborted.abort();
    const input = {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'USER' as const, content: 'Where do I live? (pre-aborted)' }],
    };

    // Before: the chat was sent (the provider called, the turn stored) while the loop yielded nothing.
    const chat = client.chat(input, { providerKey: 'sk-test', signal: aborted.signal });
    expect(await collect(chat)).toEqual([]);
    expect(sent).toEqual([]);
    // Before: the subscription was opened, and stayed open until an event came.
    const events = client.memoryEvents({ kind: 'CORE' }, { signal: aborted.signal });
    expect(await collect(events)).toEqual([]);
    expect(sent).toEqual([]);

    // The same chat with a live signal goes out (so `sent` and the fake do see one).
    const answered = await collect(
      client.chat(input, { providerKey: 'sk-test', signal: new AbortController().signal }),
    );
    expect(answered.at(-1)?.done).toBe(true);
    expect(sent).toEqual([`${BASE_URL}/graphql`]);
    const chats = (await fakeCalls()).filter((call) => call.path.includes('/chat/completions'));
    expect(chats).toHaveLength(1);
  });

  it('refuses a key no HTTP header can carry with INVALID_KEY, sending nothing', async () => {
    // The docs' own placeholder, typed as is: "…" is U+2026, outside Latin-1.
    const { client, sent } = countingClient('mk_…');
    // Before: NETWORK_ERROR "could not reach …: Cannot convert argument to a ByteString".
    const refused = await client.me().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'INVALID_KEY', status: undefined });
    expect((refused as Error).message).toContain('U+2026 (…) at character 4');
    const streamed = await collect(
      client.memoryEvents({ kind: 'CORE' }, { signal: new AbortController().signal }),
    ).catch((error: unknown) => error);
    expect(streamed).toMatchObject({ code: 'INVALID_KEY' });
    const lineBreak = countingClient('mk_abc\ndef');
    expect(await lineBreak.client.vaults().catch((error: unknown) => error)).toMatchObject({
      code: 'INVALID_KEY',
    });
    expect([...sent, ...lineBreak.sent]).toEqual([]);

    // A key with trailing whitespace (a pasted line) is sent, the header dropping it; the server judges it.
    const { secret } = await keyWithMemory('The user lives in Lisbon');
    const pasted = countingClient(`${secret}\n`);
    expect((await pasted.client.vaults()).map((vault) => vault.kind)).toContain('CORE');
  });
});
