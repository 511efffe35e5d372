import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { ExecutionResult } from 'graphql';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_FRAME_CHARACTERS, sseStream } from '../src/http/graphql/use-sse-event-stream';
import { MemoryEventLog } from '../src/durable/warm-tier/memory-events';
import { Sql } from '../src/durable/sqlite/sql';
import { MAX_QUEUED_EVENTS } from '../src/resolvers/subscriber-queue';
import { vaultObjectName } from '../src/vaults/address';
import {
  MemoryEventsDocument,
  RevokeMemoryKeyDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';

interface Frame {
  id: string | null;
  event: { id: string; type: string; content: string | null } | null;
  errors: { extensions?: { code?: string; reason?: string } }[] | undefined;
}

/** Reads an SSE response frame by frame, as fast as it is written. */
function frames(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const ready: Frame[] = [];
  return {
    async next(): Promise<Frame> {
      for (;;) {
        const end = text.indexOf('\n\n');
        if (end >= 0) {
          const lines = text.slice(0, end).split('\n');
          text = text.slice(end + 2);
          const data = lines.find((line) => line.startsWith('data: '));
          if (data === undefined) continue; // a keep-alive comment, or `complete`
          const id = lines.find((line) => line.startsWith('id: '));
          const result = JSON.parse(data.slice(6)) as {
            data?: { memoryEvents: Frame['event'] };
            errors?: Frame['errors'];
          };
          ready.push({
            id: id === undefined ? null : id.slice(4),
            event: result.data?.memoryEvents ?? null,
            errors: result.errors,
          });
        }
        if (ready.length > 0) return ready.shift()!;
        const chunk = await reader.read();
        if (chunk.done) throw new Error('the stream ended');
        text += chunk.value;
      }
    },
    close: () => reader.cancel(),
  };
}

const QUERY = print(MemoryEventsDocument);

function postSubscription(
  secret: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${secret}`,
      ...headers,
    },
    body: JSON.stringify({ query: QUERY, variables }),
  });
}

/** GET, as a browser's EventSource opens it: the key in the URL, variables in the query. */
function getSubscription(
  secret: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const url = new URL(`${BASE_URL}/graphql`);
  url.searchParams.set('query', QUERY);
  url.searchParams.set('variables', JSON.stringify(variables));
  url.searchParams.set('key', secret);
  return workerFetch(url, { headers: { accept: 'text/event-stream', ...headers } });
}

async function storeThree(api: Awaited<ReturnType<typeof newKey>>['api']) {
  for (const content of ['one', 'two', 'three']) {
    await api.request(StoreMemoryDocument, { input: { content } });
  }
}

describe('memoryEvents over SSE', () => {
  it('delivers a burst of more than 1,000 events whole to a subscriber that reads', async () => {
    // Before: Yoga's writer took one event per write to the socket, the
    // vault's socket delivered the burst faster, and the subscriber queue
    // gave way to RESYNC (review226 F2; 1,501 of 2,501 frames arrived here).
    // A burst the pending frames hold whole even if the response were never
    // written meanwhile (2,500 frames of about 200 characters < 1 MiB), and
    // more than the subscriber queue holds.
    const burst = 2_500;
    expect(burst).toBeGreaterThan(MAX_QUEUED_EVENTS * 2);
    const { secret, api, keyId } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'seed' } });
    const stream = frames(
      await postSubscription(secret, { vault: { kind: 'CORE' }, lastEventId: '0' }),
    );
    expect((await stream.next()).event).toMatchObject({ id: '1', content: 'seed' });

    // Appended and broadcast in one go, as a write's commit does (the
    // vault's test limit of 300 memories keeps a real import this size out).
    const core = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    await runInDurableObject(core, (object, state) => {
      const log = new MemoryEventLog(new Sql(state.storage.sql));
      const at = Date.now();
      const events = log.append(
        Array.from({ length: burst }, (_, i) => ({
          type: 'DELETED' as const,
          memoryId: `m${i}`,
          content: null,
          supersededBy: null,
          at,
        })),
      );
      (
        object as unknown as { subscribers: { broadcast(e: unknown[]): void } }
      ).subscribers.broadcast(events);
    });
    const ids: string[] = [];
    const last = String(burst + 1);
    while (ids.at(-1) !== last && ids.at(-1) !== `RESYNC ${last}`) {
      const { event } = await stream.next();
      ids.push(`${event!.type === 'RESYNC' ? 'RESYNC ' : ''}${event!.id}`);
    }
    expect(ids).toEqual(Array.from({ length: burst }, (_, i) => String(i + 2)));
    await stream.close();
  });

  for (const [method, open] of [
    ['POST', postSubscription],
    ['GET', getSubscription],
  ] as const) {
    it(`${method}: each frame's id: is its event's id, and Last-Event-ID resumes after it`, async () => {
      // Before: frames had no id: line and the header was ignored (review226 F3).
      const { secret, api } = await newKey();
      await storeThree(api);
      const first = frames(await open(secret, { vault: { kind: 'CORE' }, lastEventId: '0' }));
      const seen = [await first.next(), await first.next(), await first.next()];
      expect(seen.map((frame) => [frame.id, frame.event?.id])).toEqual([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ]);
      await first.close();

      // An EventSource reconnecting: the same URL (so the same lastEventId
      // "0") and the id of the last frame it received as Last-Event-ID.
      const resumed = frames(
        await open(secret, { vault: { kind: 'CORE' }, lastEventId: '0' }, { 'last-event-id': '2' }),
      );
      expect(await resumed.next()).toMatchObject({ id: '3', event: { content: 'three' } });
      await resumed.close();

      // Without lastEventId in the operation the header alone resumes.
      const headerOnly = frames(
        await open(secret, { vault: { kind: 'CORE' } }, { 'last-event-id': '1' }),
      );
      expect((await headerOnly.next()).event).toMatchObject({ id: '2', content: 'two' });
      await headerOnly.close();

      // An empty header (EventSource before any id) is no header.
      const empty = frames(
        await open(secret, { vault: { kind: 'CORE' }, lastEventId: '2' }, { 'last-event-id': '' }),
      );
      expect((await empty.next()).event).toMatchObject({ id: '3', content: 'three' });
      await empty.close();
    });

    it(`${method}: a Last-Event-ID that is no event id is refused, coded`, async () => {
      const { secret, api } = await newKey();
      await storeThree(api);
      const response = await open(
        secret,
        { vault: { kind: 'CORE' } },
        { 'last-event-id': 'yesterday' },
      );
      const expected = [
        expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'INVALID_EVENT_ID' }),
      ];
      if (method === 'GET') {
        // An EventSource would repeat the header for ever: refused for good.
        expect(response.status).toBe(400);
        const body = (await response.json()) as ExecutionResult;
        expect(body.errors?.map((error) => error.extensions)).toEqual(expected);
        return;
      }
      const refused = frames(response);
      const frame = await refused.next();
      expect(frame.event).toBeNull();
      expect(frame.errors?.map((error) => error.extensions)).toEqual(expected);
      await refused.close();
    });
  }

  it('GET: a refusal retrying cannot fix is an HTTP error an EventSource stops at; POST keeps it in the stream', async () => {
    // Before: a revoked key's EventSource got a 200 stream holding the error
    // and its end, took it for a drop and reconnected every ~3 s for ever
    // (review269 F6).
    const { secret, admin, keyId } = await newKey();
    await admin.request(RevokeMemoryKeyDocument, { id: keyId });

    const got = await getSubscription(secret, { vault: { kind: 'CORE' } });
    expect(got.status).toBe(401);
    expect(got.headers.get('content-type')).toContain('application/graphql-response+json');
    const body = (await got.json()) as ExecutionResult;
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.map((error) => error.extensions)).toEqual([
      expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
    ]);

    const posted = await postSubscription(secret, { vault: { kind: 'CORE' } });
    expect(posted.status).toBe(200);
    const stream = frames(posted);
    expect((await stream.next()).errors?.map((error) => error.extensions)).toEqual([
      expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
    ]);
    await stream.close();
  });

  it('stops taking results while more than its bound of frames waits unread', async () => {
    // RESYNC stays for a subscriber that does not read: the writer leaves
    // what it cannot send in the subscriber queue, whose bound gives way.
    const big = 'x'.repeat(100_000);
    let taken = 0;
    const total = 50;
    let boundReached!: () => void;
    const reached = new Promise<void>((resolve) => (boundReached = resolve));
    const whole = Math.ceil(MAX_PENDING_FRAME_CHARACTERS / big.length);
    const results: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        taken++;
        if (taken === whole) boundReached();
        return taken > total
          ? { done: true, value: undefined }
          : { done: false, value: { data: { text: big } } };
      },
      [Symbol.asyncIterator]() {
        return results;
      },
    };
    const stream = sseStream(results, new Request(BASE_URL));
    await reached;
    // Every microtask the writer had runs before this macrotask.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(taken).toBe(whole);
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: complete')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    // Nothing was lost on the way: once read, the rest followed.
    expect(text.split('event: next').length - 1).toBe(total);
  });
});
