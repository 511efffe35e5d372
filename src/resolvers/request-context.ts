import { readConfig, type AppConfig } from '../core/config';
import type { Embedder } from '../embed/embedder';
import { createEmbedder } from '../embed';
import type { CodedError } from '../core/errors';
import type { PhaseTimings } from './phase-timings';
import type { ActiveKeyPrincipal, AdminPrincipal, KeyPrincipal, Principal } from './principal';
import { ReceiptCollector } from './receipt';
import { VaultLoader } from './vault-loader';

/**
 * What one request works with, over GraphQL or the REST routes: bindings,
 * the caller (already authenticated at the edge), their provider key, and
 * per-request helpers. `P` says how far the caller was checked: the narrower
 * contexts below are what operations that need a memory key, an active
 * account or an admin take, so the compiler sees that the check was made.
 */
export interface RequestContext<P extends Principal | null = Principal | null> {
  env: Env;
  ctx: ExecutionContext;
  config: AppConfig;
  embedder: Embedder;
  /** null when the request carried no credentials, or credentials that failed. */
  principal: P;
  /** Why the presented credentials were refused, if they were. */
  authError: CodedError | null;
  /**
   * How this transport sends a memory key, for a refusal's words: a GraphQL
   * WebSocket's connection_init payload, where a browser cannot set headers;
   * unset over HTTP (a Bearer token).
   */
  sendKey?: string;
  /** The caller's AI provider key for this request only: never stored, never logged. */
  providerKey: string | null;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  vaults: VaultLoader;
  receipt: ReceiptCollector;
  /** Where the request's time goes, per phase (Server-Timing, the receipt). */
  timings: PhaseTimings;
}

/** A request made with a memory key. */
export type KeyContext = RequestContext<KeyPrincipal>;
/** A request made with a memory key of an active account: metered operations take this. */
export type MeteredContext = RequestContext<ActiveKeyPrincipal>;
/** A request made with an admin token. */
export type AdminContext = RequestContext<AdminPrincipal>;

/** What the edge hands down: who the caller is and what they sent beside the request. */
export interface EdgeFacts<P extends Principal | null> {
  principal: P;
  authError: CodedError | null;
  providerKey: string | null;
  signal: AbortSignal;
  timings: PhaseTimings;
  sendKey?: string;
}

/**
 * The configuration and embedder of a deployment's bindings, made once per
 * isolate (bindings do not change while it lives) instead of per request.
 */
const perBindings = new WeakMap<Env, { config: AppConfig; embedder: Embedder }>();

function deploymentOf(env: Env): { config: AppConfig; embedder: Embedder } {
  let made = perBindings.get(env);
  if (made === undefined) {
    made = { config: readConfig(env), embedder: createEmbedder(env) };
    perBindings.set(env, made);
  }
  return made;
}

export function createRequestContext<P extends Principal | null>(
  env: Env,
  ctx: ExecutionContext,
  edge: EdgeFacts<P>,
): RequestContext<P> {
  const receipt = new ReceiptCollector(edge.timings);
  const { config, embedder } = deploymentOf(env);
  return {
    env,
    ctx,
    config,
    embedder,
    principal: edge.principal,
    authError: edge.authError,
    providerKey: edge.providerKey,
    signal: edge.signal,
    receipt,
    timings: edge.timings,
    vaults: new VaultLoader(env, receipt, edge.timings),
    ...(edge.sendKey === undefined ? {} : { sendKey: edge.sendKey }),
  };
}
