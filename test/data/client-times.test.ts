import { describe, expect, it } from 'vitest';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';

interface Report {
  imported: number;
  failed: number;
  failures: { line: number; reason: string; code: string }[];
}

const STORE = `mutation ($inputs: [StoreMemoryInput!]!) {
  storeMemories(inputs: $inputs) { createdAt }
}`;

/** One time, sent both ways: storeMemories' `createdAt` and an import line's `timestamp`. */
async function sendBothWays(time: unknown) {
  const { secret } = await newKey();
  const graphql = await post<{ storeMemories: { createdAt: string }[] }>(
    STORE,
    { inputs: [{ content: 'sent by GraphQL', createdAt: time }] },
    secret,
  );
  const response = await workerFetch(`${BASE_URL}/v1/vaults/session/times/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}` },
    body: JSON.stringify({ content: 'sent by import', timestamp: time }),
  });
  const report = (await response.json()) as Report;
  const exported = await workerFetch(`${BASE_URL}/v1/vaults/session/times/export`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  const stored = new TextDecoder()
    .decode(await exported.arrayBuffer())
    .split('\n')
    .filter((line) => line.includes('sent by import'))
    .map((line) => (JSON.parse(line) as { createdAt: string }).createdAt);
  return {
    graphql: graphql.errors
      ? {
          code: graphql.errors[0]!.extensions?.code,
          reason: graphql.errors[0]!.extensions?.reason,
          message: graphql.errors[0]!.message,
          status: graphql.status,
        }
      : graphql.data!.storeMemories[0]!.createdAt,
    import: report.failures[0] ?? stored[0],
  };
}

describe('one rule for the times a client sends, on GraphQL and on import', () => {
  it('takes RFC 3339 with an offset and epoch milliseconds alike, both ways', async () => {
    for (const [sent, stored] of [
      ['2026-10-04T10:00:00Z', '2026-10-04T10:00:00.000Z'],
      ['2026-10-04T12:00:00+02:00', '2026-10-04T10:00:00.000Z'],
      ['2026-10-04t10:00:00.250z', '2026-10-04T10:00:00.250Z'],
      // RFC 3339 (5.6) lets a space stand for the `T` (outside review 103 #8).
      ['2026-10-04 10:00:00Z', '2026-10-04T10:00:00.000Z'],
      ['2026-10-04 12:00:00.5+02:00', '2026-10-04T10:00:00.500Z'],
      [Date.UTC(2026, 9, 4, 10), '2026-10-04T10:00:00.000Z'],
      ['1999-12-31T23:00:00Z', '1999-12-31T23:00:00.000Z'],
    ] as const) {
      expect(await sendBothWays(sent), String(sent)).toEqual({ graphql: stored, import: stored });
    }
  });

  it('refuses seconds, times without an offset and other forms with the same coded reason both ways, naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [1795700000, 'TIMESTAMP_IN_SECONDS', /seconds.*send 1795700000000/],
      ['2026-10-04T10:00:00', 'INVALID_DATE_TIME', /needs a time zone offset/],
      ['2026-10-04 10:00:00', 'INVALID_DATE_TIME', /needs a time zone offset/],
      ['4 Oct 2026 10:00', 'INVALID_DATE_TIME', /must be an RFC 3339 date-time with an offset/],
      ['2026-02-30T10:00:00Z', 'INVALID_DATE_TIME', /names no real time/],
      ['2026-10-04', 'INVALID_DATE_TIME', /must be an RFC 3339 date-time with an offset/],
    ];
    for (const [sent, reason, explained] of cases) {
      const both = await sendBothWays(sent);
      expect(both.graphql, String(sent)).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      expect(both.import, String(sent)).toMatchObject({ line: 1, code: reason });
      const graphql = both.graphql as { message: string; status: number };
      expect(graphql.status).toBe(400);
      const imported = both.import as { reason: string };
      expect(graphql.message).toMatch(explained);
      expect(graphql.message).toContain('at "inputs[0].createdAt"');
      expect(imported.reason).toMatch(explained);
      expect(imported.reason).toMatch(/^`timestamp` /);
    }
  });

  it('refuses a fractional millisecond as INVALID_DATE_TIME both ways', async () => {
    // Before: TIME_OUT_OF_RANGE in GraphQL and CREATED_AT_RANGE in import.
    const both = await sendBothWays(1759309200000.5);
    expect(both.graphql).toMatchObject({
      reason: 'INVALID_DATE_TIME',
      message: expect.stringMatching(/whole number of milliseconds/),
    });
    expect(both.import).toMatchObject({ code: 'INVALID_DATE_TIME' });
  });

  it('says a millisecond value before 2001 is not accepted, not that it looks like seconds', async () => {
    // 2000-01-01T00:00:00Z. Before: TIMESTAMP_IN_SECONDS, "seconds is 31969-…".
    const both = await sendBothWays(946684800000);
    const graphql = both.graphql as { reason: string; message: string };
    expect(graphql.reason).toBe('TIME_OUT_OF_RANGE');
    expect(graphql.message).toMatch(/milliseconds before 2001 are not accepted.*RFC 3339 text/);
    expect(graphql.message).not.toMatch(/seconds since the epoch|31969/);
    expect(both.import).toMatchObject({
      code: 'CREATED_AT_RANGE',
      reason: expect.stringMatching(/milliseconds before 2001 are not accepted/),
    });
    // A seconds value still gets the seconds hint.
    expect((await sendBothWays(1795700000)).graphql).toMatchObject({
      reason: 'TIMESTAMP_IN_SECONDS',
    });
  });

  it('refuses a time written in the document itself the same way', async () => {
    const { secret } = await newKey();
    const result = await post(
      'mutation { storeMemory(input: { content: "x", createdAt: "2026-10-04T10:00:00" }) { id } }',
      {},
      secret,
    );
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/needs a time zone offset/),
      extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_DATE_TIME' },
    });
  });

  it('an exported line is read by its createdAt text, so a memory from before 2001 imports again', async () => {
    const { secret } = await newKey();
    const line = {
      content: 'an old memory',
      createdAt: '1990-05-01T08:00:00.000Z',
      timestamp: Date.UTC(1990, 4, 1, 8),
    };
    const response = await workerFetch(`${BASE_URL}/v1/vaults/session/old/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: JSON.stringify(line),
    });
    expect(await response.json()).toMatchObject({ imported: 1, failed: 0 });
  });
});
