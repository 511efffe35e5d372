import { anthropicDecoding } from './anthropic/decode';
import { anthropicNative } from './anthropic/native';
import { ANTHROPIC_VERSION, anthropicBody } from './anthropic/request';
import type { WireDecoding } from './decoder';
import { googleDecoding } from './google/decode';
import { googleNative } from './google/native';
import { geminiBody } from './google/request';
import { expectEventStream, openUpstream, serverSentEvents, type UpstreamRequest } from './http';
import type { NativeBodyFormat } from './native';
import { openAiDecoding } from './openai/decode';
import { joinedSystemNative, openAiNative } from './openai/native';
import { openAiRequest } from './openai/request';
import { responsesDecoding } from './openai/responses-decode';
import { responsesNative } from './openai/responses-native';
import {
  wireFormatOf,
  type AnswerEnd,
  type AnswerEvent,
  type Provider,
  type ProviderCall,
  type ProviderId,
  type ProviderSettings,
  type WireFormat,
} from './types';
import { ProviderError, streamBroken } from './upstream-error';

/** Everything the chat code needs of one wire format. */
export interface Wire {
  format: WireFormat;
  decoding: WireDecoding;
  native: NativeBodyFormat;
}

const WIRES: Record<WireFormat, Wire> = {
  openai: { format: 'openai', decoding: openAiDecoding, native: openAiNative },
  anthropic: { format: 'anthropic', decoding: anthropicDecoding, native: anthropicNative },
  google: { format: 'google', decoding: googleDecoding, native: googleNative },
};

/** OpenAI's wire to OpenRouter and compatible servers: memory joins the caller's system message. */
const JOINED_SYSTEM_WIRE: Wire = { ...WIRES.openai, native: joinedSystemNative };

export function wireOf(provider: ProviderId): Wire {
  if (provider === 'openrouter' || provider === 'compatible') return JOINED_SYSTEM_WIRE;
  return WIRES[wireFormatOf(provider)];
}

/** OpenAI's Responses API: OpenAI's wire (headers, errors), a body and events of its own. */
export const RESPONSES_WIRE: Wire = {
  format: 'openai',
  decoding: responsesDecoding,
  native: responsesNative,
};

/**
 * Client headers a provider understands and that are the client's business,
 * passed on as sent: the account, project and beta switches, a retry's
 * Idempotency-Key, Google's billed project and client library.
 */
const FORWARDED_HEADERS: Record<WireFormat, string[]> = {
  openai: [
    'openai-organization',
    'openai-project',
    'openai-beta',
    'idempotency-key',
    'http-referer',
    'x-title',
  ],
  anthropic: ['anthropic-version', 'anthropic-beta', 'idempotency-key'],
  google: ['x-goog-user-project', 'x-goog-api-client'],
};

/** Where a provider's chat endpoint is; throws when the provider is not configured. */
export function upstreamUrl(
  provider: ProviderId,
  settings: ProviderSettings,
  model: string,
  stream: boolean,
  /** Gemini's API version: the one the client's path named (`/v1/models/…`), else v1beta. */
  geminiVersion: 'v1' | 'v1beta' = 'v1beta',
): string {
  const base = settings.endpoints[provider];
  if (base === null) throw new Error(`provider ${provider} is not configured`);
  const root = base.replace(/\/$/, '');
  switch (wireFormatOf(provider)) {
    case 'anthropic':
      return `${root}/v1/messages`;
    case 'google':
      return `${root}/${geminiVersion}/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    default:
      return `${root}/chat/completions`;
  }
}

/**
 * Where a provider's Responses API is: OpenAI's /v1/responses, OpenRouter's
 * (stateless: it keeps no previous responses), or the compatible server's
 * (Ollama, vLLM, LM Studio; a server without one answers its own 404).
 */
export function responsesUrl(provider: ProviderId, settings: ProviderSettings): string {
  const base = settings.endpoints[provider];
  if (base === null || wireFormatOf(provider) !== 'openai')
    throw new Error(`provider ${provider} has no Responses API here`);
  return `${base.replace(/\/$/, '')}/responses`;
}

/** The provider's credentials and protocol headers, plus the client's own provider headers. */
export function upstreamHeaders(
  provider: ProviderId,
  apiKey: string | null,
  stream: boolean,
  client: Headers | null = null,
): Record<string, string> {
  const format = wireFormatOf(provider);
  const headers: Record<string, string> = {
    accept: stream ? 'text/event-stream' : 'application/json',
  };
  for (const name of FORWARDED_HEADERS[format]) {
    const value = client?.get(name);
    if (value) headers[name] = value;
  }
  if (format === 'anthropic') {
    headers['x-api-key'] = apiKey ?? '';
    headers['anthropic-version'] ??= ANTHROPIC_VERSION;
  } else if (format === 'google') {
    headers['x-goog-api-key'] = apiKey ?? '';
  } else if (apiKey) {
    headers.authorization = `Bearer ${apiKey}`;
  }
  if (provider === 'openrouter') headers['x-title'] ??= 'MemoryRouter';
  return headers;
}

/** Builds, sends and decodes a streamed call from a provider-neutral request. */
class StreamingProvider implements Provider {
  constructor(readonly id: ProviderId) {}

  async stream(call: ProviderCall, settings: ProviderSettings) {
    const wire = wireOf(this.id);
    const body =
      wire.format === 'anthropic'
        ? anthropicBody(call)
        : wire.format === 'google'
          ? geminiBody(call)
          : openAiRequest(this.id, call);
    const request: UpstreamRequest = {
      url: upstreamUrl(this.id, settings, call.model, true),
      headers: upstreamHeaders(this.id, call.apiKey, true),
      body: JSON.stringify(body),
    };
    const opened = await openUpstream(
      this.id,
      request,
      call.apiKey,
      settings.timeoutMs,
      call.signal,
    );
    // The provider's error sent with a 200 is its refusal, thrown here (not
    // metered, as a refusal); any other JSON answer is thrown inside the
    // generator, as a stream that breaks is: GraphQL meters and reports it alike.
    const notStreamed = await expectEventStream(
      this.id,
      opened,
      call.apiKey,
      settings.timeoutMs,
    ).then(
      () => null,
      (error: unknown) => {
        if (error instanceof ProviderError || !(error instanceof Error)) throw error;
        return error;
      },
    );
    return this.events(wire, opened, settings, call.apiKey, notStreamed);
  }

  private async *events(
    wire: Wire,
    opened: Awaited<ReturnType<typeof openUpstream>>,
    settings: ProviderSettings,
    apiKey: string | null,
    notStreamed: Error | null,
  ): AsyncGenerator<AnswerEvent, AnswerEnd, undefined> {
    if (notStreamed !== null) throw notStreamed;
    const decoder = wire.decoding.streamDecoder(this.id, apiKey);
    for await (const event of serverSentEvents(this.id, opened, settings.timeoutMs, apiKey)) {
      for (const decoded of decoder.push(event)) yield decoded;
      if (decoder.complete && wire.format === 'anthropic') break;
    }
    if (!decoder.complete)
      throw streamBroken(this.id, 'the stream ended before the answer was complete', apiKey);
    return decoder.end();
  }
}

const PROVIDERS: Record<ProviderId, Provider> = {
  openai: new StreamingProvider('openai'),
  anthropic: new StreamingProvider('anthropic'),
  google: new StreamingProvider('google'),
  openrouter: new StreamingProvider('openrouter'),
  compatible: new StreamingProvider('compatible'),
};

export function providerFor(id: ProviderId): Provider {
  return PROVIDERS[id];
}

export interface ProviderVars {
  OPENAI_BASE_URL?: string;
  ANTHROPIC_BASE_URL?: string;
  GOOGLE_BASE_URL?: string;
  OPENROUTER_BASE_URL?: string;
  COMPATIBLE_BASE_URL?: string;
  UPSTREAM_TIMEOUT_MS?: string;
  EXTRACTION_TIMEOUT_MS?: string;
}

/**
 * How long a non-streamed answer may take in all, and a streamed one may stay
 * silent: 10 minutes, the official SDKs' own default (openai and
 * @anthropic-ai/sdk `DEFAULT_TIMEOUT`). A long answer (thousands of tokens,
 * a reasoning model) routinely takes minutes; a shorter deadline failed it
 * with a 504 that the SDKs retry, each attempt generated and billed by the
 * provider (review 212 F1).
 */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000;

/**
 * How long fact extraction (chat `extract`, X-Memory-Extract,
 * storeMemories(extract:)) may take in all, its model calls included: its
 * calls are short forced tool calls, and the turn's receipt (a non-streamed
 * answer, GraphQL's result) waits for it, so it does not get the 10 minutes
 * of a chat answer. Past it the turn is stored without facts,
 * facts.failure TIMEOUT.
 */
export const DEFAULT_EXTRACTION_TIMEOUT_MS = 60_000;

export function providerSettings(vars: ProviderVars): ProviderSettings {
  return {
    endpoints: {
      openai: vars.OPENAI_BASE_URL || 'https://api.openai.com/v1',
      anthropic: vars.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
      google: vars.GOOGLE_BASE_URL || 'https://generativelanguage.googleapis.com',
      openrouter: vars.OPENROUTER_BASE_URL || 'https://openrouter.ai/api/v1',
      compatible: vars.COMPATIBLE_BASE_URL || null,
    },
    timeoutMs: Number(vars.UPSTREAM_TIMEOUT_MS) || DEFAULT_UPSTREAM_TIMEOUT_MS,
    extractionTimeoutMs: Number(vars.EXTRACTION_TIMEOUT_MS) || DEFAULT_EXTRACTION_TIMEOUT_MS,
  };
}
