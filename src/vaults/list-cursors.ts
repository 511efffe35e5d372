import { CodedError } from '../core/errors';
import { decodeText, encodeText, toBase64Url } from '../core/encoding';
import { validateExternalId, vaultObjectName, type VaultAddress, type VaultKind } from './address';
import { KIND_LETTER, LETTER_KIND } from './ids';

/**
 * Listing cursors, each bound to the listing that handed it out. A cursor is
 * only a position (a time, a sequence number, an id); passed to another
 * listing it would silently answer a page from that position there. So a
 * cursor also carries what it came from: short digests of the vault (or, for
 * the vault listing, the key) and of the filter, and the order in the clear;
 * a mismatch is refused with INVALID_CURSOR saying which one differs.
 * Digests, not the values: the key's id and the filter stay out of the text.
 *
 * Cursors handed out before the binding carry a position only. Nothing in
 * them tells which listing they came from, so they are taken as before, for
 * whatever listing they are passed to (docs/api.md, "Listing, correcting and deleting memories").
 */

const refused = (why: string) => new CodedError('BAD_USER_INPUT', why, 'INVALID_CURSOR');

/** Eight base64url characters (48 bits) of SHA-256: enough to tell listings apart, not a secret. */
async function digest(label: string, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${label}\n${text}`);
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)).slice(0, 6));
}

const ORDER_LETTER = { NEWEST_FIRST: 'n', OLDEST_FIRST: 'o' } as const;
type MemoryOrder = keyof typeof ORDER_LETTER;
const LETTER_ORDER: Record<string, MemoryOrder> = { n: 'NEWEST_FIRST', o: 'OLDEST_FIRST' };

/**
 * A listing cursor: the position of the last row seen, (createdAt, seq) in
 * listing order, and its local id. Cursors handed out before listings broke
 * ties by seq carry no seq (null): the vault finds it by the id.
 */
export interface ListCursor {
  createdAt: number;
  localId: string;
  seq: number | null;
}

/** What a memory listing is: its vault, its order, and its filter written canonically (memoryFilterText). */
export interface MemoryListing {
  vault: VaultAddress;
  order: MemoryOrder;
  filter: string;
}

/** The digests a memory listing's cursors carry. */
export interface MemoryListingTag {
  vault: string;
  order: MemoryOrder;
  filter: string;
}

export async function memoryListingTag(listing: MemoryListing): Promise<MemoryListingTag> {
  const [vault, filter] = await Promise.all([
    digest('vault', vaultObjectName(listing.vault)),
    digest('filter', listing.filter),
  ]);
  return { vault, order: listing.order, filter };
}

export function encodeCursor(cursor: ListCursor & { seq: number }, tag: MemoryListingTag): string {
  return encodeText(
    `m:${tag.vault}:${ORDER_LETTER[tag.order]}:${tag.filter}:${cursor.createdAt}:${cursor.seq}:${cursor.localId}`,
  );
}

const POSITION = /(-?\d{1,16}):(?:(\d{1,16}):)?([A-Za-z0-9_-]{1,64})/.source;
const LEGACY_CURSOR = new RegExp(`^${POSITION}$`);
const BOUND_CURSOR = new RegExp(`^m:([A-Za-z0-9_-]{8}):([no]):([A-Za-z0-9_-]{8}):${POSITION}$`);

/** `after` of a memory listing, checked against the listing it is passed to. */
export function decodeCursor(cursor: string, tag: MemoryListingTag): ListCursor {
  const text = decodeText(cursor) ?? '';
  const legacy = LEGACY_CURSOR.exec(text);
  if (legacy !== null) return positionOf(legacy[1]!, legacy[2], legacy[3]!);
  const bound = BOUND_CURSOR.exec(text);
  if (bound === null) {
    throw refused(
      text.startsWith('v:')
        ? "this cursor is from vaultsConnection, not from a vault's memories"
        : "malformed cursor: pass a page's endCursor as it came",
    );
  }
  const [, vault, orderLetter, filter, createdAt, seq, localId] = bound;
  if (vault !== tag.vault) {
    throw refused(
      "this cursor is from another vault's listing: pass it with the vault it came from, or leave `after` out to start at the top",
    );
  }
  const order = LETTER_ORDER[orderLetter!]!;
  if (order !== tag.order) {
    throw refused(
      `this cursor is from a ${order} listing: pass order: ${order} with it, or leave \`after\` out to start ${tag.order} at the top`,
    );
  }
  if (filter !== tag.filter) {
    throw refused(
      'this cursor is from a listing with another filter: pass the same filter with each page, or leave `after` out to start at the top',
    );
  }
  return positionOf(createdAt!, seq, localId!);
}

function positionOf(createdAt: string, seq: string | undefined, localId: string): ListCursor {
  return { createdAt: Number(createdAt), localId, seq: seq === undefined ? null : Number(seq) };
}

/**
 * Where a listing of a key's vaults stands: the last vault it passed, in
 * listing order (registration time, then kind and id). CORE, listed first,
 * stands before every registered vault (createdAt -1).
 */
export interface VaultListPosition {
  createdAt: number;
  kind: VaultKind;
  externalId: string | null;
}

/** The digest a key's vault-listing cursors carry. */
export function vaultListingTag(keyId: string): Promise<string> {
  return digest('key', keyId);
}

export function encodeVaultCursor(position: VaultListPosition, keyTag: string): string {
  return encodeText(
    `v:${keyTag}:${position.createdAt}:${KIND_LETTER[position.kind]}:${position.externalId ?? ''}`,
  );
}

const VAULT_POSITION = /(-1|\d{1,16}):([cse]):(.*)/.source;
const LEGACY_VAULT_CURSOR = new RegExp(`^${VAULT_POSITION}$`, 's');
const BOUND_VAULT_CURSOR = new RegExp(`^v:([A-Za-z0-9_-]{8}):${VAULT_POSITION}$`, 's');

/** `after` of vaultsConnection, checked against the calling key's listing. */
export function decodeVaultCursor(cursor: string, keyTag: string): VaultListPosition {
  const text = decodeText(cursor) ?? '';
  const legacy = LEGACY_VAULT_CURSOR.exec(text);
  if (legacy !== null) return vaultPositionOf(legacy[1]!, legacy[2]!, legacy[3]!);
  const bound = BOUND_VAULT_CURSOR.exec(text);
  if (bound === null) {
    throw refused(
      text.startsWith('m:')
        ? "this cursor is from a vault's memories, not from vaultsConnection"
        : "malformed vault cursor: pass a page's endCursor as it came",
    );
  }
  if (bound[1] !== keyTag) {
    throw refused(
      "this cursor is from another memory key's vault listing: page with the key it came from, or leave `after` out to start at the top",
    );
  }
  return vaultPositionOf(bound[2]!, bound[3]!, bound[4]!);
}

function vaultPositionOf(createdAt: string, letter: string, external: string): VaultListPosition {
  const kind = LETTER_KIND[letter]!;
  try {
    const externalId = validateExternalId(kind, external === '' ? null : external);
    return { createdAt: Number(createdAt), kind, externalId };
  } catch {
    throw refused("malformed vault cursor: pass a page's endCursor as it came");
  }
}
