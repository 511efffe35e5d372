import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { SearchDocument, StoreMemoryDocument } from '../generated/graphql';
import { fakeCalls, type FakeCall } from './fakes';
import { BASE_URL, newKey, post, workerFetch } from './graphql';

/**
 * A fresh key whose CORE vault holds one memory, so a chat whose words share
 * one of its words ("where do I live?") gets a memory block: memories with no
 * evidence for the question are not injected.
 */
export async function keyWithMemory(memory = 'The user lives in Lisbon') {
  const key = await newKey();
  await key.api.request(StoreMemoryDocument, { input: { content: memory } });
  return key;
}

/** The official openai SDK pointed at the Worker with a memory key (and an OpenAI key in X-Provider-Key). */
export const openAiClient = (secret: string, headers: Record<string, string> = {}) =>
  new OpenAI({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    maxRetries: 0,
    defaultHeaders: { 'x-provider-key': 'sk-test-openai', ...headers },
  });

/** The official Anthropic SDK pointed at the router's /v1/messages, as openAiClient is. */
export const anthropicClient = (secret: string, headers: Record<string, string> = {}) =>
  new Anthropic({
    apiKey: secret,
    baseURL: BASE_URL,
    fetch: workerFetch,
    maxRetries: 0,
    defaultHeaders: { 'x-provider-key': 'sk-ant-test', ...headers },
  });

/** What a call ends with: the error it raised, or null when it finished. */
export async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return null;
  } catch (error) {
    return error;
  }
}

/** The memory tokens the key's account was billed so far. */
export async function usageTokens(key: { secret: string }): Promise<number> {
  const result = await post<{ usage: { memoryTokens: number } }>(
    '{ usage { memoryTokens } }',
    {},
    key.secret,
  );
  return result.data!.usage.memoryTokens;
}

/** The provider calls the fakes received, of one host. */
export async function upstreamCalls(host: string): Promise<FakeCall[]> {
  return (await fakeCalls()).filter((call) => call.host === host);
}

/**
 * The memory block's lines in the system message of the last call the
 * OpenAI fake received, as the model reads them: `- [time · vault · window · role] "text"`.
 */
export async function injectedBlockLines(): Promise<string[]> {
  const [call] = (await upstreamCalls('api.openai.com')).slice(-1);
  const system = call!.body.messages!.find(
    (message: { role: string }) => message.role === 'system',
  );
  if (!system) return [];
  return (system.content as string).split('\n').filter((line) => line.startsWith('- ['));
}

/** The memories injected into the OpenAI fake's last call, their texts only. */
export async function injectedMemories(): Promise<string[]> {
  return (await injectedBlockLines()).map(
    (line) => JSON.parse(line.slice(line.indexOf('] ') + 2)) as string,
  );
}

/**
 * Sends a recorded upstream request straight to the fake provider, as the
 * router sent it: what the provider answers a client that called it directly.
 */
export async function replay(call: FakeCall): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of [
    'authorization',
    'x-api-key',
    'x-goog-api-key',
    'anthropic-version',
    'accept',
  ]) {
    if (call.headers[name]) headers[name] = call.headers[name]!;
  }
  return fetch(`https://${call.host}${call.path}`, { method: 'POST', headers, body: call.rawBody });
}

/** A POST to the Worker with a JSON body, as a client without an SDK sends it. */
export function postJson(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return workerFetch(`${BASE_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Contents of a vault that contain one of the query's words (3 letters or
 * more), found by a TEXT search (sorted). The filter matters: TEXT search
 * also ranks a memory by its neighbours' words (contextual indexing), so a
 * turn said next to a match comes back too, though it holds none of them.
 */
export async function vaultContents(
  api: Awaited<ReturnType<typeof newKey>>['api'],
  query: string,
  vault: { kind: 'CORE' | 'SESSION' | 'EPHEMERAL'; id?: string } = { kind: 'CORE' },
): Promise<string[]> {
  const found = await api.request(SearchDocument, {
    input: { query, vaults: [vault], mode: 'TEXT', windows: [{ window: 'HOT', limit: 50 }] },
  });
  return found.search.hits
    .map((hit) => hit.memory.content)
    .filter((content) => sharesAWord(content, query))
    .sort();
}

const words = (text: string) =>
  new Set((text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => w.length >= 3));

/** Whether `content` holds one of the words of `query` that are 3 letters or more. */
export function sharesAWord(content: string, query: string): boolean {
  const own = words(content);
  return [...words(query)].some((word) => own.has(word));
}

/** The receipt header, decoded. */
export function decodeReceipt(header: string | null) {
  return JSON.parse(atob(header!.replace(/-/g, '+').replace(/_/g, '/'))) as {
    memoryTokens: number;
    hits: { vault: string; id: string; window: string; score: number; tokens: number }[];
  };
}

export const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

/** A 1×1 PNG as a data URL. */
export const PIXEL_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Every memory of a key's session vault, oldest first, as "ROLE: content". */
export async function sessionMemories(key: { secret: string }, session: string): Promise<string[]> {
  const listed = await post<{
    vault: { memories: { edges: { node: { role: string; content: string } }[] } } | null;
  }>(
    `query($selector: VaultSelector!) {
      vault(selector: $selector) { memories(first: 100, order: OLDEST_FIRST) { edges { node { role content } } } }
    }`,
    { selector: { kind: 'SESSION', id: session } },
    key.secret,
  );
  return (listed.data?.vault?.memories.edges ?? []).map(
    ({ node }) => `${node.role}: ${node.content}`,
  );
}
