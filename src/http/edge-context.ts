import { createRequestContext } from '../resolvers/request-context';
import type { Edge } from './edge';

/**
 * The request context of a key-holding route that passed the edge: its
 * principal, its signal and timings, and the provider key it was sent (null
 * for routes that call no provider).
 */
export function edgeContext<A extends 'memoryKey' | 'activeMemoryKey'>(
  edge: Edge<A>,
  providerKey: string | null = edge.providerKey,
) {
  return createRequestContext(edge.env, edge.ctx, {
    principal: edge.principal,
    authError: null,
    providerKey,
    signal: edge.request.signal,
    timings: edge.timings,
  });
}
