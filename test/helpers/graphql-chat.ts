import { print, type DocumentNode } from 'graphql';
import { createClient } from 'graphql-sse';
import { expect } from 'vitest';
import { BASE_URL, workerFetch, type RawResult } from './graphql';

/**
 * GraphQL chat through the Worker, as a client sends it: the memory key as a
 * bearer token and the provider key in X-Provider-Key (an OpenAI test key
 * unless told otherwise: the fakes take any). Every chat test used to write
 * this request out itself.
 */

/** The operation as text, or a generated document (a TypedDocumentNode is one). */
type Operation = string | DocumentNode;

const textOf = (operation: Operation) =>
  typeof operation === 'string' ? operation : print(operation);

function chatHeaders(secret: string, providerKey: string): Record<string, string> {
  return { authorization: `Bearer ${secret}`, 'x-provider-key': providerKey };
}

/**
 * A chat mutation (any selection of `chat(input: $input)`) with `input` as
 * its ChatInput: the response's status and headers, and its data, errors
 * and extensions, unchecked, for tests of refusals and receipts alike.
 */
export async function postChat<T = Record<string, unknown>>(
  secret: string,
  mutation: Operation,
  input: Record<string, unknown>,
  providerKey = 'sk-test',
): Promise<RawResult<T> & { headers: Headers }> {
  const response = await workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...chatHeaders(secret, providerKey) },
    body: JSON.stringify({ query: textOf(mutation), variables: { input } }),
  });
  const body = (await response.json()) as Omit<RawResult<T>, 'status'>;
  return { status: response.status, headers: response.headers, ...body };
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
  const client = createClient({
    url: `${BASE_URL}/graphql`,
    fetchFn: workerFetch,
    headers: chatHeaders(secret, providerKey),
  });
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
