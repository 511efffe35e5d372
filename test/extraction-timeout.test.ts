import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../src/index';
import { ChatWithFactsDocument } from './generated/graphql';
import { resetFakes, scriptFake } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { chatClient } from './helpers/graphql-chat';
import { factsOf, storeExtracting } from './helpers/facts';
import { sessionMemories } from './helpers/drop-in';
import { settleWorkerTasks } from './helpers/worker-tasks';
import { withinExtractionBound } from '../src/resolvers/extraction-bound';
import type { Extractor } from '../src/resolvers/fact-extraction';
import type { ProviderSettings } from '../src/providers/types';

// Fact extraction shared the chat's 10-minute upstream timeout, and that
// timeout is for silence: a model that trickles keep-alives never hits it.
// The turn's receipt (a non-streamed answer, GraphQL's result) waited for it.
// Extraction has its own bound, EXTRACTION_TIMEOUT_MS (60 s by default; 30 s
// in the tests, vitest.config.ts, far above what a scripted extraction takes
// on a loaded machine; 1 s here); past it the turn is stored without facts.

type FetchHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/**
 * The Worker with EXTRACTION_TIMEOUT_MS set to `ms` for the length of `run`:
 * an extraction that never finishes waits out the bound, and this test's
 * extractions never finish, so any bound does; a short one keeps the test
 * from waiting seconds for nothing. The runtime reads the default export's
 * `fetch` on each request (test/setup/worker-tasks.ts wraps it the same way).
 */
async function withExtractionBound<T>(ms: number, run: () => Promise<T>): Promise<T> {
  const handler = worker as unknown as { fetch: FetchHandler };
  const fetch = handler.fetch;
  handler.fetch = (request, env, ctx) =>
    fetch(request, { ...env, EXTRACTION_TIMEOUT_MS: String(ms) } as Env, ctx);
  try {
    return await run();
  } finally {
    handler.fetch = fetch;
  }
}

describe('fact extraction within its own bound', () => {
  beforeEach(resetFakes);

  it('a model that never finishes the extraction: the turn is stored, facts.failure TIMEOUT, the answer whole', async () => {
    const { secret } = await newKey();
    const host = 'api.openai.com';
    // Each chat is answered, then its extraction trickles keep-alives for a minute.
    await scriptFake({ host });
    await scriptFake({ host, mode: 'trickle' });
    const { graphql, dropIn } = await withExtractionBound(1_000, async () => {
      const graphql = await chatClient(secret, 'sk-test').request(ChatWithFactsDocument, {
        input: {
          model: 'openai/gpt-4o-mini',
          messages: [{ role: 'USER', content: 'My sister Ana lives in Porto' }],
          sessionId: 'bounded-graphql',
          extract: true,
        },
      });
      await scriptFake({ host });
      await scriptFake({ host, mode: 'trickle' });
      const dropIn = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
          'x-provider-key': 'sk-test',
          'x-memory-extract': 'true',
          'x-session-id': 'bounded-drop-in',
        },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'My brother Rui lives in Faro' }],
        }),
      });
      return { graphql, dropIn };
    });

    expect(graphql.chat.content).toMatch(/^Fake /);
    expect(graphql.chat.memory.facts).toMatchObject({
      extracted: 0,
      added: [],
      failure: { reason: 'TIMEOUT' },
    });
    expect(graphql.chat.memory.facts!.failure!.message).toContain(
      'did not finish within 1000 ms (EXTRACTION_TIMEOUT_MS)',
    );

    expect(dropIn.status).toBe(200);
    expect(dropIn.headers.get('x-memory-turn')).toBe('stored');
    const answer = (await dropIn.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]!.message.content).toMatch(/^Fake /);

    await settleWorkerTasks();
    expect(await sessionMemories({ secret }, 'bounded-graphql')).toEqual([
      'USER: My sister Ana lives in Porto',
      expect.stringMatching(/^ASSISTANT: Fake /),
    ]);
    expect(await sessionMemories({ secret }, 'bounded-drop-in')).toEqual([
      'USER: My brother Rui lives in Faro',
      expect.stringMatching(/^ASSISTANT: Fake /),
    ]);
  });

  it('a keyed retry after a timeout extracts again, as for any failure that passes', async () => {
    const { secret } = await newKey();
    const host = 'api.openai.com';
    const store = () =>
      storeExtracting(secret, [{ content: 'My sister Ana lives in Porto' }], {
        key: 'timed-out-once',
      });
    await scriptFake({ host, mode: 'trickle' });
    const first = await withExtractionBound(1000, store);
    expect(first.errors).toBeUndefined();
    expect(factsOf(first)).toMatchObject({ added: [], failure: { reason: 'TIMEOUT' } });

    await scriptFake({
      host,
      toolArguments: JSON.stringify({ facts: ['The user has a sister Ana who lives in Porto'] }),
    });
    const retry = await store();
    expect(retry.errors).toBeUndefined();
    expect(retry.data).toEqual(first.data);
    // Before (TIMEOUT not a failure that passes): the retry replayed the
    // timeout, and the facts of this key were never extracted.
    expect(factsOf(retry)).toMatchObject({
      added: [{ content: 'The user has a sister Ana who lives in Porto' }],
      failure: null,
    });
  });
});

// The provider calls must be cancelled, not only left behind: a call left
// streaming runs on to the end of the request. An end-to-end check of the
// fake seeing the call cancelled cannot tell (review237 #5): workerd cancels
// whatever a request left open when it ends, so the fake saw the call
// cancelled with the bound's signal never aborted too; and a later provider
// call of the same request could not show the order either, since the
// request's next steps (the turn's token count and embedding) waited for
// the stream left open until something cancelled it, seconds later.
// What the provider calls are given is the bound's signal: checked here.
describe("the extraction bound's signal, which the provider calls are given", () => {
  const extractor = (signal: AbortSignal, ms: number): Extractor => ({
    provider: 'openai',
    model: 'gpt-4o-mini',
    apiKey: 'sk-test',
    settings: { extractionTimeoutMs: ms } as ProviderSettings,
    signal,
  });

  it('past the bound it is aborted with the TIMEOUT the extraction fails with', async () => {
    let given: AbortSignal | undefined;
    const never = withinExtractionBound(extractor(new AbortController().signal, 20), (bounded) => {
      given = bounded.signal;
      return new Promise<never>(() => undefined);
    });
    await expect(never).rejects.toMatchObject({ reason: 'TIMEOUT' });
    expect(given!.aborted).toBe(true);
    expect(given!.reason).toMatchObject({ reason: 'TIMEOUT' });
  });

  it('a caller that goes away aborts it within the bound', async () => {
    const caller = new AbortController();
    let given: AbortSignal | undefined;
    const running = withinExtractionBound(extractor(caller.signal, 2_000), (bounded) => {
      given = bounded.signal;
      return new Promise<never>((_, reject) =>
        bounded.signal.addEventListener('abort', () => reject(bounded.signal.reason as Error)),
      );
    });
    expect(given!.aborted).toBe(false);
    caller.abort(new Error('the client went away'));
    await expect(running).rejects.toThrow('the client went away');
    expect(given!.aborted).toBe(true);
  });
});
