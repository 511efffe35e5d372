/** What every provider module understands. */
export const PROVIDER_IDS = ['openai', 'anthropic', 'google', 'openrouter', 'compatible'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** The three wire formats: OpenAI's chat completions (also OpenRouter and compatible servers), Anthropic's messages, Gemini's generateContent. */
export type WireFormat = 'openai' | 'anthropic' | 'google';

export function wireFormatOf(provider: ProviderId): WireFormat {
  return provider === 'anthropic' ? 'anthropic' : provider === 'google' ? 'google' : 'openai';
}

export type ChatRole = 'USER' | 'ASSISTANT' | 'SYSTEM';

/** A function the model may call: name, description and a JSON Schema of its arguments. */
export interface ToolSpec {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** A call the model made; `arguments` is JSON text, as the model wrote it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
  /**
   * An opaque token the provider attached to the call and wants back with it
   * in the next turn: Gemini's `thoughtSignature` (Gemini 3 refuses a
   * function call sent back without it). Absent when the provider gave none.
   */
  signature?: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** On ASSISTANT messages: the calls the model made in that turn. */
  toolCalls?: ToolCall[];
  /** On USER messages: this message is the result of that tool call. */
  toolCallId?: string | null;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean };

export interface ProviderCall {
  /** The model name as the provider knows it (without our `provider/` prefix). */
  model: string;
  messages: ChatMessage[];
  /** The memory block for this provider's system slot; null when none is injected. */
  memoryBlock: string | null;
  /**
   * `user`: the block goes before the words of the first user message instead
   * of the system slot (chat completions and Gemini; the pipeline refuses it
   * for Anthropic). Default `system`.
   */
  memoryPlacement?: 'system' | 'user';
  temperature: number | null;
  maxTokens: number | null;
  topP?: number | null;
  stop?: string[] | null;
  tools?: ToolSpec[];
  toolChoice?: ToolChoice | null;
  responseFormat?: ResponseFormat | null;
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
  /** Longest wait for a non-streamed answer, whole; for a streamed one, for its headers and between two chunks (silence, not length). */
  timeoutMs: number;
  /** Longest fact extraction, all its calls together (EXTRACTION_TIMEOUT_MS). */
  extractionTimeoutMs: number;
}

/** Token counts as the provider reported them (null where it reported none). */
export interface AnswerUsage {
  inputTokens: number | null;
  outputTokens: number | null;
}

/** One step of an answer, the same for every provider. */
export type AnswerEvent = { type: 'text'; text: string } | { type: 'tool_call'; call: ToolCall };

/** How an answer ended. */
export interface AnswerEnd {
  /** The provider's own word: stop, tool_calls, end_turn, tool_use, STOP, … */
  finishReason: string | null;
  usage: AnswerUsage | null;
  /** The id the provider gave the answer, where it keeps answers (the Responses API's `resp_…`). */
  responseId?: string | null;
}

/** A whole answer, collected from a body or a stream. */
export interface CollectedAnswer extends AnswerEnd {
  text: string;
  toolCalls: ToolCall[];
}

/**
 * A provider opens a streaming call (resolving once the provider has accepted
 * it, so refusals surface before any text) and yields the answer's text and
 * tool calls; the generator returns how the answer ended.
 */
export interface Provider {
  readonly id: ProviderId;
  stream(
    call: ProviderCall,
    settings: ProviderSettings,
  ): Promise<AsyncGenerator<AnswerEvent, AnswerEnd, undefined>>;
}
