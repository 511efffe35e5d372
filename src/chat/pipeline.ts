import type { RequestContext } from '../context';
import { CodedError } from '../errors';
import type { WindowQuery } from '../kronos/plan';
import { contextWindow, parseModel } from '../providers/models';
import { providerFor, providerSettings } from '../providers';
import type { ChatMessage, ProviderId } from '../providers/types';
import type { RankedHit } from '../resolvers/merge-hits';
import { meterMemoryTokens, requireActiveAccount } from '../billing/meter';
import { searchMemories } from '../resolvers/search-memories';
import { storeMemories } from '../resolvers/store-memories';
import type { VaultSelector } from '../resolvers/principal';
import { renderMemoryBlock } from './memory-block';

export const MEMORY_MODES = ['READ_WRITE', 'READ', 'WRITE', 'OFF'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

/** Most messages, and characters of all messages, one chat call accepts. */
export const MAX_CHAT_MESSAGES = 200;
export const MAX_CHAT_CHARACTERS = 400_000;

export interface ChatInput {
  model: string;
  messages: ChatMessage[];
  sessionId?: string | null;
  conversationId?: string | null;
  memoryMode?: MemoryMode | null;
  windows?: WindowQuery[] | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

export interface ChatReceipt {
  hits: RankedHit[];
  memoryTokens: number;
}

export interface ChatOutcome {
  content: string;
  model: string;
  provider: ProviderId;
  memory: ChatReceipt;
}

export interface OpenChat {
  provider: ProviderId;
  model: string;
  memory: ChatReceipt;
  /** The answer as it streams; returns the whole outcome once the provider finishes. */
  deltas: AsyncGenerator<string, ChatOutcome, undefined>;
}

/**
 * The chat pipeline shared by GraphQL and the REST routes: check the input,
 * retrieve memory (CORE + session + conversation vaults, KRONOS windows, one
 * call per vault), format it for the provider, open the provider's stream with
 * the caller's key, and, once the answer is complete, store the new turn
 * without delaying the response. Refusals (bad input, missing key, provider
 * errors) throw before any text is produced.
 */
export async function openChat(
  context: RequestContext,
  input: ChatInput,
  signal: AbortSignal,
): Promise<OpenChat> {
  requireActiveAccount(context);
  const parsed = parseModel(input.model);
  const mode = input.memoryMode ?? 'READ_WRITE';
  checkMessages(input.messages);
  if (input.temperature != null && !(input.temperature >= 0 && input.temperature <= 2)) {
    throw new CodedError('BAD_USER_INPUT', 'temperature must be between 0 and 2');
  }
  if (
    input.maxTokens != null &&
    !(Number.isInteger(input.maxTokens) && input.maxTokens > 0 && input.maxTokens <= 200_000)
  ) {
    throw new CodedError('BAD_USER_INPUT', 'maxTokens must be a positive integer');
  }
  const vaults: VaultSelector[] = [
    { kind: 'CORE' },
    ...(input.sessionId ? [{ kind: 'SESSION' as const, id: input.sessionId }] : []),
    ...(input.conversationId ? [{ kind: 'EPHEMERAL' as const, id: input.conversationId }] : []),
  ];
  const settings = providerSettings(context.env);
  if (parsed.provider === 'compatible' && settings.endpoints.compatible === null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'no OpenAI-compatible server is configured (COMPATIBLE_BASE_URL)',
    );
  }
  if (!context.providerKey && parsed.provider !== 'compatible') {
    throw new CodedError(
      'UNAUTHENTICATED',
      `send your ${parsed.provider} API key in the X-Provider-Key header`,
      'PROVIDER_KEY_MISSING',
    );
  }

  const lastUser = [...input.messages].reverse().find((message) => message.role === 'USER');
  let memory: ChatReceipt = { hits: [], memoryTokens: 0 };
  let memoryBlock: string | null = null;
  if ((mode === 'READ_WRITE' || mode === 'READ') && lastUser !== undefined) {
    const found = await searchMemories(context, {
      query: lastUser.content.slice(0, 4_000),
      vaults,
      windows: input.windows ?? null,
    });
    const budget = Math.min(
      context.config.memoryTokenBudget,
      Math.floor(contextWindow(parsed) / 4),
    );
    const block = await renderMemoryBlock(found.hits, budget);
    if (block !== null) {
      memoryBlock = block.text;
      memory = { hits: block.hits, memoryTokens: block.memoryTokens };
    }
  }
  // Injected memory is billed when it is sent, whatever the model then does.
  await meterMemoryTokens(context, memory.memoryTokens);

  const upstream = await providerFor(parsed.provider).stream(
    {
      model: parsed.model,
      messages: input.messages,
      memoryBlock,
      temperature: input.temperature ?? null,
      maxTokens: input.maxTokens ?? null,
      apiKey: context.providerKey,
      signal,
    },
    settings,
  );

  const target = vaults.at(-1)!;
  async function* deltas(): AsyncGenerator<string, ChatOutcome, undefined> {
    let content = '';
    for await (const delta of upstream) {
      content += delta;
      yield delta;
    }
    // Only a complete answer is remembered; an error or an abort above leaves here early.
    if (
      (mode === 'READ_WRITE' || mode === 'WRITE') &&
      lastUser !== undefined &&
      content.trim() !== ''
    ) {
      const now = Date.now();
      context.ctx.waitUntil(
        storeMemories(context, [
          { vault: target, content: lastUser.content, role: 'USER', createdAt: new Date(now - 1) },
          { vault: target, content, role: 'ASSISTANT', createdAt: new Date(now) },
        ]).catch((error: unknown) => {
          console.error(
            'storing a chat turn failed',
            error instanceof Error ? error.message : 'unknown error',
          );
        }),
      );
    }
    return { content, model: input.model, provider: parsed.provider, memory };
  }
  return { provider: parsed.provider, model: input.model, memory, deltas: deltas() };
}

/** Runs a chat to the end and returns the whole answer. */
export async function completeChat(
  context: RequestContext,
  input: ChatInput,
  signal: AbortSignal,
): Promise<ChatOutcome> {
  const chat = await openChat(context, input, signal);
  for (;;) {
    const next = await chat.deltas.next();
    if (next.done) return next.value;
  }
}

function checkMessages(messages: ChatMessage[]): void {
  if (messages.length === 0) throw new CodedError('BAD_USER_INPUT', 'messages must not be empty');
  if (messages.length > MAX_CHAT_MESSAGES) {
    throw new CodedError('PAYLOAD_TOO_LARGE', `at most ${MAX_CHAT_MESSAGES} messages per call`);
  }
  const characters = messages.reduce((sum, message) => sum + message.content.length, 0);
  if (characters > MAX_CHAT_CHARACTERS) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `messages hold more than ${MAX_CHAT_CHARACTERS} characters`,
    );
  }
  if (!messages.some((message) => message.role === 'USER')) {
    throw new CodedError('BAD_USER_INPUT', 'messages need at least one USER message');
  }
}
