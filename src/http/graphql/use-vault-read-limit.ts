import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  isInputObjectType,
  getVariableValues,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
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
 * The most each field of VAULT_READS can read whatever its arguments; search
 * has no such bound (its `vaults` list is counted from the request).
 */
const MOST_READS: Record<string, number> = { chat: 3, vault: 1, memory: 1 };

/** A root field that reads vaults, as the operation selects it (fragments followed). */
interface VaultReadingField {
  name: string;
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
  /** A search whose input type gives `vaults` a default: a left-out list is then not one vault. */
  vaultsDefault: boolean;
}

/**
 * What an operation's shape alone says about its vault reads: the root
 * fields that read vaults, and the most the fields other than `search` can
 * read. Depends on the document, the operation picked and the schema only,
 * never on the variables, so it is worked out once per document (Yoga's
 * parser cache hands every request of the same query string the same
 * DocumentNode) and operation name, and kept while the document is.
 */
interface ReadPlan {
  operation: OperationDefinitionNode;
  fields: VaultReadingField[];
  /** Reads of the fields other than `search`, at their most. */
  boundedReads: number;
}

const plans = new WeakMap<
  GraphQLSchema,
  WeakMap<DocumentNode, Map<string | null, ReadPlan | null>>
>();

function readPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): ReadPlan | null {
  let bySchema = plans.get(schema);
  if (bySchema === undefined) plans.set(schema, (bySchema = new WeakMap()));
  let byOperation = bySchema.get(document);
  if (byOperation === undefined) bySchema.set(document, (byOperation = new Map()));
  // null (the only operation) and '' (one named '') are different operations.
  const key = operationName ?? null;
  let plan = byOperation.get(key);
  if (plan === undefined) {
    plan = planReads(schema, document, operationName);
    byOperation.set(key, plan);
  }
  return plan;
}

function planReads(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): ReadPlan | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const fields: VaultReadingField[] = [];
  collectFields(document, root, operation.selectionSet, fields, new Set());
  // A field without a bound here (one added to VAULT_READS later) is counted exactly.
  const boundedReads = fields.reduce(
    (sum, { name }) => sum + (name === 'search' ? 0 : (MOST_READS[name] ?? Infinity)),
    0,
  );
  return { operation, fields, boundedReads };
}

/** The vault-reading root fields in selection order, each fragment followed once (as counted before). */
function collectFields(
  document: DocumentNode,
  root: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  into: VaultReadingField[],
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      const field = root.getFields()[name];
      if (VAULT_READS[name] === undefined || field === undefined) continue;
      into.push({ name, field, node: selection, vaultsDefault: vaultsHasDefault(field) });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(document, root, selection.selectionSet, into, visited);
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = document.definitions.find(
        (definition): definition is FragmentDefinitionNode =>
          definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
      );
      if (fragment) collectFields(document, root, fragment.selectionSet, into, visited);
    }
  }
}

function vaultsHasDefault(field: GraphQLField<unknown, unknown>): boolean {
  const input = field.args.find((argument) => argument.name === 'input');
  const type = input === undefined ? undefined : getNamedType(input.type);
  return isInputObjectType(type) && type.getFields().vaults?.defaultValue !== undefined;
}

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
      const plan = readPlan(args.schema, args.document, args.operationName);
      if (plan === null || plan.fields.length === 0) return;
      const raw = (args.variableValues ?? {}) as Record<string, unknown>;
      // Most requests are under the limit, as their raw variables already
      // show: a search's `vaults` list has as many items coerced as sent.
      // Coercing the variables here too (execution does it again) cost a
      // search about 15 µs; only an operation that may be over the limit,
      // or whose count the raw values cannot give, is counted exactly.
      if (mostReads(plan, raw) <= MAX_VAULT_READS) return;
      const reads = exactReads(args.schema, plan, raw);
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

/**
 * The most the operation can read with these variables, without coercing
 * them: never less than the exact count (coercion keeps a list's length and
 * wraps a single value in a list of one), Infinity when the raw values do not
 * say (the exact count then decides).
 */
function mostReads(plan: ReadPlan, raw: Record<string, unknown>): number {
  let total = plan.boundedReads;
  for (const { name, node, vaultsDefault } of plan.fields) {
    if (name !== 'search') continue;
    const input = node.arguments?.find((argument) => argument.name.value === 'input')?.value;
    total += input === undefined ? Infinity : searchedVaults(input, raw, vaultsDefault);
  }
  return total;
}

/** A search's vault count from its `input` argument as written and the raw variables; Infinity when unknown. */
function searchedVaults(
  input: ValueNode,
  raw: Record<string, unknown>,
  vaultsDefault: boolean,
): number {
  const leftOut = vaultsDefault ? Infinity : 1;
  if (input.kind === Kind.VARIABLE) {
    const value = raw[input.name.value];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return Infinity;
    const vaults = (value as { vaults?: unknown }).vaults;
    return vaults === undefined ? leftOut : listLength(vaults);
  }
  if (input.kind !== Kind.OBJECT) return Infinity;
  const vaults = input.fields.find((field) => field.name.value === 'vaults')?.value;
  if (vaults === undefined) return leftOut;
  if (vaults.kind === Kind.NULL) return 1;
  if (vaults.kind === Kind.LIST) return Math.max(vaults.values.length, 1);
  if (vaults.kind === Kind.VARIABLE) {
    return vaults.name.value in raw ? listLength(raw[vaults.name.value]) : Infinity;
  }
  return 1; // a single value, coerced to a list of one
}

/** Items of a raw list value as coerced (a single value becomes a list of one); Infinity for a variable not sent, whose default may apply. */
function listLength(vaults: unknown): number {
  if (vaults === undefined) return Infinity;
  return Array.isArray(vaults) ? Math.max(vaults.length, 1) : 1;
}

/** The exact count, from the coerced variables; null when they are invalid. */
function exactReads(
  schema: GraphQLSchema,
  plan: ReadPlan,
  raw: Record<string, unknown>,
): number | null {
  const { errors, coerced } = getVariableValues(
    schema,
    plan.operation.variableDefinitions ?? [],
    raw,
  );
  if (errors) return null;
  let total = 0;
  for (const { name, field, node } of plan.fields) {
    try {
      total += VAULT_READS[name]!(getArgumentValues(field, node, coerced));
    } catch {
      total += 1; // bad arguments: execution will refuse them
    }
  }
  return total;
}
