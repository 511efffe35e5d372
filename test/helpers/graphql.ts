import { env, exports } from 'cloudflare:workers';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLClient } from 'graphql-request';
import { SignJWT } from 'jose';
import { CreateMemoryKeyDocument } from '../generated/graphql';

export const BASE_URL = 'http://memoryrouter.test';

/** The Worker under test, reached through its own fetch handler. */
export function workerFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(input, init));
}

/** An admin JWT for `accountId`, signed with the test deployment's secret. */
export function adminToken(accountId: string, expiresIn = '10m'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(accountId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
}

/** A graphql-request client speaking to the Worker with a bearer token. */
export function client(token?: string): GraphQLClient {
  return new GraphQLClient(`${BASE_URL}/graphql`, {
    fetch: workerFetch,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

let accounts = 0;
/** A fresh account with one memory key; returns the key and a client using it. */
export async function newKey(name = 'test key') {
  accounts += 1;
  const accountId = `acct-${Date.now().toString(36)}-${accounts}`;
  const admin = client(await adminToken(accountId));
  const created = await admin.request(CreateMemoryKeyDocument, { name });
  const secret = created.createMemoryKey.secret;
  return {
    accountId,
    admin,
    adminToken: await adminToken(accountId),
    secret,
    keyId: created.createMemoryKey.key.id,
    api: client(secret),
  };
}

export interface RawResult<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
  extensions?: Record<string, unknown>;
}

/** A raw POST /graphql, for asserting on errors and extensions. */
export async function post<T = Record<string, unknown>, V = Record<string, unknown>>(
  document: string | TypedDocumentNode<T, V>,
  variables: V | Record<string, unknown> = {},
  token?: string,
): Promise<RawResult<T>> {
  const { print } = await import('graphql');
  const query = typeof document === 'string' ? document : print(document);
  const response = await workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<RawResult<T>, 'status'>) };
}

export function codes(result: RawResult<unknown>): (string | undefined)[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

/**
 * A GraphQL error's extensions as a test compares them whole: its request id
 * (every error carries one, test/http/request-id.test.ts) checked for its
 * shape and left out, so the rest is compared exactly.
 */
export function withoutRequestId(
  extensions: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (extensions === undefined) return undefined;
  const { requestId, ...rest } = extensions;
  if (typeof requestId !== 'string' || !/^mrq_[\w-]{16}$/.test(requestId))
    throw new Error(`expected a request id in the error's extensions, got ${String(requestId)}`);
  return rest;
}
