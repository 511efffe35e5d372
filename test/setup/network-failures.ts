// Network failures the provider fakes ask for, played by the tested isolate's
// own fetch, where workerd's network layer would raise them.
//
// Why not in the fakes Worker: workerd logs every exception that escapes a
// Worker's handler or its response stream, so a fake that threw to fail a
// connection printed an "uncaught exception" block with a stack on every
// scripted failure. A fake that forwards to a real closed port only moves the
// throw (its own fetch rejects, and workerd logs that too).
//
// So the fakes answer a scripted network failure with an ordinary response
// marked by NETWORK_FAILURE_HEADER (test/fakes/network-failure.mjs), and the fetch below
// turns it into what the Worker meets when a connection fails: `fetch()`
// rejects with workerd's own error ("refused"), or the body breaks with it
// after the bytes the fake sent ("reset"). The production code path, the
// provider clients included, runs unchanged against that failure. A response
// without the header passes through untouched; without this file a scripted
// failure would arrive as the fake's 599, and the failure tests would fail.
import { NETWORK_FAILURE_HEADER } from '../fakes/network-failure.mjs';

/** What workerd's fetch rejects with, and a body read throws, when a connection is lost. */
const CONNECTION_LOST = 'Network connection lost.';

const WRAPPED = Symbol.for('memoryrouter.test.network-failures');
type MarkedFetch = typeof fetch & { [WRAPPED]?: true };

// Setup files run once per test file in one isolate: wrap only once.
if (!(globalThis.fetch as MarkedFetch)[WRAPPED]) {
  const networkFetch = globalThis.fetch;
  const failingFetch: MarkedFetch = async (input, init) => {
    const response = await networkFetch(input, init);
    const failure = response.headers.get(NETWORK_FAILURE_HEADER);
    if (failure === null) return response;
    if (failure === 'refused') {
      await response.body?.cancel();
      throw new Error(CONNECTION_LOST);
    }
    if (failure === 'reset') return resetAfterBody(response);
    throw new Error(`unknown scripted network failure: ${failure}`);
  };
  failingFetch[WRAPPED] = true;
  globalThis.fetch = failingFetch;
}

/** The same response, whose body breaks where the fake's ended, instead of ending. */
function resetAfterBody(response: Response): Response {
  const reader = response.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.error(new Error(CONNECTION_LOST));
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const headers = new Headers(response.headers);
  headers.delete(NETWORK_FAILURE_HEADER);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
