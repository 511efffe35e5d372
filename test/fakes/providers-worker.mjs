// A stand-in for the AI providers and Stripe, run by the test pool as an
// auxiliary Worker that receives every outbound fetch of the Worker under
// test. It speaks each service's wire format (request paths and headers, SSE
// event names and framing, Stripe's form-encoded requests and its objects and
// error bodies), records what reached it, and can be told to fail.
//
//   GET  http://fakes.test/_calls    what reached the fakes, oldest first
//   POST http://fakes.test/_reset    forget calls and scripts
//   POST http://fakes.test/_script   {host, status?, body?, headers?, mode?: "cut" | "hang" | "ack-lost", reply?}
//                                    applies to the next call to that host
//   GET  http://fakes.test/_stripe   Stripe's state: customers and accepted meter events
//   POST http://fakes.test/_stripe/clock   {advanceMs}: moves the Stripe fake's clock
// The Stripe fake, with the API's idempotency and meter-event rules, is in stripe.mjs.

import { resetStripe, stripeApi, stripeControl } from './stripe.mjs';

const calls = [];
const scripts = new Map();
const encoder = new TextEncoder();

const PROVIDERS = {
  'api.openai.com': { kind: 'openai', keyPrefix: 'sk-' },
  'openrouter.ai': { kind: 'openai', keyPrefix: 'sk-or-' },
  'llm.local.test': { kind: 'openai', keyPrefix: null },
  'api.anthropic.com': { kind: 'anthropic', keyPrefix: 'sk-ant-' },
  'generativelanguage.googleapis.com': { kind: 'google', keyPrefix: 'AIza' },
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.host === 'fakes.test') return control(request, url);
    if (url.host === 'api.stripe.com') {
      return stripeApi(request, url, {
        record: (call) => calls.push(call),
        script: scripts.get(url.host)?.shift() ?? {},
      });
    }
    const provider = PROVIDERS[url.host];
    if (!provider) return new Response(`no fake for ${url.host}`, { status: 502 });

    const body = request.method === 'POST' ? await request.json() : null;
    const call = {
      host: url.host,
      path: url.pathname + url.search,
      headers: Object.fromEntries(
        [
          'authorization',
          'x-api-key',
          'x-goog-api-key',
          'anthropic-version',
          'x-provider-key',
        ].flatMap((name) => (request.headers.has(name) ? [[name, request.headers.get(name)]] : [])),
      ),
      body,
      cancelled: false,
    };
    calls.push(call);

    const script = scripts.get(url.host)?.shift() ?? {};
    if (script.status) {
      return Response.json(
        script.body ?? errorBody(provider.kind, script.status, 'scripted failure'),
        {
          status: script.status,
          headers: script.headers ?? {},
        },
      );
    }
    const key =
      call.headers.authorization?.replace(/^Bearer /, '') ??
      call.headers['x-api-key'] ??
      call.headers['x-goog-api-key'] ??
      '';
    if (provider.keyPrefix !== null && !key.startsWith(provider.keyPrefix)) {
      // Real providers quote (part of) the key they refuse; the Worker must not pass it on.
      return Response.json(errorBody(provider.kind, 401, `Incorrect API key provided: ${key}`), {
        status: 401,
      });
    }
    const reply = script.reply ?? `Fake ${url.host} heard: ${lastUserText(provider.kind, body)}`;
    const pieces = reply.match(/\S+\s*/g) ?? [reply];
    const frames = framesFor(provider.kind, body, pieces);
    // In `hang` mode a stream stops right after its first piece of text.
    const upToFirstText = { openai: 2, anthropic: 4, google: 1 }[provider.kind];
    return sse(frames, script.mode, call, upToFirstText);
  },
};

async function control(request, url) {
  if (url.pathname === '/_calls') return Response.json(calls);
  if (url.pathname.startsWith('/_stripe')) return stripeControl(request, url);
  if (url.pathname === '/_reset') {
    calls.length = 0;
    scripts.clear();
    resetStripe();
    return Response.json({ ok: true });
  }
  if (url.pathname === '/_script') {
    const script = await request.json();
    scripts.set(script.host, [...(scripts.get(script.host) ?? []), script]);
    return Response.json({ ok: true });
  }
  return new Response('unknown control path', { status: 404 });
}

function lastUserText(kind, body) {
  if (kind === 'google') {
    const user = [...(body.contents ?? [])].reverse().find((c) => c.role === 'user');
    return user?.parts?.map((p) => p.text).join('') ?? '';
  }
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

function errorBody(kind, status, message) {
  if (kind === 'anthropic') {
    const type =
      status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
    return { type: 'error', error: { type, message } };
  }
  if (kind === 'google') {
    return {
      error: {
        code: status,
        message,
        status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT',
      },
    };
  }
  return {
    error: {
      message,
      type: 'invalid_request_error',
      param: null,
      code: status === 401 ? 'invalid_api_key' : null,
    },
  };
}

/** Each provider's stream, as [event name | null, data] frames. */
function framesFor(kind, body, pieces) {
  if (kind === 'anthropic') {
    return [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'msg_fake',
            type: 'message',
            role: 'assistant',
            content: [],
            model: body.model,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 10, output_tokens: 1 },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      ['ping', { type: 'ping' }],
      ...pieces.map((text) => [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      ]),
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: pieces.length },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ];
  }
  if (kind === 'google') {
    return pieces.map((text, i) => [
      null,
      {
        candidates: [
          {
            content: { parts: [{ text }], role: 'model' },
            index: 0,
            ...(i === pieces.length - 1 ? { finishReason: 'STOP' } : {}),
          },
        ],
        modelVersion: 'fake',
      },
    ]);
  }
  const chunk = (delta, finish) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_764_000_000,
    model: body.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return [
    [null, chunk({ role: 'assistant', content: '' }, null)],
    ...pieces.map((content) => [null, chunk({ content }, null)]),
    [null, chunk({}, 'stop')],
    [null, '[DONE]'],
  ];
}

function sse(frames, mode, call, upToFirstText) {
  const encode = ([event, data]) =>
    encoder.encode(
      `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    );
  const stream = new ReadableStream({
    async start(controller) {
      if (mode === 'hang') {
        for (const frame of frames.slice(0, upToFirstText)) controller.enqueue(encode(frame));
        // Goes silent (a pending timer keeps workerd from calling it hung); the
        // client must time out or abort, which cancels this stream.
        await new Promise((resolve) => setTimeout(resolve, 20_000));
        if (!call.cancelled) controller.close();
        return;
      }
      const sent = mode === 'cut' ? frames.slice(0, 2) : frames;
      for (const frame of sent) controller.enqueue(encode(frame));
      controller.close();
    },
    cancel() {
      call.cancelled = true;
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
