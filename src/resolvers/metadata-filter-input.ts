import { CodedError } from '../core/errors';
import { MAX_FILTER_KEYS } from '../core/limits';
import { isFilterableMetadataKey } from '../durable/queries/metadata-filter';
import type { MetadataFilter } from '../durable/rpc/vault-types';

/**
 * A caller's metadata filter (search's `metadata`, a listing's
 * `filter.metadata`), checked: top-level equality on scalar values, combined
 * with AND. Refused with INVALID_FILTER otherwise.
 */
export function metadataFilter(raw: unknown): MetadataFilter | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'metadata filter must be a JSON object',
      'INVALID_FILTER',
    );
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_FILTER_KEYS) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `metadata filter takes at most ${MAX_FILTER_KEYS} keys`,
      'INVALID_FILTER',
    );
  }
  // Built as data properties: `filter[key] = …` with the key `__proto__`
  // would set the object's prototype instead, and the filter would match
  // every memory.
  const kept: [string, MetadataFilter[string]][] = [];
  for (const [key, value] of entries) {
    if (!isFilterableMetadataKey(key)) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `metadata filter key ${JSON.stringify(key.slice(0, 64))} must be 1–256 characters of text without control characters`,
        'INVALID_FILTER',
      );
    }
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `metadata filter value for "${key}" must be a string, number, boolean or null`,
        'INVALID_FILTER',
      );
    }
    kept.push([key, value as MetadataFilter[string]]);
  }
  return Object.fromEntries(kept) as MetadataFilter;
}
