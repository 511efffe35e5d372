import { print, type DocumentNode } from 'graphql';
import { GraphQLClient } from 'graphql-request';
import { createClient, type Client } from 'graphql-sse';
import { expect } from 'vitest';
import { GetVaultDocument } from '../generated/graphql';
import { eventually } from './fakes';
import { BASE_URL, workerFetch, type newKey, type RawResult } from './graphql';
import { usageTokens } from './drop-in';

/**
 * GraphQL chat through the Worker, as a client sends it: the memory key as a
 * bearer token and the provider key in X-Provider-Key (an OpenAI test key
 * unless told otherwise: the fakes take any). Every chat test used to write
 * this request out itself. Stores with fact extraction need the provider key
 * too, so the raw senders take any operation, not only chat.
 */

/** The operation as text, or a generated document (a TypedDocumentNode is one). */
type Operation = string | DocumentNode;

const textOf = (operation: Operation) =>
  typeof operation === 'string' ? operation : print(operation);

/** The two keys a chat request carries. */
export function chatHeaders(secret: string, providerKey = 'sk-test'): Record<string, string> {
  return { authorization: `Bearer ${secret}`, 'x-provider-key': providerKey };
}

export interface ChatRequestOptions {
  providerKey?: string;
  /** Ask for the answer as Server-Sent Events (a subscription posted by hand). */
  stream?: boolean;
  signal?: AbortSignal;
  /** More request headers (an Accept of the client's own, say). */
  headers?: Record<string, string>;
}

/**
 * Any operation posted with the chat's two keys; the raw Response, for tests
 * that read the stream as it arrives, run requests side by side or look at
 * the body themselves.
 */
export function sendChatRequest(
  secret: string,
  operation: Operation,
  variables: Record<string, unknown>,
  { providerKey = 'sk-test', stream = false, signal, headers = {} }: ChatRequestOptions = {},
): Promise<Response> {
  return workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(stream ? { accept: 'text/event-stream' } : {}),
      ...chatHeaders(secret, providerKey),
      ...headers,
    },
    body: JSON.stringify({ query: textOf(operation), variables }),
    signal,
  });
}

/**
 * Any operation posted with the chat's two keys (a store with extraction, a
 * chat with variables of its own): status, headers, data, errors and
 * extensions, unchecked.
 */
export async function postWithProviderKey<T = Record<string, unknown>>(
  secret: string,
  operation: Operation,
  variables: Record<string, unknown>,
  providerKey = 'sk-test',
): Promise<RawResult<T> & { headers: Headers }> {
  const response = await sendChatRequest(secret, operation, variables, { providerKey });
  const body = (await response.json()) as Omit<RawResult<T>, 'status'>;
  return { status: response.status, headers: response.headers, ...body };
}

/**
 * A chat mutation (any selection of `chat(input: $input)`) with `input` as
 * its ChatInput: the response's status and headers, and its data, errors
 * and extensions, unchecked, for tests of refusals and receipts alike.
 */
export function postChat<T = Record<string, unknown>>(
  secret: string,
  mutation: Operation,
  input: Record<string, unknown>,
  providerKey = 'sk-test',
): Promise<RawResult<T> & { headers: Headers }> {
  return postWithProviderKey<T>(secret, mutation, { input }, providerKey);
}

/** A graphql-request client with the chat's two keys, for typed documents that should succeed. */
export function chatClient(secret: string, providerKey = 'sk-test'): GraphQLClient {
  return new GraphQLClient(`${BASE_URL}/graphql`, {
    fetch: workerFetch,
    headers: chatHeaders(secret, providerKey),
  });
}

/**
 * A graphql-sse client with the chat's two keys, for tests that read every
 * event themselves. It never retries: a test sees the first failure.
 * Dispose of it when done.
 */
export function chatSseClient(secret: string, providerKey = 'sk-test'): Client {
  return createClient({
    url: `${BASE_URL}/graphql`,
    fetchFn: workerFetch,
    retryAttempts: 0,
    headers: chatHeaders(secret, providerKey),
  });
}

/**
 * The chat subscription over SSE (graphql-sse, as a browser client streams
 * it), with `input` as its ChatInput; checks that no event carries errors
 * and returns the final event's `result` (ChatEvent.result, as selected).
 */
export async function streamChat<R>(
  secret: string,
  subscription: Operation,
  input: Record<string, unknown>,
  providerKey = 'sk-test',
): Promise<R> {
  const client = chatSseClient(secret, providerKey);
  let result: R | undefined;
  try {
    type Event = { chat: { done: boolean; result: R | null } };
    for await (const event of client.iterate<Event>({
      query: textOf(subscription),
      variables: { input },
    })) {
      expect(event.errors).toBeUndefined();
      if (event.data!.chat.done) result = event.data!.chat.result!;
    }
  } finally {
    client.dispose();
  }
  expect(result, 'the stream ended without its final event').toBeDefined();
  return result!;
}

/** Every `data:` line of a finished Server-Sent Events response, parsed. */
export async function sseEvents<T>(response: Response): Promise<T[]> {
  return (await response.text())
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as T);
}

/** Reads a stream until its text holds `marker`; fails if the stream ends first. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string) {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before ${marker}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/**
 * After a chat of `session` that was aborted (the client left before the
 * provider answered): the next turn of that session, sent as a mutation, is
 * stored after the aborted one would have been; the session then holds that
 * turn alone, and the key's bill grew from `billedBefore` by that turn alone
 * (the memory read for the aborted call would have been billed too, had the
 * provider taken it).
 */
export async function expectOnlyTheNextTurn(
  key: Awaited<ReturnType<typeof newKey>>,
  model: string,
  session: string,
  billedBefore: number,
): Promise<void> {
  const next = await chatClient(
    key.secret,
    model.startsWith('anthropic/') ? 'sk-ant-test' : 'sk-test',
  ).request<{
    chat: { memory: { billedMemoryTokens: number } };
  }>(`mutation($input: ChatInput!) { chat(input: $input) { memory { billedMemoryTokens } } }`, {
    input: { model, sessionId: session, messages: [{ role: 'USER', content: 'and the roses?' }] },
  });
  const stored = async () =>
    (
      await key.api.request(GetVaultDocument, {
        selector: { kind: 'SESSION', id: session },
        first: 10,
      })
    ).vault?.memories.edges.map((edge) => edge.node.content) ?? [];
  await eventually(async () => expect(await stored()).toContain('and the roses?'));
  const host = model.startsWith('anthropic/') ? 'api.anthropic.com' : 'api.openai.com';
  expect((await stored()).sort()).toEqual([`Fake ${host} heard: and the roses?`, 'and the roses?']);
  expect(await usageTokens(key)).toBe(billedBefore + next.chat.memory.billedMemoryTokens);
}
