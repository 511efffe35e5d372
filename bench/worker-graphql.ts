/** GraphQL against the Worker of a bench's own workerd, as the in-Worker benches call it. */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';

const BASE = 'http://memoryrouter.bench';

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One operation through the Worker's own fetch; its first error thrown. */
export async function graphql(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await exports.default.fetch(
    new Request(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as {
    data?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    errors?: { message: string }[];
  };
  if (body.errors) throw new Error(body.errors[0]!.message);
  return body.data!;
}

/** A new memory key of `account`, made with an hour-long admin token. */
export async function benchMemoryKey(
  account: string,
  name: string,
): Promise<{ secret: string; id: string }> {
  const admin = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(account)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
  const created = await graphql(
    admin,
    'mutation($name: String!) { createMemoryKey(name: $name) { key { id } secret } }',
    { name },
  );
  return { secret: created.createMemoryKey.secret, id: created.createMemoryKey.key.id };
}

/**
 * Samples of several async jobs taken in turn, each sample the mean of
 * `batch` consecutive calls (workerd's clock ticks in whole milliseconds),
 * so every job meets the same load on a shared machine.
 */
export async function timeInTurns(
  jobs: readonly (() => Promise<unknown>)[],
  samples: number,
  batch: number,
): Promise<number[][]> {
  const out = jobs.map(() => [] as number[]);
  for (let s = 0; s < samples; s++) {
    for (const [j, run] of jobs.entries()) {
      const started = Date.now();
      for (let b = 0; b < batch; b++) await run();
      out[j]!.push((Date.now() - started) / batch);
    }
  }
  return out;
}
