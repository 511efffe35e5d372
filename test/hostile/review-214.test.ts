import { describe, expect, it } from 'vitest';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';

/**
 * The findings of an outside security review (review 214), one block each:
 * every refusal coded in its surface's shape, nothing called, stored or billed.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

/** A GraphQL operation sent as a GET with the key in `?key=`, as a link would carry it. */
function getGraphQL(key: Key, query: string, headers: Record<string, string> = {}) {
  const url = new URL(`${BASE_URL}/graphql`);
  url.searchParams.set('key', key.secret);
  url.searchParams.set('query', query);
  return workerFetch(url, { headers });
}

/** The errors of a GraphQL answer, as JSON or as the one `next` event of an SSE answer. */
async function errorsOf(response: Response): Promise<{ extensions?: unknown; message: string }[]> {
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? /^data: (.*)$/m.exec(text)![1]!
    : text;
  return (JSON.parse(json) as { errors: { extensions?: unknown; message: string }[] }).errors;
}

async function sessionCount(key: Key, session: string): Promise<number> {
  const result = await post<{ vault: { memoryCount: number } | null }>(
    `{ vault(selector: { kind: SESSION, id: "${session}" }) { memoryCount } }`,
    {},
    key.secret,
  );
  return result.data?.vault?.memoryCount ?? 0;
}

async function usageTokens(key: Key): Promise<number> {
  const result = await post<{ usage: { memoryTokens: number } }>(
    '{ usage { memoryTokens } }',
    {},
    key.secret,
  );
  return result.data!.usage.memoryTokens;
}

describe('W7, W8: a GET runs nothing with side effects', () => {
  const chat = (session: string) =>
    `subscription { chat(input: { model: "openai/gpt-4o", sessionId: "${session}", messages: [{ role: USER, content: "star accept" }] }) { delta } }`;

  for (const accept of ['*/*', 'text/event-stream', null]) {
    it(`refuses the chat subscription by GET (Accept: ${accept}) as a mutation is: 405, nothing called, stored or billed`, async () => {
      const key = await newKey();
      await resetFakes();
      const response = await getGraphQL(key, chat('getchat'), {
        'x-provider-key': 'sk-test',
        ...(accept === null ? {} : { accept }),
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect((await errorsOf(response)).map((error) => error.extensions)).toEqual([
        { code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' },
      ]);
      expect(await fakeCalls()).toEqual([]);
      expect(await sessionCount(key, 'getchat')).toBe(0);
      expect(await usageTokens(key)).toBe(0);
    });
  }

  it('answers a mutation by GET with reason METHOD_NOT_ALLOWED, as README says of a 405', async () => {
    const key = await newKey();
    const response = await getGraphQL(
      key,
      'mutation { storeMemory(input: { content: "via GET", vault: { kind: SESSION, id: "getstore" } }) { id } }',
      { accept: 'application/json' },
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await errorsOf(response)).map((error) => error.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' },
    ]);
    expect(await sessionCount(key, 'getstore')).toBe(0);
  });

  it('still streams memoryEvents by GET (read-only; an EventSource can only GET)', async () => {
    const key = await newKey();
    const response = await getGraphQL(
      key,
      'subscription { memoryEvents(vault: { kind: CORE }) { id type } }',
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await response.body?.cancel();
  });
});
