/**
 * The same memory found twice in one window (the same fact stored twice) is
 * returned, and billed, once: a vault's window skips a content it already
 * holds while it fills (vault-queries.ts), and the merge across vaults keeps
 * the best of each content (merge-windows.ts), so the bill sums what is
 * returned. Here in core because the vault's queries and the merge need the
 * same identity.
 *
 * Two contents are the same when their words are: letters (with their
 * marks) and digits, in order, regardless of case, whatever punctuation
 * and spacing lie between. "My dentist is Dr. Alvarez", "my dentist is Dr
 * Alvarez" and "My dentist is Dr. Alvarez!" are one memory (outside review
 * 213 #10: four copies took a window's places); "3.5" and "35" stay two.
 * A content with no word at all ("👍", "!!!") is compared whole.
 */
export function contentKey(content: string): string {
  const words = content.toLowerCase().replace(NOT_A_WORD, ' ').trim();
  return words === '' ? content.trim().toLowerCase() : words;
}

/** A run of what is neither a letter, a combining mark nor a digit. */
const NOT_A_WORD = /[^\p{L}\p{M}\p{N}]+/gu;

/**
 * Keys kept in a plain list before an index is built: a window's hits are
 * 10–50 per vault, and comparing a fresh key with a few dozen others costs
 * less than one lookup of it in a `Map`.
 */
const SCANNED_KEYS = 32;

/**
 * The best entry of each distinct content (`contentKey`), in the order the
 * contents were first offered: what a `Map` keyed by content keeps, and how
 * a search's window bills and returns the same fact stored twice once.
 *
 * Why not that `Map`: its keys are new strings (trimmed, lower-cased copies
 * of each hit's content), and V8 internalises a string the first time it
 * looks it up in a `Map` or `Set` (hashes all of it and enters it in the
 * isolate's string table). In bench:api's 1-vault search that was most of
 * the string-table work on workerd's thread, from the vault's bill (which
 * keyed hits by content then) and the Worker's merge (`mergeWindowHits`)
 * (BENCHMARKS.md, branch i13-search7). Compared as plain strings, two keys
 * of different lengths differ at once; only past SCANNED_KEYS keys does an
 * index take over.
 */
export class BestByContent<T> {
  private readonly keys: string[] = [];
  private readonly entries: T[] = [];
  private index: Map<string, number> | null = null;

  /** Offers `entry` for `content`; it replaces the kept one only when `better` says so. */
  offer(content: string, entry: T, better: (offered: T, kept: T) => boolean): void {
    const key = contentKey(content);
    const at = this.find(key);
    if (at === -1) {
      this.index?.set(key, this.keys.length);
      this.keys.push(key);
      this.entries.push(entry);
      if (this.index === null && this.keys.length > SCANNED_KEYS)
        this.index = new Map(this.keys.map((kept, position) => [kept, position]));
    } else if (better(entry, this.entries[at]!)) {
      this.entries[at] = entry;
    }
  }

  /** The kept entries, in the order their contents were first offered. */
  values(): T[] {
    return this.entries;
  }

  private find(key: string): number {
    if (this.index !== null) return this.index.get(key) ?? -1;
    const keys = this.keys;
    for (let at = 0; at < keys.length; at++) if (keys[at] === key) return at;
    return -1;
  }
}
