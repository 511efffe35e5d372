import { authenticate } from './auth/authenticate';
import type { Principal } from './auth/principal';
import { readConfig, type AppConfig } from './config';
import type { Embedder } from './embed/embedder';
import { createEmbedder } from './embed';
import { CodedError } from './errors';
import { ReceiptCollector } from './resolvers/receipt';
import { VaultLoader } from './resolvers/vault-loader';

/**
 * What one request works with, over GraphQL or the REST routes: bindings, the
 * caller, their provider key, and per-request helpers.
 */
export interface RequestContext {
  env: Env;
  ctx: ExecutionContext;
  config: AppConfig;
  embedder: Embedder;
  /** null when the request carried no credentials. */
  principal: Principal | null;
  /** Why the presented credentials were refused, if they were. */
  authError: string | null;
  /** The caller's AI provider key for this request only: never stored, never logged. */
  providerKey: string | null;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  vaults: VaultLoader;
  receipt: ReceiptCollector;
}

/** The GraphQL context is the request context. */
export type GraphQLContext = RequestContext;

export async function createRequestContext(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  overrides: { authorization?: string | null; providerKey?: string | null } = {},
): Promise<RequestContext> {
  let principal: Principal | null = null;
  let authError: string | null = null;
  try {
    principal = await authenticate(
      overrides.authorization ?? request.headers.get('authorization'),
      env,
    );
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    authError = error.message;
  }
  const receipt = new ReceiptCollector();
  return {
    env,
    ctx,
    config: readConfig(env),
    embedder: createEmbedder(env),
    principal,
    authError,
    providerKey: (overrides.providerKey ?? request.headers.get('x-provider-key'))?.trim() || null,
    signal: request.signal,
    receipt,
    vaults: new VaultLoader(env, receipt),
  };
}
