import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { AuthFailure } from '@pothos/plugin-scope-auth';
import type { GraphQLContext } from '../context';
import { CodedError } from '../errors';
import { refusal } from '../resolvers/principal';

export interface PothosTypes {
  Context: GraphQLContext;
  AuthScopes: {
    /** A valid memory key: reads and writes its own vaults. */
    memoryKey: boolean;
    /** A valid admin JWT: manages its account's keys. */
    admin: boolean;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [ScopeAuthPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      memoryKey: context.principal?.kind === 'key',
      admin: context.principal?.kind === 'admin',
    }),
    // Subscriptions are checked when they start, not at their first event.
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, context, _info, result) => {
      const scopes = scopesIn(result.failure);
      const admin = scopes.has('admin');
      return refusal(
        context,
        admin && scopes.has('memoryKey') ? 'either' : admin ? 'admin' : 'memoryKey',
      );
    },
  },
  validation: {
    validationError: (validation) => {
      // A list or text over its documented maximum is "too large"; any other
      // failed check is plain bad input.
      const tooLarge = validation.issues.some((issue) => {
        const { code, origin } = issue as { code?: string; origin?: string };
        return code === 'too_big' && (origin === 'array' || origin === 'string');
      });
      const message = validation.issues
        .map((issue) => {
          const path = (issue.path ?? [])
            .map((part) => (typeof part === 'object' ? String(part.key) : String(part)))
            .join('.');
          return path ? `${path}: ${issue.message}` : issue.message;
        })
        .join('; ');
      return new CodedError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_USER_INPUT', message);
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'ISO-8601 date-time with a time zone, e.g. 2026-11-24T10:00:00Z',
});
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value; memory metadata is a JSON object.',
});

builder.queryType({ description: 'Reads: vaults, memories, windowed search and the calling key.' });
builder.mutationType({
  description: 'Writes: memories, vaults, chat and (for admins) memory keys.',
});
builder.subscriptionType({ description: 'Streams: chat answers as they are written.' });

/** The scopes a failed check asked for (a field may accept either of several). */
function scopesIn(failure: AuthFailure): Set<string> {
  if ('scope' in failure) return new Set([failure.scope]);
  if ('failures' in failure)
    return new Set(failure.failures.flatMap((inner) => [...scopesIn(inner)]));
  return new Set();
}
