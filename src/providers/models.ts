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

/**
 * Context windows (tokens) of model families, to size the memory block (at
 * most a quarter of it): the families' published sizes, and for a model of
 * no known family the smallest common one, so a raised budget never fills a
 * small model's context (a caller who knows better sets contextLimit).
 */
const CONTEXT_WINDOWS: [RegExp, number][] = [
  [/claude/, 200_000],
  [/gemma/, 32_768],
  [/gemini/, 1_000_000],
  [/gpt-4o|gpt-4\.1|gpt-5|(^|\/)o\d|gpt-4-turbo|gpt-4-\d{4}-preview|gpt-4-vision/, 128_000],
  [/gpt-4-32k/, 32_768],
  [/gpt-4/, 8_192],
  [/gpt-3\.5-turbo-instruct/, 4_096],
  [/gpt-3\.5/, 16_385],
  [/llama-?3\.[1-3]|llama-?4|mistral-(large|medium|small|nemo)|qwen-?(2\.5|3)|deepseek/, 128_000],
];

/** The smallest context in common use: a model of no known family is taken to have it. */
const UNKNOWN_CONTEXT = 8_192;

export function contextWindow(parsed: ParsedModel): number {
  const { provider, model } = parsed;
  const name = model.toLowerCase();
  const known = CONTEXT_WINDOWS.find(([family]) => family.test(name));
  if (known !== undefined) return known[1];
  if (provider === 'anthropic') return 200_000;
  if (provider === 'google') return 1_000_000;
  return UNKNOWN_CONTEXT;
}
