import { failure, type Failure } from '../../core/errors';

/**
 * Imports open on a vault (review269 F7). An import opens itself on the
 * vault before its first batch and sends the id it got with every store; a
 * clear (or an EPHEMERAL vault's expiry) wipes the list with the rows, so a
 * batch arriving after it is refused as VAULT_CLEARED and the import ends
 * there instead of filling the cleared vault again. The list lives in the
 * meta table, not in memory: an object evicted or restarted between two
 * batches must not end an import no clear touched. The check and the write
 * are one synchronous step of the object and a wipe runs with no other call
 * let in, so a batch lands wholly before a clear (and is cleared with it) or
 * is refused after it.
 */

/** Open imports kept at most: an import whose Worker died never closes its own, so the oldest go. */
export const MAX_OPEN_IMPORTS = 100;

/** The list with `id` opened (newest last). */
export function withImport(open: readonly string[], id: string): string[] {
  return [...open, id].slice(-MAX_OPEN_IMPORTS);
}

/** The list without `id`, or null when it did not hold it (nothing to write). */
export function withoutImport(open: readonly string[], id: string): string[] | null {
  return open.includes(id) ? open.filter((held) => held !== id) : null;
}

/** A store for import `id` that the vault no longer has open: it was cleared (or expired) since. */
export function importRefusal(open: readonly string[], id: string | undefined): Failure | null {
  if (id === undefined || open.includes(id)) return null;
  return failure(
    'NOT_FOUND',
    'the vault was cleared (or expired) while this import was writing to it; nothing after the clear was imported',
    'VAULT_CLEARED',
  );
}
