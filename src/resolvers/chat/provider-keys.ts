import { accountStub } from '../../durable/rpc/stubs';
import { CodedError } from '../../core/errors';
import {
  keySecrets,
  openProviderKey,
  providerKeyAad,
  sealProviderKey,
  storedKeysUnconfigured,
} from '../../providers/key-encryption';
import { wireFormatOf, type ProviderId } from '../../providers/types';
import { ProviderError } from '../../providers/upstream-error';
import { errorObject } from '../../providers/provider-error-body';
import type { KeyContext } from '../request-context';
import { forgetSealedKeys, recalledSealedKeys, rememberSealedKeys } from './sealed-keys';
import { logError } from '../../core/request-log';

/** A provider key, and whether it is the account-wide stored one. */
export interface FoundProviderKey {
  key: string | null;
  /**
   * The key an admin stored for the whole account, which all its memory keys
   * share: what reaches state the provider keeps under the key (OpenAI's
   * stored responses) must then be attributed to the caller first
   * (created-responses.ts). False for X-Provider-Key and a key stored for the
   * calling memory key alone.
   */
  shared: boolean;
  /**
   * Set when the key is one an admin stored (not X-Provider-Key): for whom,
   * and its last four characters as `providerKeys` shows them, so that a
   * provider's refusal of it can say whose key it is (blameStoredKey).
   */
  stored?: { scope: 'account' | 'memory key'; last4: string };
}

/**
 * The provider key a chat call uses: X-Provider-Key when the request sends
 * one, else the key an admin stored for the calling memory key, else the one
 * stored for its account (then `shared`). A key found sealed under the
 * previous deployment secret is sealed again under the current one after the
 * response. Null when there is none; the key is never logged. The sealed
 * values are kept in the isolate for a few seconds (sealed-keys.ts), so most
 * calls ask no account object.
 */
export async function providerKeyFor(
  context: KeyContext,
  provider: ProviderId,
): Promise<FoundProviderKey> {
  if (context.providerKey) return { key: context.providerKey, shared: false };
  const secrets = keySecrets(context.env);
  const { accountId, key } = context.principal;
  const account = accountStub(context.env, accountId);
  let stored = recalledSealedKeys(accountId, key.id, provider);
  if (stored === null) {
    stored = await account.sealedProviderKeys(key.id, provider);
    rememberSealedKeys(accountId, key.id, provider, stored);
  }
  // A key is stored, but this deployment cannot open it: say so, not "store one".
  if (secrets === null && stored.length > 0)
    throw storedKeysUnconfigured(`this memory key's account has a stored ${provider} key`);
  if (secrets === null) return { key: null, shared: false };
  for (const { scope, sealed } of stored) {
    const aad = providerKeyAad(accountId, scope, provider);
    const opened = await openProviderKey(secrets, sealed, aad);
    if (opened === null) {
      throw new CodedError(
        'UNAUTHENTICATED',
        `the stored ${provider} key cannot be decrypted with this deployment's PROVIDER_KEY_SECRET; an admin must set it again (setProviderKey)`,
        'PROVIDER_KEY_UNREADABLE',
      );
    }
    if (!opened.current) {
      context.ctx.waitUntil(
        sealProviderKey(secrets, opened.key, aad)
          .then((resealed) => account.resealProviderKey(scope, provider, sealed, resealed))
          .then(
            () => forgetSealedKeys(accountId),
            () => logError('sealing a provider key under the current secret failed'),
          ),
      );
    }
    return {
      key: opened.key,
      shared: scope !== key.id,
      stored: { scope: scope === key.id ? 'memory key' : 'account', last4: opened.key.slice(-4) },
    };
  }
  return { key: null, shared: false };
}

/**
 * The provider key and whether it is the account's shared one, or the coded
 * error a client can act on. Compatible servers may need none.
 */
export async function requireScopedProviderKey(
  context: KeyContext,
  provider: ProviderId,
): Promise<FoundProviderKey> {
  const found = await providerKeyFor(context, provider);
  if (found.key === null && provider !== 'compatible') {
    throw new CodedError(
      'UNAUTHENTICATED',
      `send your ${provider} API key in the X-Provider-Key header (over a GraphQL WebSocket: \`providerKey\` or \`x-provider-key\` in connectionParams), or have an admin store one (setProviderKey)`,
      'PROVIDER_KEY_MISSING',
    );
  }
  return found;
}

/** `requireScopedProviderKey`'s key alone, for calls that reach no state the provider keeps. */
export async function requireProviderKey(
  context: KeyContext,
  provider: ProviderId,
): Promise<string | null> {
  return (await requireScopedProviderKey(context, provider)).key;
}

/**
 * A provider's refusal of a key an admin stored (401, 403), told as such:
 * the caller sent no provider key, and the SDK holds only the memory key, so
 * "Incorrect API key provided" alone reads as a bad memory key. The message
 * (and the provider's own body, on a route of its format) says which stored
 * key was refused and that an admin sets it again; `providerKeySource` in
 * the details says the same to code. Anything else is returned as it is.
 */
export function blameStoredKey(error: unknown, found: FoundProviderKey): unknown {
  if (
    !(error instanceof ProviderError) ||
    found.stored === undefined ||
    (error.details.providerStatus !== 401 && error.details.providerStatus !== 403)
  )
    return error;
  const { scope, last4 } = found.stored;
  const prefix = `the ${error.provider} key an admin stored for this ${scope} (…${last4}) was refused; an admin sets it again with setProviderKey. `;
  let body = error.reply.body;
  if (body !== null) {
    body = structuredClone(body);
    const inner = errorObject(wireFormatOf(error.provider), body);
    if (inner !== null && typeof inner.message === 'string') inner.message = prefix + inner.message;
  }
  return new ProviderError(
    error.provider,
    prefix + error.message,
    error.reason ?? 'PROVIDER_4XX',
    {
      ...error.details,
      providerKeySource: scope === 'account' ? 'STORED_FOR_ACCOUNT' : 'STORED_FOR_MEMORY_KEY',
    },
    { ...error.reply, body },
    error.providersStatus,
  );
}
