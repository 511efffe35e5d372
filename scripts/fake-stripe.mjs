// The Stripe fake of the tests (test/fakes/stripe.mjs) served over HTTP in
// Node, so a `wrangler dev` Worker (npm start, the live tests) can bill
// against it offline: point STRIPE_API_BASE at it and give the Worker the key
// and webhook secret it prints (docs/billing.md).
//
//   npm run fake:stripe -- [--port 12111] [--host 127.0.0.1]
//     [--webhook-url http://127.0.0.1:8787/stripe/webhook]
//     [--key sk_test_local_fake] [--webhook-secret whsec_local_fake]
//
// Stripe's API (/v1/customers, /v1/billing/meter_events) with its rules
// (idempotency, meter-event identifiers and timestamps), accepting only the
// printed key. Control paths:
//   GET  /_stripe           customers and every accepted meter event
//   GET  /_stripe/calls     every API call that arrived, oldest first
//   POST /_stripe/clock     {advanceMs}: moves the fake's clock forward
//   POST /_stripe/script    {status} or {mode: "hang" | "ack-lost"}: the next API call fails so
//   POST /_stripe/webhook   {type, customer?, status?, object?, url?, secret?}: builds the
//                           event, signs it with the webhook secret (or `secret`, to see a
//                           refusal) and POSTs it to the webhook URL (or `url`); answers
//                           {event, delivered: {status, body}}
//   POST /_stripe/reset     forgets customers, events, calls and scripts
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  resetStripe,
  signWebhook,
  stripeApi,
  stripeControl,
  webhookEvent,
} from '../test/fakes/stripe.mjs';

export const DEFAULT_STRIPE_FAKE = {
  port: 12111,
  host: '127.0.0.1',
  key: 'sk_test_local_fake',
  webhookSecret: 'whsec_local_fake',
  webhookUrl: 'http://127.0.0.1:8787/stripe/webhook',
};

/** @param {Partial<typeof DEFAULT_STRIPE_FAKE>} options */
export async function startStripeFake(options = {}) {
  const { port, host, key, webhookSecret, webhookUrl } = { ...DEFAULT_STRIPE_FAKE, ...options };
  const calls = [];
  const scripts = [];

  async function handle(request) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === '/_stripe/calls') return Response.json(calls);
    if (path === '/_stripe/script' && request.method === 'POST') {
      scripts.push(await request.json());
      return Response.json({ ok: true });
    }
    if (path === '/_stripe/reset' && request.method === 'POST') {
      resetStripe();
      calls.length = 0;
      scripts.length = 0;
      return Response.json({ ok: true });
    }
    if (path === '/_stripe/webhook' && request.method === 'POST')
      return deliver(await request.json());
    if (path === '/_stripe' || path === '/_stripe/clock') return stripeControl(request, url);
    return stripeApi(request, url, {
      record: (call) => calls.push(call),
      script: scripts.shift() ?? {},
      key,
    });
  }

  /** What Stripe does for a webhook endpoint: one signed POST of the event. */
  async function deliver({ url = webhookUrl, secret = webhookSecret, ...what }) {
    if (typeof what.type !== 'string')
      return Response.json(
        { error: 'type is required, e.g. "invoice.payment_failed"' },
        { status: 400 },
      );
    const event = webhookEvent(what);
    const payload = JSON.stringify(event, null, 2);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': await signWebhook(payload, secret),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: payload,
    });
    const text = await response.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    return Response.json({ event, delivered: { status: response.status, body } });
  }

  const server = createServer(async (incoming, outgoing) => {
    try {
      const chunks = [];
      for await (const chunk of incoming) chunks.push(chunk);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') headers.set(name, value);
      const response = await handle(
        // As the SDK addressed it: the fake reads the host from the URL.
        new Request(new URL(incoming.url ?? '/', `http://${incoming.headers.host ?? host}`), {
          method: incoming.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        }),
      );
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      outgoing.destroy(error);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, server, key, webhookSecret, webhookUrl };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-url': { type: 'string' },
    },
  });
  const fake = await startStripeFake({
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
    ...(values['webhook-secret'] !== undefined ? { webhookSecret: values['webhook-secret'] } : {}),
    ...(values['webhook-url'] !== undefined ? { webhookUrl: values['webhook-url'] } : {}),
  });
  console.log(`Stripe fake listening on ${fake.url} (test mode, nothing leaves this machine)
  STRIPE_API_BASE        ${fake.url}
  STRIPE_SECRET_KEY      ${fake.key}   (the only key it accepts)
  STRIPE_WEBHOOK_SECRET  ${fake.webhookSecret}   (signs the webhooks it delivers)
  webhooks go to         ${fake.webhookUrl}
Run the Worker against it:
  npm start -- --var STRIPE_API_BASE:${fake.url} --var STRIPE_SECRET_KEY:${fake.key} --var STRIPE_WEBHOOK_SECRET:${fake.webhookSecret} --var METER_FLUSH_SECONDS:5
State: curl ${fake.url}/_stripe   Send a webhook: curl -X POST ${fake.url}/_stripe/webhook -d '{"type":"invoice.payment_failed","customer":"cus_fake1"}'`);
}
