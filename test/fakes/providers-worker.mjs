// A stand-in for the AI providers and Stripe, run by the test pool as an
// auxiliary Worker that receives every outbound fetch of the Worker under
// test. It speaks each service's wire format as strictly as the service
// checks it (request paths, headers and fields, SSE event names and framing,
// error types and statuses, Stripe's form-encoded requests and its objects
// and error bodies), records what reached it, and can be told to fail. The
// providers live in openai.mjs, anthropic.mjs and google.mjs.
//
//   GET  http://fakes.test/_calls    what reached the fakes, oldest first
//   POST http://fakes.test/_reset    forget calls, scripts and the prompt cache
//   POST http://fakes.test/_script   {host, status?, body?, headers?, mode?, reply?}
//                                    applies to the next call to that host; modes:
//                                    cut, hang, reset, malformed, midstream-error
//                                    (sse.mjs), unreachable (the connection fails),
//                                    ack-lost (Stripe)
//   GET  http://fakes.test/_stripe   Stripe's state: customers and accepted meter events

import { anthropicFake, promptCache } from './anthropic.mjs';
import { googleFake } from './google.mjs';
import { OPENAI_HOSTS, openAiFake } from './openai.mjs';
import { calls, nextScript, queueScript, scripts } from './state.mjs';

const stripe = { customers: new Map(), meterEvents: new Map() };

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
  'accept',
];

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.host === 'fakes.test') return control(request, url);
    if (url.host === 'api.stripe.com') return stripeApi(request, url);
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
    if (script.mode === 'unreachable') throw new Error('connect ECONNREFUSED (scripted)');
    const response =
      url.host === 'api.anthropic.com'
        ? await anthropicFake(request, url, call, script)
        : url.host === 'generativelanguage.googleapis.com'
          ? await googleFake(request, url, call, script)
          : await openAiFake(request, url, url.host, call, script);
    return breakWholeBody(response, script.mode, call);
  },
};

/** A whole (non-streamed) JSON answer that breaks half-way: reset, or cut short (malformed, cut). */
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
      if (mode === 'reset') controller.error(new Error('connection reset by peer'));
      else controller.close();
    },
    cancel() {
      call.cancelled = true;
    },
  });
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(stream, { status: 200, headers });
}

async function control(request, url) {
  if (url.pathname === '/_calls') return Response.json(calls);
  if (url.pathname === '/_stripe') {
    return Response.json({
      customers: [...stripe.customers.values()],
      meterEvents: [...stripe.meterEvents.values()],
    });
  }
  if (url.pathname === '/_reset') {
    calls.length = 0;
    scripts.clear();
    promptCache.clear();
    stripe.customers.clear();
    stripe.meterEvents.clear();
    return Response.json({ ok: true });
  }
  if (url.pathname === '/_script') {
    queueScript(await request.json());
    return Response.json({ ok: true });
  }
  return new Response('unknown control path', { status: 404 });
}

// ── Stripe ──────────────────────────────────────────────────────────────────

function stripeError(status, message, code) {
  return Response.json(
    {
      error: {
        type: status >= 500 ? 'api_error' : 'invalid_request_error',
        message,
        ...(code ? { code } : {}),
      },
    },
    { status, headers: { 'request-id': 'req_fake' } },
  );
}

/** Stripe's form encoding, a[b]=c, read back into nested objects. */
function parseForm(text) {
  const out = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.split(/\[|\]\[|\]/).filter(Boolean);
    let target = out;
    path.slice(0, -1).forEach((part) => (target = target[part] ??= {}));
    target[path.at(-1)] = value;
  }
  return out;
}

async function stripeApi(request, url) {
  const auth = request.headers.get('authorization') ?? '';
  const body = request.method === 'POST' ? parseForm(await request.text()) : {};
  calls.push({
    host: url.host,
    path: url.pathname,
    headers: { 'idempotency-key': request.headers.get('idempotency-key') },
    body,
    cancelled: false,
  });
  if (!auth.startsWith('Bearer sk_test_')) return stripeError(401, 'Invalid API Key provided');
  const script = scripts.get(url.host)?.shift() ?? {};
  if (script.mode === 'hang') {
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    return stripeError(504, 'gateway timeout');
  }
  if (script.status) return stripeError(script.status, 'scripted failure');

  if (request.method === 'POST' && url.pathname === '/v1/customers') {
    const customer = {
      id: `cus_fake${stripe.customers.size + 1}`,
      object: 'customer',
      email: body.email ?? null,
      metadata: body.metadata ?? {},
      created: 1_764_000_000,
      livemode: false,
    };
    stripe.customers.set(customer.id, customer);
    return Response.json(customer);
  }
  const customerMatch = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && customerMatch) {
    const customer = stripe.customers.get(customerMatch[1]);
    return customer
      ? Response.json(customer)
      : stripeError(404, `No such customer: '${customerMatch[1]}'`, 'resource_missing');
  }
  if (request.method === 'POST' && url.pathname === '/v1/billing/meter_events') {
    if (stripe.meterEvents.has(body.identifier)) {
      return stripeError(
        400,
        `An event already exists with identifier ${body.identifier}.`,
        'resource_already_exists',
      );
    }
    const event = {
      object: 'billing.meter_event',
      event_name: body.event_name,
      identifier: body.identifier,
      payload: body.payload,
      timestamp: Number(body.timestamp),
      created: 1_764_000_000,
      livemode: false,
    };
    stripe.meterEvents.set(body.identifier, event);
    // Recorded, but the acknowledgement never arrives: the client must retry.
    if (script.mode === 'ack-lost')
      return stripeError(500, 'connection reset after the event was recorded');
    return Response.json(event);
  }
  return stripeError(404, `Unrecognized request URL (${request.method}: ${url.pathname})`);
}
