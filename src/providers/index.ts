import { AnthropicProvider } from './anthropic';
import { GoogleProvider } from './google';
import { OpenAiCompatibleProvider } from './openai';
import type { Provider, ProviderId, ProviderSettings } from './types';

const PROVIDERS: Record<ProviderId, Provider> = {
  openai: new OpenAiCompatibleProvider('openai', (s) => s.endpoints.openai),
  openrouter: new OpenAiCompatibleProvider('openrouter', (s) => s.endpoints.openrouter, {
    'x-title': 'MemoryRouter',
  }),
  compatible: new OpenAiCompatibleProvider('compatible', (s) => s.endpoints.compatible),
  anthropic: new AnthropicProvider(),
  google: new GoogleProvider(),
};

export function providerFor(id: ProviderId): Provider {
  return PROVIDERS[id];
}

export interface ProviderVars {
  OPENAI_BASE_URL?: string;
  ANTHROPIC_BASE_URL?: string;
  GOOGLE_BASE_URL?: string;
  OPENROUTER_BASE_URL?: string;
  COMPATIBLE_BASE_URL?: string;
  UPSTREAM_TIMEOUT_MS?: string;
}

export function providerSettings(vars: ProviderVars): ProviderSettings {
  return {
    endpoints: {
      openai: vars.OPENAI_BASE_URL || 'https://api.openai.com/v1',
      anthropic: vars.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
      google: vars.GOOGLE_BASE_URL || 'https://generativelanguage.googleapis.com',
      openrouter: vars.OPENROUTER_BASE_URL || 'https://openrouter.ai/api/v1',
      compatible: vars.COMPATIBLE_BASE_URL || null,
    },
    timeoutMs: Number(vars.UPSTREAM_TIMEOUT_MS) || 60_000,
  };
}
