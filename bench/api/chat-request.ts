/**
 * The streamed chat the API benches send: bench:api's chat row (OpenAI's
 * `/v1/chat/completions`, streamed, to the provider fake's `compatible/`
 * model) and its variants in the pairs and the profile. One definition, so
 * that every bench times the same request.
 */
export interface BenchChat {
  /** The Worker's base URL. */
  url: string;
  /** The memory key (bearer). */
  secret: string;
  /** The user message. */
  query: string;
  /** `x-memory-mode`; omitted when null (the route's default). */
  mode?: 'read' | 'off' | null;
  /** `x-session-id`: the SESSION vault the chat reads (besides the key's CORE). */
  session?: string;
  /** A system message before the user's, when given. */
  system?: string;
  /** Further headers (context limits and the like). */
  headers?: Record<string, string>;
  /** The provider key the fake accepts; the fake checks none. */
  providerKey?: string;
}

/** Sends the chat; the caller reads (or times) the streamed body. */
export function sendChat(chat: BenchChat): Promise<Response> {
  return fetch(`${chat.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${chat.secret}`,
      'x-provider-key': chat.providerKey ?? 'sk-bench',
      ...(chat.mode ? { 'x-memory-mode': chat.mode } : {}),
      ...(chat.session === undefined ? {} : { 'x-session-id': chat.session }),
      ...chat.headers,
    },
    body: JSON.stringify({
      model: 'compatible/fake-model',
      stream: true,
      messages: [
        ...(chat.system === undefined ? [] : [{ role: 'system', content: chat.system }]),
        { role: 'user', content: chat.query },
      ],
    }),
  });
}

/**
 * The length of the memory block a READ chat injects, in characters (its
 * `x-memory-tokens` × 4): filler of that size lets a memory-OFF chat send a
 * prompt as long, to tell the read's cost from the prompt's.
 */
export async function memoryBlockChars(chat: BenchChat): Promise<number> {
  const response = await sendChat({ ...chat, mode: 'read' });
  if (!response.ok) throw new Error(`chat probe: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
  return 4 * Number(response.headers.get('x-memory-tokens') ?? 0);
}

/**
 * A streamed chat sent straight to the provider fake, without the Worker:
 * the rows that show the fake's own share of a chat's time to first token.
 */
export function sendChatToFake(
  fakeUrl: string,
  user = 'hello',
  system: string | null = null,
): Promise<Response> {
  return fetch(`${fakeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: JSON.stringify({
      model: 'fake-model',
      stream: true,
      messages: [
        ...(system === null ? [] : [{ role: 'system', content: system }]),
        { role: 'user', content: user },
      ],
    }),
  });
}
