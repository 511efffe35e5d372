/**
 * Input limits that several layers check (the GraphQL resolvers, the import
 * route and the vault object itself), kept in one place so they cannot
 * drift apart. Deployment-specific limits (content size, request size) are
 * Worker variables read by src/config.ts.
 */

/** Most bytes of serialised metadata per memory. */
export const MAX_METADATA_BYTES = 16_384;

/** A memory's id inside its vault: kept by exports and imports. */
export const LOCAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Earliest `createdAt` accepted: 1970-01-01T00:00:00Z (time 0). */
export const EARLIEST_CREATED_AT = 0;

/** How far ahead of the server's clock a `createdAt` may be (clock skew). */
export const CREATED_AT_FUTURE_SLACK_MS = 60_000;

/**
 * Longest import line accepted: twice the content and metadata limits (JSON
 * escaping), plus room for an embedding written as JSON numbers and the other
 * fields. Longer lines are refused without being held in memory.
 */
export function maxImportLineBytes(maxContentBytes: number): number {
  return 2 * (maxContentBytes + MAX_METADATA_BYTES) + 128 * 1024;
}
