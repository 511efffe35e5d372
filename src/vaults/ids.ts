import { CodedError } from '../core/errors';
import { decodeText, encodeText } from '../core/encoding';
import { LOCAL_ID } from '../core/limits';
import { VAULT_KINDS, validateExternalId, type VaultKind } from './address';

/**
 * Public ids. A memory id encodes its vault (kind and external id) and its id
 * inside the vault, but not the key: it is always resolved under the caller's
 * own key, so an id taken from another tenant addresses nothing.
 */

const KIND_LETTER: Record<VaultKind, string> = { CORE: 'c', SESSION: 's', EPHEMERAL: 'e' };
const LETTER_KIND = Object.fromEntries(
  VAULT_KINDS.map((kind) => [KIND_LETTER[kind], kind]),
) as Record<string, VaultKind>;

export interface MemoryRef {
  kind: VaultKind;
  externalId: string | null;
  localId: string;
}

export function encodeMemoryId(ref: MemoryRef): string {
  return `mem_${encodeText(`${KIND_LETTER[ref.kind]}:${ref.localId}:${ref.externalId ?? ''}`)}`;
}

export function decodeMemoryId(id: string): MemoryRef {
  const invalid = new CodedError('BAD_USER_INPUT', 'not a valid memory id', 'INVALID_MEMORY_ID');
  if (!id.startsWith('mem_')) throw invalid;
  const text = decodeText(id.slice(4));
  if (text === null) throw invalid;
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  if (first !== 1 || second < 0) throw invalid;
  const kind = LETTER_KIND[text[0] ?? ''];
  const localId = text.slice(first + 1, second);
  const external = text.slice(second + 1);
  if (kind === undefined || !LOCAL_ID.test(localId)) throw invalid;
  try {
    return {
      kind,
      localId,
      externalId: validateExternalId(kind, external === '' ? null : external),
    };
  } catch {
    throw invalid;
  }
}

export function encodeVaultId(kind: VaultKind, externalId: string | null): string {
  return `vault_${encodeText(`${KIND_LETTER[kind]}:${externalId ?? ''}`)}`;
}

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

export function encodeCursor(cursor: ListCursor & { seq: number }): string {
  return encodeText(`${cursor.createdAt}:${cursor.seq}:${cursor.localId}`);
}

export function decodeCursor(cursor: string): ListCursor {
  const text = decodeText(cursor);
  const match =
    text === null ? null : /^(-?\d{1,16}):(?:(\d{1,16}):)?([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (match === null)
    throw new CodedError(
      'BAD_USER_INPUT',
      "malformed cursor: pass a page's endCursor as it came",
      'INVALID_CURSOR',
    );
  return {
    createdAt: Number(match[1]),
    localId: match[3] as string,
    seq: match[2] === undefined ? null : Number(match[2]),
  };
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

export function encodeVaultCursor(position: VaultListPosition): string {
  return encodeText(
    `${position.createdAt}:${KIND_LETTER[position.kind]}:${position.externalId ?? ''}`,
  );
}

export function decodeVaultCursor(cursor: string): VaultListPosition {
  const malformed = new CodedError('BAD_USER_INPUT', 'malformed vault cursor', 'INVALID_CURSOR');
  const match = /^(-1|\d{1,16}):([cse]):(.*)$/s.exec(decodeText(cursor) ?? '');
  const kind = LETTER_KIND[match?.[2] ?? ''];
  if (match === null || kind === undefined) throw malformed;
  try {
    const externalId = validateExternalId(kind, match[3] === '' ? null : match[3]!);
    return { createdAt: Number(match[1]), kind, externalId };
  } catch {
    throw malformed;
  }
}
