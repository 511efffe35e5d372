import { CodedError } from '../../core/errors';
import { providerSettings } from '../../providers';
import { parseModel } from '../../providers/models';
import type { Extractor } from '../fact-extraction';
import type { MeteredContext } from '../request-context';
import { requireProviderKey } from './provider-keys';

/**
 * The caller's model and key for fact extraction on a store
 * (`storeMemories(extract:)`): the model named, the key found as chat finds
 * it (X-Provider-Key, else one stored for the key or the account).
 */
export async function extractorFor(context: MeteredContext, model: string): Promise<Extractor> {
  const parsed = parseModel(model);
  const settings = providerSettings(context.env);
  if (parsed.provider === 'compatible' && settings.endpoints.compatible === null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'no OpenAI-compatible server is configured (COMPATIBLE_BASE_URL)',
      'COMPATIBLE_NOT_CONFIGURED',
    );
  }
  return {
    provider: parsed.provider,
    model: parsed.model,
    apiKey: await requireProviderKey(context, parsed.provider),
    settings,
    signal: context.signal,
  };
}
