import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import {
  fromFailedResponse,
  fromGraphQLErrors,
  networkError,
  unsendableKeyError,
  MemoryRouterError,
} from './errors.js';
import type { GraphQLErrorEntry } from './errors.js';

/** A fetch function: the runtime's own unless the caller passes another. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A typed GraphQL operation (a generated document). */
export type Operation<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & {
  toString(): string;
};

/** Where and how to reach one MemoryRouter server with one memory key. */
export class Transport {
  /** The server's origin and base path, without a trailing slash or /graphql. */
  readonly baseUrl: string;
  readonly graphqlUrl: string;
  readonly fetch: FetchLike;
  private readonly key: string;
  private readonly extraHeaders: Record<string, string>;

  constructor(options: {
    url: string;
    key: string;
    fetch?: FetchLike;
    headers?: Record<string, string>;
  }) {
    this.baseUrl = options.url.replace(/\/+$/, '').replace(/\/graphql$/, '');
    this.graphqlUrl = `${this.baseUrl}/graphql`;
    this.key = options.key;
    this.extraHeaders = options.headers ?? {};
    // Called through a wrapper: Workers refuse a fetch detached from globalThis.
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Request headers: the caller's, then the memory key, then these. Every
   * request asks here first, so a key no header can carry is refused
   * (INVALID_KEY) before anything is sent.
   */
  headers(more: Record<string, string> = {}): Record<string, string> {
    const refused = unsendableKeyError(this.key);
    if (refused !== null) throw refused;
    return { ...this.extraHeaders, authorization: `Bearer ${this.key}`, ...more };
  }

  /** A fetch that turns "no answer" into a coded NETWORK_ERROR. */
  async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, init);
    } catch (error) {
      if (isAbort(error)) throw error;
      throw networkError(url, error);
    }
  }

  /** One GraphQL query or mutation: its data and extensions, or a MemoryRouterError. */
  async execute<TResult, TVariables>(
    operation: Operation<TResult, TVariables>,
    variables: TVariables,
    init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<{ data: TResult; extensions: Record<string, unknown> }> {
    const response = await this.send(this.graphqlUrl, {
      method: 'POST',
      headers: this.headers({
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...init.headers,
      }),
      body: JSON.stringify({ query: operation.toString(), variables }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('json')) throw await fromFailedResponse(response);
    const body = (await response.json()) as {
      data?: TResult | null;
      errors?: GraphQLErrorEntry[];
      extensions?: Record<string, unknown>;
    };
    if (body.errors !== undefined && body.errors.length > 0)
      throw fromGraphQLErrors(body.errors, response.status);
    if (body.data === undefined || body.data === null) {
      throw new MemoryRouterError(
        'UNEXPECTED_RESPONSE',
        'the response had neither data nor errors',
        undefined,
        response.status,
      );
    }
    return { data: body.data, extensions: body.extensions ?? {} };
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
