/**
 * Limits on the shape of operations (graphql-armor). Only the alias limit's
 * number is echoed to clients: aliases are how a client batches one field
 * (many deleteMemory calls, say), so it needs the number to size its batches;
 * the others stay unnamed, as nothing legitimate runs into them.
 */
export const OPERATION_LIMITS = {
  maxDepth: 12,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2_000,
  maxCost: 5_000,
  /**
   * Brackets (`[ { (`) open at once in the document's text, checked before
   * it is parsed (use-nesting-limit.ts): far above any real document (the
   * depth limit keeps selections to 12 levels; an input nests a few more),
   * far below where graphql-js's recursive parser runs out of stack (~2,000).
   */
  maxNesting: 100,
} as const;

/**
 * What each limit says when it fires, and the `reason` a client sees: which
 * limit was hit, by name (the alias limit also by number). graphql-armor prefixes every
 * message with "Syntax Error: ", which `operationLimitHit` strips again.
 */
export const OPERATION_LIMIT_ERRORS = {
  DEPTH_LIMIT: 'the operation nests fields too deeply (depth limit)',
  ALIAS_LIMIT: `the operation uses more than ${OPERATION_LIMITS.maxAliases} aliases (alias limit); to delete many memories at once use deleteMemories`,
  DIRECTIVE_LIMIT: 'the operation uses too many directives (directive limit)',
  TOKEN_LIMIT: 'the operation is too long (token limit)',
  COST_LIMIT: 'the operation asks for too much at once (cost limit)',
  NESTING_LIMIT: 'the operation nests brackets too deeply (nesting limit)',
} as const;

export type OperationLimitReason = keyof typeof OPERATION_LIMIT_ERRORS;

/** The limit an engine error reports, with its message; null for any other error. */
export function operationLimitHit(
  message: string,
): { reason: OperationLimitReason; message: string } | null {
  const text = message.replace(/^Syntax Error: /, '');
  for (const [reason, limitMessage] of Object.entries(OPERATION_LIMIT_ERRORS)) {
    if (text === limitMessage) return { reason: reason as OperationLimitReason, message: text };
  }
  return null;
}
