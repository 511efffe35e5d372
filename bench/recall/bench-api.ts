/**
 * The recall benchmarks' client of the Worker: GraphQL requests through its
 * default export inside workerd, a fresh memory key (one account each) and
 * how a LoCoMo turn is stored.
 */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import type { RecallTurn } from './dataset';

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { memory?: { vaults?: { elapsedMs: number }[] } };
}

export async function graphql<T>(
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<GraphQLResponse<T> & { ms: number }> {
  const started = performance.now();
  const response = await exports.default.fetch(
    new Request('http://bench.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as GraphQLResponse<T>;
  const ms = performance.now() - started;
  if (body.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return { ...body, ms };
}

export const STORE = `mutation ($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }`;
export const SEARCH = `query ($input: SearchInput!) { search(input: $input) { hits { memory { id } } } }`;

export async function memoryKey(): Promise<string> {
  const admin = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`bench-${Date.now().toString(36)}`)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
  const created = await graphql<{ createMemoryKey: { secret: string } }>(
    admin,
    'mutation { createMemoryKey(name: "recall bench") { secret } }',
    {},
  );
  return created.data!.createMemoryKey.secret;
}

export const content = (turn: { speaker: string; text: string }) => `${turn.speaker}: ${turn.text}`;

/** The recall benchmarks store a conversation's turns in batches of this many. */
export const STORE_BATCH = 100;

/**
 * Stores a conversation's turns in order, `STORE_BATCH` to a `storeMemories`
 * call, each as `content(turn)` at its own time. Returns which turn each new
 * memory id holds, and each batch's time per memory (ms) for the write-cost
 * figures.
 */
export async function storeConversation(
  token: string,
  vault: { kind: string; id: string },
  turns: readonly RecallTurn[],
): Promise<{ turnOf: Map<string, string>; msPerMemory: number[] }> {
  const turnOf = new Map<string, string>();
  const msPerMemory: number[] = [];
  for (let start = 0; start < turns.length; start += STORE_BATCH) {
    const batch = turns.slice(start, start + STORE_BATCH);
    const stored = await graphql<{ storeMemories: { id: string }[] }>(token, STORE, {
      inputs: batch.map((turn) => ({
        vault,
        content: content(turn),
        createdAt: new Date(turn.createdAt).toISOString(),
      })),
    });
    msPerMemory.push(stored.ms / batch.length);
    stored.data!.storeMemories.forEach((memory, i) => turnOf.set(memory.id, batch[i]!.turnId));
  }
  return { turnOf, msPerMemory };
}
