/** What every provider module understands. */
export const PROVIDER_IDS = ['openai', 'anthropic', 'google', 'openrouter', 'compatible'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type ChatRole = 'USER' | 'ASSISTANT' | 'SYSTEM';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ProviderCall {
  /** The model name as the provider knows it (without our `provider/` prefix). */
  model: string;
  messages: ChatMessage[];
  /** The memory block for this provider's system slot; null when none is injected. */
  memoryBlock: string | null;
  temperature: number | null;
  maxTokens: number | null;
  apiKey: string | null;
  signal: AbortSignal;
}

/** Where providers live; overridable for proxies, gateways and tests. */
export interface ProviderEndpoints {
  openai: string;
  anthropic: string;
  google: string;
  openrouter: string;
  /** An OpenAI-compatible server (Ollama, vLLM, LM Studio); unset: not offered. */
  compatible: string | null;
}

export interface ProviderSettings {
  endpoints: ProviderEndpoints;
  /** Longest wait for the first byte and between two stream chunks. */
  timeoutMs: number;
}

/**
 * A provider opens a streaming call (resolving once the provider has accepted
 * it, so refusals surface before any text) and yields the answer's text.
 */
export interface Provider {
  readonly id: ProviderId;
  stream(
    call: ProviderCall,
    settings: ProviderSettings,
  ): Promise<AsyncGenerator<string, void, undefined>>;
}
