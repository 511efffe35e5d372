import type { ParsedModel } from './models';

/** Where a call's memory block goes: the format's system slot, or the first user message. */
export type MemoryPlacement = 'system' | 'user';

/**
 * Whether the model refuses its format's system slot outright. Gemma models
 * served by the Gemini API answer any `systemInstruction` with 400
 * INVALID_ARGUMENT "Developer instruction is not enabled for
 * models/gemma-…", so memory there, or a caller's system text translated
 * there, would fail every call. Gemma through OpenRouter or a compatible
 * server is not listed: whether its template refuses a system message
 * depends on who serves it (X-Memory-Placement: user is the caller's choice).
 */
export function refusesSystemSlot(model: ParsedModel): boolean {
  return model.provider === 'google' && /^(models\/)?gemma-/i.test(model.model);
}

/**
 * The placement a call gets: the caller's (X-Memory-Placement,
 * ChatInput.memoryPlacement), else the first user message for a model that
 * refuses the system slot, else the system slot.
 */
export function memoryPlacementFor(
  model: ParsedModel,
  asked: MemoryPlacement | null | undefined,
): MemoryPlacement {
  return asked ?? (refusesSystemSlot(model) ? 'user' : 'system');
}
