import { CodedError } from '../core/errors';
import type { ChatSurface } from './surfaces';
import { isGeminiMethodTarget } from './gemini-target';

/**
 * The APIs the providers' SDKs reach beside chat that MemoryRouter does not
 * serve (docs/drop-in.md, "Routes"). An app that points an SDK's base URL at
 * MemoryRouter still calls them on the same client (`files.create`,
 * `chat.completions.list()`, `ai.files.upload`, `messages.batches.create`):
 * each gets a 501 in that SDK's own error shape, reason ROUTE_NOT_SERVED,
 * whose message names the call and says to make it at the provider directly,
 * so the SDK raises its typed error with words a developer can act on.
 *
 * 501, not 404: a 404 on a resource path reads as "no such resource", which
 * apps take as benign (a delete of something already gone, a retrieve that
 * falls back to creating), so `chat.completions.delete(id)` would seem to
 * succeed while OpenAI keeps the stored completion. 501 is HTTP's "this
 * server does not support the functionality", and no SDK reads it as absent.
 * It is never worth a retry (error-shapes.ts sends `x-should-retry: false`).
 * A path no SDK calls stays a 404 ROUTE_NOT_FOUND.
 */

/**
 * The SDK behind a call to /v1/models…, a path three SDKs share: Anthropic's
 * sends `anthropic-version` on every call, Google's its API key as
 * `x-goog-api-key` (or `?key=`) and `x-goog-api-client`; any other caller
 * is taken for an OpenAI-compatible one.
 */
export function modelsClientOf(request: Request): ChatSurface {
  const { headers } = request;
  if (headers.has('anthropic-version')) return 'anthropic';
  if (headers.has('x-goog-api-key') || headers.has('x-goog-api-client')) return 'google';
  if (new URL(request.url).searchParams.has('key')) return 'google';
  return 'openai';
}

/** A provider's API MemoryRouter does not serve, by the first segment of its path. */
type Unserved = Record<string, string>;

/** OpenAI's SDK (`openai`), under /v1/; the chat paths are in openAiUnserved. */
const OPENAI: Unserved = {
  files: 'Files API (files.*)',
  uploads: 'Uploads API (uploads.*)',
  conversations: 'Conversations API (conversations.*)',
  completions: 'legacy completions (completions.create)',
  assistants: 'Assistants API (beta.assistants.*)',
  threads: 'Assistants API (beta.threads.*)',
  audio: 'audio API (audio.speech, audio.transcriptions, audio.translations)',
  images: 'Images API (images.*)',
  videos: 'Videos API (videos.*)',
  batches: 'Batch API (batches.*)',
  fine_tuning: 'fine-tuning API (fineTuning.*)',
  moderations: 'moderations (moderations.create)',
  vector_stores: 'vector stores (vectorStores.*)',
  containers: 'containers (containers.*)',
  evals: 'evals (evals.*)',
  realtime: 'Realtime API (realtime.*)',
  chatkit: 'ChatKit (beta.chatkit.*)',
  skills: 'skills (skills.*)',
  agents: 'agents (agents.*)',
  decisions: 'decisions (decisions.*)',
  live: 'live sessions (live.*)',
  content_provenance_checks: 'content provenance checks',
  organization: 'administration API (admin.*)',
  webhook_endpoints: 'webhook endpoints',
  webhook_event_types: 'webhook event types',
};

/** Anthropic's SDK (`@anthropic-ai/sdk`, which sends `anthropic-version` on every call), under /v1/. */
const ANTHROPIC: Unserved = {
  files: 'Files API (beta.files.*)',
  skills: 'skills (beta.skills.*)',
  agents: 'agents (beta.agents.*)',
  deployments: 'deployments (beta.deployments.*)',
  deployment_runs: 'deployment runs (beta.deploymentRuns.*)',
  dreams: 'dreams (beta.dreams.*)',
  environments: 'environments (beta.environments.*)',
  memory_stores: 'memory stores (beta.memoryStores.*)',
  organizations: 'Admin API (organizations)',
  sessions: 'sessions (beta.sessions.*)',
  tunnels: 'tunnels (beta.tunnels.*)',
  user_profiles: 'user profiles (beta.userProfiles.*)',
  vaults: 'vaults (beta.vaults.*)',
};

/** Google's SDK (`@google/genai`), under /v1beta/ (or /v1/, /v1alpha/), and /upload/…. */
const GOOGLE: Unserved = {
  files: 'Files API (files.*)',
  cachedContents: 'context caching (caches.*)',
  batches: 'Batch API (batches.*)',
  fileSearchStores: 'file search stores (fileSearchStores.*)',
  tunedModels: 'tuning (tunings.*)',
  operations: 'long-running operations (operations.*)',
  authTokens: 'ephemeral tokens (authTokens.create)',
  auth_tokens: 'ephemeral tokens (authTokens.create)',
  interactions: 'Interactions API (interactions.*)',
  agents: 'agents (agents.*)',
  credentials: 'credentials',
  decisions: 'decisions',
  environments: 'environments',
  triggers: 'triggers',
  voices: 'voices',
  webhooks: 'webhooks (webhooks.*)',
  corpora: 'semantic retrieval (corpora)',
};

/**
 * Gemini's `models/{model}:{method}` methods other than generateContent,
 * streamGenerateContent and countTokens (which are served).
 */
const GOOGLE_MODEL_METHODS: Unserved = {
  embedContent: 'embeddings (models.embedContent)',
  batchEmbedContents: 'embeddings (models.embedContent)',
  asyncBatchEmbedContent: 'batch embeddings (batches.createEmbeddings)',
  batchGenerateContent: 'Batch API (batches.create)',
  predict:
    'image generation and editing (models.generateImages, models.editImage, models.upscaleImage)',
  predictLongRunning: 'video generation (models.generateVideos)',
  fetchPredictOperation: 'video generation (operations.get)',
  computeTokens: 'models.computeTokens',
};

const PROVIDER: Record<ChatSurface, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google',
};

/**
 * Whether a path is one of OpenAI's APIs beside chat (/v1/files…,
 * /v1/audio/…): whatever else answers there (a 404 for another SDK's client,
 * a 503 before any route ran) comes in OpenAI's shape (error-shapes.ts
 * surfaceOf). The OPENAI table above is the one list of them.
 */
export function isOpenAiOnlyPath(pathname: string): boolean {
  if (!pathname.startsWith('/v1/')) return false;
  const first = pathname.slice('/v1/'.length).split('/')[0]!;
  return Object.hasOwn(OPENAI, first);
}

/** The SDK's name of one of OpenAI's chat paths not served (everything but POST /v1/chat/completions). */
function openAiChatUnserved(method: string, rest: string[]): string | null {
  if (rest[0] !== 'chat' || rest[1] !== 'completions') return null;
  if (rest.length === 2) return method === 'GET' ? 'chat.completions.list' : null;
  if (rest.length === 3) {
    const call = { GET: 'retrieve', POST: 'update', DELETE: 'delete' }[method];
    return call === undefined ? null : `stored chat completions (chat.completions.${call})`;
  }
  if (rest.length === 4 && rest[3] === 'messages' && method === 'GET')
    return 'stored chat completions (chat.completions.messages.list)';
  return null;
}

/** What an OpenAI client called, where it is not served, from the path after /v1/. */
function openAiUnserved(method: string, rest: string[]): string | null {
  const chat = openAiChatUnserved(method, rest);
  if (chat !== null || rest[0] === 'chat') return chat;
  if (rest[0] === 'responses' && rest[1] === 'compact' && rest.length === 2 && method === 'POST')
    return 'responses.compact';
  // models.delete deletes a fine-tuned model; the model list and models.retrieve are served.
  // (A Gemini `{model}:{method}` path is Gemini's chat, which takes POST alone.)
  if (rest[0] === 'models' && rest.length === 2 && method === 'DELETE')
    return isGeminiMethodTarget(rest[1]!) ? null : 'models.delete';
  return Object.hasOwn(OPENAI, rest[0]!) ? OPENAI[rest[0]!]! : null;
}

function anthropicUnserved(rest: string[]): string | null {
  if (rest[0] === 'messages' && rest[1] === 'batches')
    return 'Message Batches API (messages.batches.*)';
  return Object.hasOwn(ANTHROPIC, rest[0]!) ? ANTHROPIC[rest[0]!]! : null;
}

function googleUnserved(method: string, rest: string[]): string | null {
  if (rest[0] === 'models' && rest.length === 2) {
    const target = rest[1]!;
    const colon = target.lastIndexOf(':');
    if (colon > 0) {
      const name = target.slice(colon + 1);
      return Object.hasOwn(GOOGLE_MODEL_METHODS, name) ? GOOGLE_MODEL_METHODS[name]! : null;
    }
    // A tuned model's update and delete; models.get and models.list are served.
    if (method === 'PATCH') return 'models.update';
    if (method === 'DELETE') return 'models.delete';
    return null;
  }
  const first = (rest[0] ?? '').split(':')[0]!;
  return Object.hasOwn(GOOGLE, first) ? GOOGLE[first]! : null;
}

/**
 * The SDK behind a request and the API it called, when that API is one
 * MemoryRouter does not serve; null for anything else (served, or no SDK's).
 * /v1/ is shared by the three SDKs (their headers tell them apart, as for
 * the model list: modelsClientOf); /v1beta/, /v1alpha/ and /upload/ are
 * Google's alone.
 */
export function unservedCall(
  request: Request,
): { surface: ChatSurface; provider: string; what: string } | null {
  const { pathname } = new URL(request.url);
  const segments = pathname.split('/').slice(1);
  const { method } = request;
  let surface: ChatSurface;
  let what: string | null;
  if (segments[0] === 'upload' && ['v1', 'v1beta', 'v1alpha'].includes(segments[1] ?? '')) {
    surface = 'google';
    what = 'file uploads (files.upload, fileSearchStores.uploadToFileSearchStore)';
  } else if (segments[0] === 'v1beta' || segments[0] === 'v1alpha') {
    surface = 'google';
    what = googleUnserved(method, segments.slice(1));
  } else if (segments[0] === 'v1') {
    const rest = segments.slice(1);
    surface = rest[0] === 'messages' ? 'anthropic' : modelsClientOf(request);
    what =
      surface === 'openai'
        ? openAiUnserved(method, rest)
        : surface === 'anthropic'
          ? anthropicUnserved(rest)
          : googleUnserved(method, rest);
  } else {
    return null;
  }
  return what === null ? null : { surface, provider: PROVIDER[surface], what };
}

/** The refusal of a call MemoryRouter does not serve: 501, reason ROUTE_NOT_SERVED. */
export function notServedError(
  request: Request,
  call: { provider: string; what: string },
): CodedError {
  const { pathname } = new URL(request.url);
  return new CodedError(
    'NOT_FOUND',
    `MemoryRouter does not serve ${request.method} ${pathname}, ${call.provider}'s ${call.what}. ` +
      `It serves chat and the calls beside it listed in its drop-in guide; ` +
      `make this call to ${call.provider} directly, with a second client at ${call.provider}'s own base URL`,
    'ROUTE_NOT_SERVED',
    { status: 501 },
  );
}
