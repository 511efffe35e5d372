import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { validationError } from './validation-errors';
import { JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { DateTimeScalar } from './date-time';
import type { AuthFailure } from '@pothos/plugin-scope-auth';
import { refusal, satisfies, type Credential } from '../resolvers/principal';
import type {
  AdminContext,
  KeyContext,
  MeteredContext,
  RequestContext,
} from '../resolvers/request-context';

/**
 * Authorization is declared on each field with `authScopes` (scope-auth):
 * the caller was authenticated once at the edge, and a field that names a
 * scope gets a context whose principal is already narrowed to it
 * (`t.withAuth(…)`), so resolvers check nothing by hand.
 */
export interface PothosTypes {
  Context: RequestContext;
  AuthScopes: {
    /** A valid memory key: reads and writes its own vaults. */
    memoryKey: boolean;
    /** A memory key of an account in good standing: metered operations (store, search, chat). */
    activeMemoryKey: boolean;
    /** A valid admin JWT: manages its account's keys, billing and snapshots. */
    admin: boolean;
  };
  AuthContexts: {
    memoryKey: KeyContext;
    activeMemoryKey: MeteredContext;
    admin: AdminContext;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [ScopeAuthPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: ({ principal }) => ({
      memoryKey: satisfies(principal, 'memoryKey'),
      activeMemoryKey: satisfies(principal, 'activeMemoryKey'),
      admin: satisfies(principal, 'admin'),
    }),
    // Subscriptions are checked when they start, not at their first event.
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, context, _info, result) =>
      refusal(
        context.principal,
        context.authError,
        neededBy(scopesIn(result.failure)),
        context.sendKey,
      ),
  },
  validation: {
    validationError: (validation) => validationError(validation.issues),
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value; memory metadata is a JSON object.',
});
builder.addScalarType('SafeInt', SafeIntResolver, {
  description:
    "A whole number up to 2^53 − 1, written as a JSON number: a count that may pass GraphQL's Int (at most 2,147,483,647), such as an account's memory tokens.",
});

builder.queryType({ description: 'Reads: vaults, memories, windowed search and the calling key.' });
builder.mutationType({
  description: 'Writes: memories, vaults, chat and (for admins) memory keys.',
});
builder.subscriptionType({
  description: 'Streams: chat answers as they are written, and live changes of a vault.',
});

/** What a failed check asked for, in the words of a refusal. */
function neededBy(scopes: Set<string>): Credential {
  const key = scopes.has('memoryKey') || scopes.has('activeMemoryKey');
  if (scopes.has('admin')) return key ? 'either' : 'admin';
  return scopes.has('activeMemoryKey') ? 'activeMemoryKey' : 'memoryKey';
}

/** The scopes a failed check asked for (a field may accept either of several). */
function scopesIn(failure: AuthFailure): Set<string> {
  if ('scope' in failure) return new Set([failure.scope]);
  if ('failures' in failure)
    return new Set(failure.failures.flatMap((inner) => [...scopesIn(inner)]));
  return new Set();
}
