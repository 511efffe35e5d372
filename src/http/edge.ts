import type { CodedError } from '../core/errors';
import type { PhaseTimings } from '../resolvers/phase-timings';
import type { ActiveKeyPrincipal, KeyPrincipal, Principal } from '../resolvers/principal';

/**
 * Who may call a route, checked at the edge before its handler runs:
 *   none             no credentials read (health, the Stripe webhook, which signs its own)
 *   optional         credentials read if sent; GraphQL fields say what they need
 *   memoryKey        a valid memory key (reading and exporting one's own data)
 *   activeMemoryKey  a memory key of an account in good standing (metered operations)
 */
export type Access = 'none' | 'optional' | 'memoryKey' | 'activeMemoryKey';

/** The principal a handler gets for its route's access: narrowed, so it needs no check of its own. */
export type PrincipalFor<A extends Access> = A extends 'none'
  ? null
  : A extends 'optional'
    ? Principal | null
    : A extends 'memoryKey'
      ? KeyPrincipal
      : ActiveKeyPrincipal;

/** What a route handler is given once the request passed the edge's checks. */
export interface Edge<A extends Access = Access> {
  /** The request, its body within the size limit and of a type the route reads. */
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  /** Path parameters of the route. */
  params: Record<string, string>;
  principal: PrincipalFor<A>;
  /** Why the credentials sent were refused (routes with optional access answer it later). */
  authError: CodedError | null;
  /** X-Provider-Key: the caller's provider key for this request only. */
  providerKey: string | null;
  /** Where the request's time goes, sent back as Server-Timing. */
  timings: PhaseTimings;
}

export type Handler<A extends Access> = (edge: Edge<A>) => Promise<Response> | Response;
