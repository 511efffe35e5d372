import { failure, type Failure } from '../../core/errors';
import type { VaultMetaRecord } from '../warm-tier/vault-meta';

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
 *
 * A restore ends them the same way when it begins (restore-ends): their ids
 * move to `importsEndedByRestore`, and a store for one is refused as
 * VAULT_RESTORED, whatever phase the restore is in (even mid-swap, when
 * every other call is RESTORE_IN_PROGRESS), and so is the import's read of
 * the ids the vault holds, which carries its id too; no import opens while
 * a restore runs. So no batch lands in rows the swap is about to replace
 * (stored, reported imported, then gone) nor mixes into the restored vault.
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

/** The lists after a restore began: every open import ended by it. */
export function endedByRestore(meta: ImportLists): ImportLists {
  return {
    openImports: [],
    importsEndedByRestore: [...meta.importsEndedByRestore, ...meta.openImports].slice(
      -MAX_OPEN_IMPORTS,
    ),
  };
}

/** The import lists of a vault's meta record. */
export type ImportLists = Pick<VaultMetaRecord, 'openImports' | 'importsEndedByRestore'>;

/**
 * A store for import `id` that the vault no longer has open: a restore
 * ended it, or it was cleared (or expired) since.
 */
export function importRefusal(meta: ImportLists, id: string | undefined): Failure | null {
  if (id === undefined || meta.openImports.includes(id)) return null;
  if (meta.importsEndedByRestore.includes(id)) {
    return failure(
      'NOT_FOUND',
      'the vault was restored from a snapshot (restoreVault) while this import was writing to it, and a restore replaces every memory: nothing sent after the restore began was imported, and what was stored before it was replaced too; import the file again into the restored vault',
      'VAULT_RESTORED',
    );
  }
  return failure(
    'NOT_FOUND',
    'the vault was cleared (or expired) while this import was writing to it; nothing after the clear was imported',
    'VAULT_CLEARED',
  );
}
