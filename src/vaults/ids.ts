import { CodedError } from '../core/errors';
import { decodeText, encodeText } from '../core/encoding';
import { LOCAL_ID } from '../core/limits';
import { VAULT_KINDS, validateExternalId, type VaultKind } from './address';

/**
 * Public ids. A memory id encodes its vault (kind and external id) and its id
 * inside the vault, but not the key: it is always resolved under the caller's
 * own key, so an id taken from another tenant addresses nothing.
 */

export const KIND_LETTER: Record<VaultKind, string> = { CORE: 'c', SESSION: 's', EPHEMERAL: 'e' };
export const LETTER_KIND = Object.fromEntries(
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
