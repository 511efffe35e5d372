/**
 * What live subscribers cost a store into their vault (review214 W3): the
 * same `storeMemory` through the Worker into a SESSION vault with no
 * subscriber, and into one with 100 (MAX_SUBSCRIPTIONS_PER_VAULT) sockets
 * on the vault object, opened as the Worker's memoryEvents resolver opens
 * them and read (parsed) in this isolate: the vault's fan-out, without
 * GraphQL on the subscribers' side. A sample ends when the mutation
 * answers. (100 SSE subscriptions through the Worker in the same isolate
 * as the bench never all reached their vault here: dropped.) Variants in
 * turns, medians of means of batches; figures only, no asserts.
 */
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { benchMemoryKey, graphql, median, timeInTurns } from './worker-graphql';
import { MAX_SUBSCRIPTIONS_PER_VAULT } from '../src/core/limits';
import { vaultObjectName } from '../src/vaults/address';

const BATCH = 5;
const SAMPLES = 15;
const STORE_ONE = 'mutation($input: StoreMemoryInput!) { storeMemory(input: $input) { id } }';

it('a store into a vault with live subscribers', async () => {
  const { secret, id: keyId } = await benchMemoryKey('bench-fan-out-account', 'bench-fan-out');
  const vault = (id: string) => ({ kind: 'SESSION', id: `fan-${id}` });
  let counter = 0;
  const store = (id: string) =>
    graphql(secret, STORE_ONE, {
      input: { content: `note ${counter++}: topic ${counter % 17}`, vault: vault(id) },
    });
  for (const id of ['none', 'bare']) await store(id);
  // 100 bare sockets on the object: its fan-out alone.
  const stub = env.VAULT.get(
    env.VAULT.idFromName(vaultObjectName({ kind: 'SESSION', keyId, externalId: 'fan-bare' })),
  );
  const sockets: WebSocket[] = [];
  let bareEvents = 0;
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_VAULT; i++) {
    const response = await stub.fetch('https://vault.internal/events', {
      headers: {
        Upgrade: 'websocket',
        'X-Vault-Address': JSON.stringify({ kind: 'SESSION', keyId, externalId: 'fan-bare' }),
      },
    });
    const socket = response.webSocket!;
    socket.accept();
    // As the Worker's subscriber does (resolvers/memory-events.ts): parse each event.
    socket.addEventListener('message', (message) => {
      JSON.parse(message.data as string);
      bareEvents++;
    });
    sockets.push(socket);
  }
  const variants: [string, () => Promise<unknown>][] = [
    ['no subscriber', () => store('none')],
    ['100 bare sockets, answered', () => store('bare')],
  ];
  for (const [, run] of variants) await run();
  const samples = await timeInTurns(
    variants.map(([, run]) => run),
    SAMPLES,
    BATCH,
  );
  const reference = median(samples[0]!);
  console.log(
    [
      '',
      'MemoryRouter subscriber fan-out benchmark — storeMemory through the Worker, offline embedder',
      ...variants.map(([label], v) => {
        const value = median(samples[v]!);
        return `  ${label.padEnd(32)} p50 ${value.toFixed(1)} ms   ${(value / reference).toFixed(2)}× no subscriber`;
      }),
      `  (samples are means of ${BATCH} consecutive stores; variants in turns, ${SAMPLES} samples each; bare socket events seen: ${bareEvents})`,
      '',
    ].join('\n'),
  );
  for (const socket of sockets) socket.close(1000, 'done');
});
