import { accountStub } from '../../durable/rpc/stubs';
import { CodedError } from '../../core/errors';
import {
  keySecrets,
  openProviderKey,
  providerKeyAad,
  sealProviderKey,
} from '../../providers/key-encryption';
import type { ProviderId } from '../../providers/types';
import type { KeyContext } from '../request-context';
import { forgetSealedKeys, recalledSealedKeys, rememberSealedKeys } from './sealed-keys';

/**
 * Which stored keys a call may use: 'shared' also the account-wide one (a
 * chat, whose answer goes back to this caller only); 'own' only a key the
 * caller sent or one stored for its memory key alone (what reaches state the
 * provider keeps under the key, such as OpenAI's stored responses, which one
 * memory key must not read through another's account-wide key).
 */
export type KeyReach = 'shared' | 'own';

/**
 * The provider key a chat call uses: X-Provider-Key when the request sends
 * one, else the key an admin stored for the calling memory key, else the one
 * stored for its account. A key found sealed under the previous deployment
 * secret is sealed again under the current one after the response. Null when
 * there is none; the key is never logged. The sealed values are kept in the
 * isolate for a few seconds (sealed-keys.ts), so most calls ask no account object.
 */
export async function providerKeyFor(
  context: KeyContext,
  provider: ProviderId,
  reach: KeyReach = 'shared',
): Promise<string | null> {
  if (context.providerKey) return context.providerKey;
  const secrets = keySecrets(context.env);
  if (secrets === null) return null;
  const { accountId, key } = context.principal;
  const account = accountStub(context.env, accountId);
  let stored = recalledSealedKeys(accountId, key.id, provider);
  if (stored === null) {
    stored = await account.sealedProviderKeys(key.id, provider);
    rememberSealedKeys(accountId, key.id, provider, stored);
  }
  for (const { scope, sealed } of stored) {
    if (reach === 'own' && scope !== key.id) {
      throw new CodedError(
        'FORBIDDEN',
        `the ${provider} key stored for this account is shared by its memory keys and is not used here: send your own key in the X-Provider-Key header, or have an admin store one for this memory key (setProviderKey with memoryKeyId)`,
        'SHARED_PROVIDER_KEY',
      );
    }
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
            () => console.error('sealing a provider key under the current secret failed'),
          ),
      );
    }
    return opened.key;
  }
  return null;
}

/** The provider key, or the coded error a client can act on. Compatible servers may need none. */
export async function requireProviderKey(
  context: KeyContext,
  provider: ProviderId,
  reach: KeyReach = 'shared',
): Promise<string | null> {
  const key = await providerKeyFor(context, provider, reach);
  if (key === null && provider !== 'compatible') {
    throw new CodedError(
      'UNAUTHENTICATED',
      `send your ${provider} API key in the X-Provider-Key header (over a GraphQL WebSocket: \`providerKey\` or \`x-provider-key\` in connectionParams), or have an admin store one (setProviderKey)`,
      'PROVIDER_KEY_MISSING',
    );
  }
  return key;
}
