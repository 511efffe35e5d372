import { visit, BREAK, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../../resolvers/request-context';
import { isProduction } from '../../core/config';
import { CodedError } from '../../core/errors';
import { codedRequestRefusal } from './client-errors';

function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Introspection policy: open in development; in production (ENVIRONMENT =
 * "production") only for requests with valid credentials, a memory key or an
 * admin JWT, so admin tooling and typed clients keep working while anonymous
 * callers cannot map the API. `__typename` is always allowed. A refusal says
 * why as every other field does: the presented credential's own failure
 * (ADMIN_TOKEN_EXPIRED, KEY_UNKNOWN, MALFORMED_CREDENTIAL, …), NO_CREDENTIAL
 * only when none was sent; and, having no `data`, it is a 401 under
 * `application/graphql-response+json` (client-errors.ts, requestRefusal).
 */
export function useIntrospectionPolicy(): Plugin<RequestContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as RequestContext;
      if (!isProduction(context.env) || context.principal !== null) return;
      if (!asksForIntrospection(args.document)) return;
      const refused =
        context.authError ??
        new CodedError(
          'UNAUTHENTICATED',
          'introspection needs credentials in production: send a memory key ("Authorization: Bearer mk_…") or an admin token',
          'NO_CREDENTIAL',
        );
      setResultAndStopExecution({ errors: [codedRequestRefusal(refused)] });
    },
  };
}
