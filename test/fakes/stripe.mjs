// The Stripe part of the fakes Worker (imported by providers-worker.mjs; served
// in Node for `npm start` and the live tests by scripts/fake-stripe.mjs). It
// keeps the rules of the real API that a client can trip over, per Stripe's
// API reference and the official SDK's types:
//
// - Idempotency (API v1): the first response to a key is saved for 24 hours,
//   500s included, once the endpoint has started executing, and every retry
//   with that key gets it back (`Idempotent-Replayed: true`). A key reused
//   with other parameters is refused (400 idempotency_error). Requests refused
//   before executing (authentication, validation) save nothing.
// - Meter events: `identifier` is unique within a rolling 24 hours (a repeat
//   is refused: 400 "An event already exists with identifier …"), and
//   `timestamp` must lie within the past 35 days and at most 5 minutes ahead.
//   Events are accepted whatever the customer: Stripe checks the payload's
//   customer later and reports errors asynchronously.
// - Customers can be deleted; retrieving a deleted one answers 200 with
//   `{ id, object: "customer", deleted: true }`.
// - Customer search (`GET /v1/customers/search?query=metadata['k']:'v'`)
//   answers a `search_result` list; like Stripe's index it lags behind
//   writes ("searchable in less than a minute"): a customer shows up once
//   the fake's clock is SEARCH_LAG_MS past its creation.
//
// Control (on the fakes' own host):
//   GET  /_stripe          customers, every accepted meter event (a list: a
//                          repeat accepted after the window shows up twice)
//   POST /_stripe/clock    {advanceMs}: moves the fake's clock forward
// Scripts (see providers-worker.mjs) for host api.stripe.com: {status} fails
// the next call as if it had executed (saved under its idempotency key),
// {mode: "hang"} never answers in time, {mode: "ack-lost"} executes the call
// and saves its success, but the caller gets a 500.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SEARCH_LAG_MS = 60_000;

const state = {
  customers: new Map(),
  meterEvents: [],
  /** identifier → when it was recorded (fake clock). */
  identifiers: new Map(),
  /** idempotency key → { fingerprint, status, body, savedAt }. */
  idempotency: new Map(),
  clockOffsetMs: 0,
};

const now = () => Date.now() + state.clockOffsetMs;

export function resetStripe() {
  state.customers.clear();
  state.meterEvents.length = 0;
  state.identifiers.clear();
  state.idempotency.clear();
  state.clockOffsetMs = 0;
}

export async function stripeControl(request, url) {
  if (url.pathname === '/_stripe/clock') {
    const { advanceMs } = await request.json();
    state.clockOffsetMs += advanceMs;
    return Response.json({ now: now() });
  }
  return Response.json({
    customers: [...state.customers.values()],
    meterEvents: state.meterEvents,
  });
}

function stripeError(status, message, extra = {}) {
  return {
    status,
    body: {
      error: {
        type: status >= 500 ? 'api_error' : 'invalid_request_error',
        message,
        ...extra,
      },
    },
  };
}

/**
 * Stripe refusing the secret key itself, in its words: a 401 for a wrong or
 * rolled key, a 403 for a restricted key without the endpoint's permission.
 * Both quote part of the key (its prefix and last four characters), which is
 * why MemoryRouter never shows or logs Stripe's message for them.
 */
function refusedKey(status, auth) {
  const key = auth.replace(/^Bearer /, '');
  const quoted = `${key.slice(0, key.indexOf('_', 3) + 1)}${'*'.repeat(12)}${key.slice(-4)}`;
  return stripeError(
    status,
    status === 401
      ? `Invalid API Key provided: ${quoted}`
      : `The provided key '${quoted}' does not have the required permissions for this endpoint on account 'acct_fake'. Having the 'rak_billing_meter_event_write' permission would allow this request to continue.`,
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

function send({ status, body }, headers = {}) {
  return Response.json(body, {
    status,
    headers: { 'request-id': `req_fake${Math.floor(Math.random() * 1e9)}`, ...headers },
  });
}

/**
 * Handles one call to api.stripe.com. `record` keeps it in the fakes' call
 * log; `script` is the next scripted behaviour for this host, if any; `key`,
 * when given, is the one secret key accepted (else any test-mode key).
 */
export async function stripeApi(request, url, { record, script, key }) {
  const auth = request.headers.get('authorization') ?? '';
  // Read as bytes: workerd warns when .text() meets a form-encoded body.
  const raw =
    request.method === 'POST' ? new TextDecoder().decode(await request.arrayBuffer()) : '';
  const body = parseForm(raw);
  const idempotencyKey = request.headers.get('idempotency-key');
  record({
    host: url.host,
    path: url.pathname,
    headers: { 'idempotency-key': idempotencyKey },
    body,
    cancelled: false,
  });
  if (key === undefined ? !auth.startsWith('Bearer sk_test_') : auth !== `Bearer ${key}`)
    return send(stripeError(401, 'Invalid API Key provided'));

  const fingerprint = `${request.method} ${url.pathname} ${raw}`;
  if (idempotencyKey !== null && request.method === 'POST') {
    const saved = state.idempotency.get(idempotencyKey);
    if (saved && now() - saved.savedAt < DAY) {
      if (saved.fingerprint !== fingerprint) {
        return send(
          stripeError(
            400,
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            { type: 'idempotency_error' },
          ),
        );
      }
      return send(saved, { 'idempotent-replayed': 'true' });
    }
  }
  const save = (result) => {
    if (idempotencyKey !== null && request.method === 'POST')
      state.idempotency.set(idempotencyKey, { fingerprint, ...result, savedAt: now() });
    return result;
  };

  if (script.mode === 'hang') {
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    return send(stripeError(504, 'gateway timeout'));
  }
  if (script.status === 401 || script.status === 403) return send(refusedKey(script.status, auth));
  if (script.status) return send(save(stripeError(script.status, 'scripted failure')));

  const result = execute(request.method, url.pathname, body, url.searchParams);
  if (result.validation) return send(result); // refused before executing: nothing saved
  save(result);
  // Executed and saved, but the acknowledgement never reaches the caller.
  if (script.mode === 'ack-lost')
    return send(stripeError(500, 'connection reset after the call executed'));
  return send(result);
}

function execute(method, path, body, query) {
  if (method === 'GET' && path === '/v1/customers/search') return searchCustomers(query);
  if (method === 'POST' && path === '/v1/customers') {
    const customer = {
      id: `cus_fake${state.customers.size + 1}`,
      object: 'customer',
      email: body.email ?? null,
      metadata: body.metadata ?? {},
      created: Math.floor(now() / 1000),
      livemode: false,
    };
    state.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }
  const customerMatch = /^\/v1\/customers\/([^/]+)$/.exec(path);
  if (customerMatch) {
    const customer = state.customers.get(customerMatch[1]);
    if (!customer) {
      return {
        ...stripeError(404, `No such customer: '${customerMatch[1]}'`, {
          code: 'resource_missing',
          param: 'id',
        }),
        validation: true,
      };
    }
    if (method === 'DELETE') {
      const deleted = { id: customer.id, object: 'customer', deleted: true };
      state.customers.set(customer.id, deleted);
      return { status: 200, body: deleted };
    }
    if (method === 'GET') return { status: 200, body: customer };
  }
  if (method === 'POST' && path === '/v1/billing/meter_events') return meterEvent(body);
  return {
    ...stripeError(404, `Unrecognized request URL (${method}: ${path})`),
    validation: true,
  };
}

/**
 * Stripe's search for the one clause MemoryRouter sends,
 * `metadata['key']:'value'`; anything else is refused as Stripe refuses a
 * query it cannot parse. Deleted customers are not found.
 */
function searchCustomers(params) {
  const clause = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(params.get('query') ?? '');
  if (!clause) {
    return {
      ...stripeError(400, 'The search query is invalid.', { param: 'query' }),
      validation: true,
    };
  }
  const [, key, value] = clause;
  const data = [...state.customers.values()].filter(
    (customer) =>
      !customer.deleted &&
      customer.metadata[key] === value &&
      now() - customer.created * 1000 >= SEARCH_LAG_MS,
  );
  return {
    status: 200,
    body: {
      object: 'search_result',
      url: '/v1/customers/search',
      has_more: false,
      next_page: null,
      data,
    },
  };
}

function meterEvent(body) {
  const refuse = (message, param) => ({
    ...stripeError(400, message, param ? { param } : {}),
    validation: true,
  });
  if (!body.event_name) return refuse('Missing required param: event_name.', 'event_name');
  if (!body.payload?.stripe_customer_id || body.payload.value === undefined) {
    return refuse('The payload must contain stripe_customer_id and value.', 'payload');
  }
  if (!/^\d+$/.test(body.payload.value)) {
    return refuse('The payload value must be a whole number.', 'payload[value]');
  }
  const timestamp =
    body.timestamp === undefined ? Math.floor(now() / 1000) : Number(body.timestamp);
  const nowSeconds = now() / 1000;
  if (!(timestamp >= nowSeconds - 35 * 86_400 && timestamp <= nowSeconds + 300)) {
    return refuse(
      'Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.',
      'timestamp',
    );
  }
  const identifier = body.identifier ?? `fake_${crypto.randomUUID()}`;
  const recordedAt = state.identifiers.get(identifier);
  if (recordedAt !== undefined && now() - recordedAt < DAY) {
    return refuse(`An event already exists with identifier ${identifier}.`);
  }
  state.identifiers.set(identifier, now());
  const event = {
    object: 'billing.meter_event',
    event_name: body.event_name,
    identifier,
    payload: body.payload,
    timestamp,
    created: Math.floor(now() / 1000),
    livemode: false,
  };
  state.meterEvents.push(event);
  return { status: 200, body: event };
}

/**
 * A Stripe-Signature header for a webhook payload, as Stripe computes it:
 * `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the whole
 * signing secret>`. Web Crypto, so it runs in workerd and in Node alike.
 */
export async function signWebhook(payload, secret, timestamp = Math.floor(Date.now() / 1000)) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${payload}`));
  const hex = [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `t=${timestamp},v1=${hex}`;
}

let eventCount = 0;

/**
 * A v1 event as Stripe delivers it (`object: "event"`, `data.object` the
 * thing it is about). `object` defaults to what the type names: a
 * subscription (status from `status`, default "active") or an invoice, of
 * `customer`.
 */
export function webhookEvent({ type, customer, status, object }) {
  eventCount += 1;
  const kind = type.startsWith('customer.subscription.')
    ? { id: `sub_fake${eventCount}`, object: 'subscription', status: status ?? 'active' }
    : type.startsWith('invoice.')
      ? { id: `in_fake${eventCount}`, object: 'invoice' }
      : { id: `obj_fake${eventCount}` };
  return {
    id: `evt_fake${eventCount}_${Date.now().toString(36)}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    type,
    created: Math.floor(now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    data: { object: { ...kind, ...(customer ? { customer } : {}), ...object } },
  };
}
