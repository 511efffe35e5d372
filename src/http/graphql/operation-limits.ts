/** Limits on the shape of operations (graphql-armor); the numbers are never echoed to clients. */
export const OPERATION_LIMITS = {
  maxDepth: 12,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2_000,
  maxCost: 5_000,
} as const;

/**
 * What each limit says when it fires, and the `reason` a client sees: which
 * limit was hit, by name, never by number. graphql-armor prefixes every
 * message with "Syntax Error: ", which `operationLimitHit` strips again.
 */
export const OPERATION_LIMIT_ERRORS = {
  DEPTH_LIMIT: 'the operation nests fields too deeply (depth limit)',
  ALIAS_LIMIT: 'the operation uses too many aliases (alias limit)',
  DIRECTIVE_LIMIT: 'the operation uses too many directives (directive limit)',
  TOKEN_LIMIT: 'the operation is too long (token limit)',
  COST_LIMIT: 'the operation asks for too much at once (cost limit)',
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
