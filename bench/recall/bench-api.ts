/**
 * The recall benchmarks' client of the Worker: GraphQL requests through its
 * default export inside workerd, a fresh memory key (one account each) and
 * how a LoCoMo turn is stored.
 */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';

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
