import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CodedError } from '../../core/errors';
import { codedRequestRefusal } from './client-errors';

/** Most vault objects one operation may read: two full ten-vault searches. */
export const MAX_VAULT_READS = 20;

/**
 * Root fields that read vault objects, and how many each reads for its
 * arguments. Nested fields read only vaults a root field already named.
 */
const VAULT_READS: Record<string, (args: Record<string, unknown>) => number> = {
  search: (args) => {
    const vaults = (args.input as { vaults?: unknown[] | null } | undefined)?.vaults;
    return Array.isArray(vaults) ? Math.max(vaults.length, 1) : 1;
  },
  chat: (args) => {
    const input = (args.input ?? {}) as { sessionId?: unknown; conversationId?: unknown };
    return 1 + (input.sessionId ? 1 : 0) + (input.conversationId ? 1 : 0);
  },
  vault: () => 1,
  memory: () => 1,
};

/**
 * Counts the vault objects an operation will read, before it runs, and
 * refuses it as a whole when they exceed MAX_VAULT_READS: fifteen aliased
 * searches cost what fifteen searches cost, and none of them runs (or is
 * billed) when together they are too many. Like the shape limits, the
 * answer names the limit, not its number.
 */
export function useVaultReadLimit(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const root = args.schema.getRootType(operation.operation);
      if (!root) return;
      // The variables are coerced only when a field that reads vaults needs
      // its arguments: execution coerces them again, and for a bulk
      // storeMemories (100 input objects, no vault-reading field) that was
      // the same work twice.
      let coerced: Record<string, unknown> | null | undefined;
      const variables = () => {
        if (coerced === undefined) {
          const { errors, coerced: values } = getVariableValues(
            args.schema,
            operation.variableDefinitions ?? [],
            (args.variableValues ?? {}) as Record<string, unknown>,
          );
          coerced = errors ? null : values;
        }
        return coerced;
      };
      const reads = countReads(args.document, root, operation.selectionSet, variables);
      // Invalid variables (null): execution reports them itself.
      if (reads === null || reads <= MAX_VAULT_READS) return;
      setResultAndStopExecution({
        errors: [
          codedRequestRefusal(
            new CodedError(
              'BAD_USER_INPUT',
              'the operation reads too many vaults at once (vault read limit)',
              'VAULT_READ_LIMIT',
            ),
          ),
        ],
      });
    },
  };
}

function countReads(
  document: DocumentNode,
  root: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  variables: () => Record<string, unknown> | null,
  visited = new Set<string>(),
): number | null {
  let total = 0;
  for (const selection of selectionSet.selections) {
    let reads: number | null = 0;
    if (selection.kind === Kind.FIELD) {
      const count = VAULT_READS[selection.name.value];
      const field = root.getFields()[selection.name.value];
      if (count === undefined || field === undefined) continue;
      const values = variables();
      if (values === null) return null;
      try {
        reads = count(getArgumentValues(field, selection, values));
      } catch {
        reads = 1; // bad arguments: execution will refuse them
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      reads = countReads(document, root, selection.selectionSet, variables, visited);
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = document.definitions.find(
        (definition): definition is FragmentDefinitionNode =>
          definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
      );
      if (fragment) reads = countReads(document, root, fragment.selectionSet, variables, visited);
    }
    if (reads === null) return null;
    total += reads;
  }
  return total;
}
