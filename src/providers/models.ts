import { CodedError } from '../core/errors';
import { PROVIDER_IDS, type ProviderId } from './types';

export interface ParsedModel {
  provider: ProviderId;
  /** The provider's own model name, e.g. `gpt-4o` or `meta-llama/llama-3.3-70b`. */
  model: string;
}

const INFERRED: [RegExp, ProviderId][] = [
  [/^(gpt-|chatgpt-|o\d)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'google'],
];

const ACCEPTED =
  'use provider/model with provider one of openai, anthropic, google, openrouter, compatible ' +
  '(e.g. openai/gpt-4o, anthropic/claude-sonnet-4, google/gemini-2.5-flash, ' +
  'openrouter/meta-llama/llama-3.3-70b), or a bare gpt-…, claude-… or gemini-… name';

/** `provider/model`, or a well-known bare name whose provider is inferred. */
export function parseModel(raw: string): ParsedModel {
  const name = raw.trim();
  if (name === '' || name.length > 200 || /\s/.test(name)) {
    throw new CodedError('BAD_USER_INPUT', `invalid model "${raw}": ${ACCEPTED}`, 'UNKNOWN_MODEL');
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const model = name.slice(slash + 1);
    if ((PROVIDER_IDS as readonly string[]).includes(provider)) {
      if (model !== '') return { provider: provider as ProviderId, model };
      throw new CodedError(
        'BAD_USER_INPUT',
        `invalid model "${raw}": the model name after "${provider}/" is empty: ${ACCEPTED}`,
        'UNKNOWN_MODEL',
      );
    }
    throw new CodedError(
      'BAD_USER_INPUT',
      `unknown provider "${provider}": ${ACCEPTED}`,
      'UNKNOWN_PROVIDER',
    );
  }
  const inferred = inferredProvider(name);
  if (inferred === null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `cannot tell the provider of "${name}": ${ACCEPTED}`,
      'UNKNOWN_PROVIDER',
    );
  }
  return { provider: inferred, model: name };
}

/** The provider of a well-known bare name (gpt-…, chatgpt-…, o1…/o3…, claude-…, gemini-…); null for any other. */
export function inferredProvider(name: string): ProviderId | null {
  return INFERRED.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

/** Context windows (tokens) of model families, to size the memory block; a cautious default otherwise. */
export function contextWindow(parsed: ParsedModel): number {
  const { provider, model } = parsed;
  if (provider === 'anthropic' || model.includes('claude')) return 200_000;
  if (provider === 'google' || model.includes('gemini')) return 1_000_000;
  if (/gpt-4o|gpt-4\.1|gpt-5|o\d/.test(model)) return 128_000;
  if (provider === 'compatible') return 8_192;
  return 32_000;
}
