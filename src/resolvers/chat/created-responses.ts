import { CodedError } from '../../core/errors';
import { ExpiringMap } from '../../core/expiring-map';
import { createdResponsesStub } from '../../durable/rpc/stubs';
import type { KeyContext } from '../request-context';
import { logError } from '../../core/request-log';

/**
 * Which memory key created an OpenAI stored response (or an Anthropic
 * thread's answer, which is continued by its id the same way) made with the
 * account's shared provider key. OpenAI knows only the provider key, which every memory
 * key of the account shares, while a stored response holds its creator's
 * memory (in `instructions`): so MemoryRouter records each such response for
 * the memory key that created it (in that key's own CreatedResponsesObject,
 * never the key itself), durably before the client sees its id, and lets only
 * that key retrieve, delete, cancel, list or chain on it through the shared
 * key. A key sent in X-Provider-Key or stored for the memory key alone needs
 * no record: whoever holds it could reach OpenAI with it directly.
 */

/** The 403 for a stored-state call the shared key may not make; `why` says what was missing. */
export function sharedKeyRefused(why: string): CodedError {
  return new CodedError(
    'FORBIDDEN',
    `the provider key stored for this account is shared by its memory keys, so with it a memory key reaches only the stored responses (OpenAI) and message threads (Anthropic) it created through MemoryRouter: ${why}. Send your own key in the X-Provider-Key header, or have an admin store one for this memory key (setProviderKey with memoryKeyId)`,
    'SHARED_PROVIDER_KEY',
  );
}

/** The one reason given for a response id that is not the caller's, whatever the cause, so it reveals nothing. */
const NOT_YOURS =
  'this memory key did not create that response here with the shared key, or its record expired';

const stubOf = (context: KeyContext) => createdResponsesStub(context.env, context.principal.key.id);

/**
 * Records this isolate wrote or read lately, with their expiry, so that the
 * usual chain (create, then create with `previous_response_id` on it) asks
 * the object once, for the new record, not also to check the old one. Only
 * what the object confirmed is kept, never a refusal, and a record never
 * changes hands: an entry can be stale only for a response its creator
 * deleted through another isolate (OpenAI then answers it 404). A DELETE here
 * forgets it at once.
 */
export const KNOWN_RECORD_TTL_MS = 10 * 60 * 1000;
const known = new ExpiringMap<string, number>(KNOWN_RECORD_TTL_MS, 10_000);
const knownKey = (context: KeyContext, id: string) => `${context.principal.key.id}\n${id}`;

/**
 * Records that the calling memory key created `id` with the shared key;
 * durable when it resolves. A record that cannot be written fails the create
 * with a coded error (the id is never handed out unrecorded), logged as what
 * it was, never a masked 500.
 */
export async function rememberCreatedResponse(context: KeyContext, id: string): Promise<void> {
  let expiresAt: number;
  try {
    expiresAt = await stubOf(context).remember(id);
  } catch (error) {
    logError('recording a created response failed', String(error).slice(0, 200));
    throw new CodedError(
      'UPSTREAM_ERROR',
      'the response was made but who created it could not be recorded, so its id is not handed out; retry the call',
      'RESPONSE_RECORD_FAILED',
    );
  }
  known.set(knownKey(context, id), expiresAt);
}

/** Throws the 403 unless the calling memory key created `id` with the shared key (record unexpired). */
export async function requireCreatedResponse(context: KeyContext, id: string): Promise<void> {
  const remembered = known.get(knownKey(context, id));
  if (remembered !== undefined && remembered > Date.now()) return;
  const expiresAt = await stubOf(context).expiryOf(id);
  if (expiresAt === null) throw sharedKeyRefused(NOT_YOURS);
  known.set(knownKey(context, id), expiresAt);
}

/**
 * For a DELETE: removes the record in the same call as the check (throwing
 * the 403 when it is not the caller's), and returns what puts it back
 * should OpenAI not delete the response.
 */
export async function takeCreatedResponse(
  context: KeyContext,
  id: string,
): Promise<{ restore(): Promise<void> }> {
  const stub = stubOf(context);
  known.delete(knownKey(context, id));
  const expiresAt = await stub.take(id);
  if (expiresAt === null) throw sharedKeyRefused(NOT_YOURS);
  return {
    restore: async () => {
      known.set(knownKey(context, id), await stub.remember(id, expiresAt));
    },
  };
}
