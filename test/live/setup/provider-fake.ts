import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// The same provider fakes the workerd tests use, served over real HTTP here.
import fakes from '../../fakes/providers-worker.mjs';

/** The fake OpenAI-compatible server that `compatible/…` models reach. */
export const FAKE_PROVIDER_HOST = 'llm.local.test';
/** Gemini's host, which the fake answers as Google; reached under this path (GOOGLE_BASE_URL). */
export const GOOGLE_HOST = 'generativelanguage.googleapis.com';
export const GOOGLE_PREFIX = '/google';

/**
 * Serves the providers fake on 127.0.0.1 for a `wrangler dev` Worker, whose
 * COMPATIBLE_BASE_URL points here. Requests are handed to the fake as if sent
 * to llm.local.test, the host it answers as an OpenAI-compatible server, and
 * those under /google (GOOGLE_BASE_URL) as if sent to Gemini's host; the
 * fake's control paths (`/_calls`, `/_script`, `/_reset`) as if sent to
 * fakes.test, so a live test can script a call (`{"host": "llm.local.test",
 * "mode": "trickle"}`) and read what arrived. A client that goes away
 * cancels the fake's answer, which records the call as `cancelled`.
 */
export async function startProviderFake(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (incoming, outgoing) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const path = incoming.url ?? '/';
      const url = path.startsWith(GOOGLE_PREFIX)
        ? new URL(path.slice(GOOGLE_PREFIX.length), `https://${GOOGLE_HOST}`)
        : new URL(path, `http://${path.startsWith('/_') ? 'fakes.test' : FAKE_PROVIDER_HOST}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') headers.set(name, value);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const response: Response = await fakes.fetch(
        new Request(url, { method: incoming.method, headers, body }),
      );
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      // Written as it comes, so streamed answers stay streamed.
      const reader = response.body?.getReader();
      outgoing.once('close', () => {
        if (!outgoing.writableFinished) void reader?.cancel();
      });
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        outgoing.write(value);
      }
      outgoing.end();
    } catch (error) {
      outgoing.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
