import { beforeAll, describe, expect, it } from 'vitest';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

// What a newcomer's curl sends (review246 F1): `curl -d '{"query": …}'`
// without `-H 'content-type: application/json'` posts the JSON as a form,
// and `-H 'content-type:'` sends no type at all. Both got answers that hid
// what was off: "Must provide query string." and an empty 415.

const query = JSON.stringify({ query: '{ me { id } }' });

describe('POST /graphql bodies by Content-Type', () => {
  let key: Awaited<ReturnType<typeof newKey>>;
  beforeAll(async () => {
    key = await newKey();
  });

  const post = (body: BodyInit, type?: string) =>
    workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.secret}`,
        ...(type === undefined ? {} : { 'content-type': type }),
      },
      body,
    });

  it('without a Content-Type, the body is read as JSON, the route’s own kind', async () => {
    // A byte body: fetch adds no Content-Type of its own (a string would get text/plain).
    const response = await post(new TextEncoder().encode(query));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: { id: key.keyId } } });
  });

  it('JSON sent as a form (curl -d’s default) is a coded 415 saying what to send', async () => {
    const response = await post(query, 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    const body = (await response.json()) as {
      errors: { message: string; extensions: Record<string, unknown> }[];
    };
    expect(body.errors[0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(body.errors[0]!.message).toContain("-H 'content-type: application/json'");
  });

  it('a real form (query=…) is still read, as Yoga reads it', async () => {
    const response = await post(
      new URLSearchParams({ query: '{ me { id } }' }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: { id: key.keyId } } });
  });
});
