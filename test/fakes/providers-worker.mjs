// A stand-in for the AI providers and Stripe, run by the test pool as an
// auxiliary Worker that receives every outbound fetch of the Worker under
// test. It speaks each service's wire format as strictly as the service
// checks it (request paths, headers and fields, SSE event names and framing,
// error types and statuses, Stripe's form-encoded requests and its objects
// and error bodies), records what reached it, and can be told to fail. The
// providers live in openai.mjs (openai-responses.mjs), anthropic.mjs and google.mjs;
// the calls their SDKs make beside chat (token counts, embeddings, model lists) in beside-chat.mjs.
//
//   GET  http://fakes.test/_calls    what reached the fakes, oldest first
//   POST http://fakes.test/_reset    forget calls, scripts, the prompt cache and stored responses
//   POST http://fakes.test/_script   {host, status?, body?, headers?, mode?, reply?, finish?, toolArguments?, errorEvent?}
//                                    finish: the answer's stop word in place of the usual one
//                                    applies to the next call to that host; modes:
//                                    cut, hang, trickle, reset, malformed,
//                                    midstream-error (sse.mjs), failed (a Responses
//                                    stream ending in response.failed), unreachable (the
//                                    connection fails; network-failure.mjs),
//                                    ack-lost (Stripe), stall (nothing at all, headers
//                                    included, until the client aborts the call: a slow
//                                    model's first byte; at most a minute), held (answers
//                                    as scripted once POST /_release comes; at most a minute)
//   POST http://fakes.test/_release  lets every held call answer
//   GET  http://fakes.test/_stripe   Stripe's state: customers and accepted meter events
//   POST http://fakes.test/_stripe/clock   {advanceMs}: moves the Stripe fake's clock
// The Stripe fake, with the API's idempotency and meter-event rules, is in stripe.mjs.

import { resetStripe, stripeApi, stripeControl } from './stripe.mjs';
import { anthropicFake, promptCache, threads } from './anthropic.mjs';
import { besideChat } from './beside-chat.mjs';
import { googleFake } from './google.mjs';
import { OPENAI_HOSTS, openAiFake } from './openai.mjs';
import { storedResponses } from './openai-responses.mjs';
import { calls, nextScript, queueScript, scripts } from './state.mjs';
import { RESET_AFTER_BODY, refusedConnection } from './network-failure.mjs';

/** Request headers the tests look at (never the memory key: it must not reach a provider). */
const RECORDED_HEADERS = [
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'anthropic-version',
  'anthropic-beta',
  'x-provider-key',
  'x-memory-key',
  'x-title',
  'openai-organization',
  'idempotency-key',
  'x-goog-user-project',
  'x-goog-api-client',
  'accept',
];

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.host === 'fakes.test') return control(request, url);
    // Stripe under its own host, or under STRIPE_API_BASE's (stripe.local.test, any port).
    if (url.host === 'api.stripe.com' || url.hostname === 'stripe.local.test') {
      return stripeApi(request, url, {
        record: (call) => calls.push(call),
        script: nextScript(url.host),
      });
    }
    const known =
      OPENAI_HOSTS.includes(url.host) ||
      url.host === 'api.anthropic.com' ||
      url.host === 'generativelanguage.googleapis.com';
    if (!known) return new Response(`no fake for ${url.host}`, { status: 502 });

    const rawBody = request.method === 'POST' ? await request.text() : '';
    let body = null;
    try {
      body = rawBody === '' ? null : JSON.parse(rawBody);
    } catch {
      // the provider module answers its own parse error
    }
    const call = {
      host: url.host,
      path: url.pathname + url.search,
      headers: Object.fromEntries(
        RECORDED_HEADERS.flatMap((name) =>
          request.headers.has(name) ? [[name, request.headers.get(name)]] : [],
        ),
      ),
      rawBody,
      body,
      cancelled: false,
    };
    calls.push(call);
    const script = nextScript(url.host);
    // The connection fails before any response (DNS, connect, TLS, reset).
    if (script.mode === 'unreachable') return refusedConnection();
    const beside = besideChat(request, url, call);
    if (beside !== null) return beside;
    if (script.mode === 'stall') return stalledAnswer(request, call);
    if (script.mode === 'held') await heldUntilReleased(request);
    const response =
      url.host === 'api.anthropic.com'
        ? await anthropicFake(request, url, call, script)
        : url.host === 'generativelanguage.googleapis.com'
          ? await googleFake(request, url, call, script)
          : await openAiFake(request, url, url.host, call, script);
    return breakWholeBody(response, script.mode, call);
  },
};

/**
 * A whole (non-streamed) JSON answer that breaks half-way: the connection
 * resets (reset), or the body ends short (malformed, cut).
 */
function breakWholeBody(response, mode, call) {
  const json = response.headers.get('content-type')?.includes('application/json');
  if (!json || response.status !== 200 || !['reset', 'malformed', 'cut'].includes(mode)) {
    return response;
  }
  const stream = new ReadableStream({
    async start(controller) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      controller.enqueue(bytes.slice(0, Math.floor(bytes.length / 2)));
      await new Promise((resolve) => setTimeout(resolve, 5));
      controller.close();
    },
    cancel() {
      call.cancelled = true;
    },
  });
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (mode === 'reset')
    for (const [name, value] of Object.entries(RESET_AFTER_BODY)) headers.set(name, value);
  return new Response(stream, { status: 200, headers });
}

async function control(request, url) {
  if (url.pathname === '/_calls') return Response.json(calls);
  if (url.pathname.startsWith('/_stripe')) return stripeControl(request, url);
  if (url.pathname === '/_release') {
    releaseHeld();
    return Response.json({ ok: true });
  }
  if (url.pathname === '/_reset') {
    releaseHeld();
    calls.length = 0;
    scripts.clear();
    promptCache.clear();
    threads.clear();
    storedResponses.clear();
    resetStripe();
    return Response.json({ ok: true });
  }
  if (url.pathname === '/_script') {
    queueScript(await request.json());
    return Response.json({ ok: true });
  }
  return new Response('unknown control path', { status: 404 });
}

/** Calls of mode `held` waiting for POST /_release. */
const held = new Set();

function releaseHeld() {
  for (const release of held) release();
  held.clear();
}

/**
 * Waits until the test releases it (POST /_release or /_reset), the client
 * aborts, or a minute passes; the call then answers as scripted: a model
 * still working while the test does something else (revokes its key).
 */
async function heldUntilReleased(request) {
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    const release = () => {
      clearTimeout(timer);
      resolve();
    };
    held.add(release);
    request.signal.addEventListener('abort', release);
  });
}

/**
 * Answers nothing, not even headers, until the client aborts the call (then
 * recorded as cancelled), or at most a minute: a slow reasoning model before
 * its first byte.
 */
async function stalledAnswer(request, call) {
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    request.signal.addEventListener('abort', () => {
      call.cancelled = true;
      clearTimeout(timer);
      resolve();
    });
  });
  return new Response('stalled', { status: 504 });
}
