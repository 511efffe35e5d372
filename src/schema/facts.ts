import type { FactsReceipt } from '../resolvers/receipt';
import { builder } from './builder';
import { VaultSelectorInput } from './vault-selector';

// Fact extraction: what a store or chat call asks for, and the receipt of
// what it changed. The fields that take them are in memory.ts and chat.ts.

export const ExtractInput = builder.inputType('ExtractInput', {
  description:
    'Fact extraction with your own model: short facts are extracted from what is stored and reconciled with the nearest memories of the vault they go to (factsVault; by default the same vault). The provider key travels in X-Provider-Key (or is stored with setProviderKey); extraction calls are billed by your provider.',
  fields: (t) => ({
    model: t.string({
      required: true,
      description: 'provider/model that extracts, e.g. openai/gpt-4o-mini (any chat model).',
    }),
    factsVault: t.field({
      type: VaultSelectorInput,
      required: false,
      description:
        "Where the facts go and are reconciled: { kind: CORE } keeps them where every chat reads them, whichever session said them. Left out: the inputs' own vault, with the turn. Each fact names the turn it was drawn from in metadata sourceTurns when they are apart.",
    }),
  }),
});

const FactRef = builder.objectRef<{ id: string; content: string; supersedes?: string }>('Fact');
FactRef.implement({
  description: 'A fact stored by extraction.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Its Memory.id.' }),
    content: t.exposeString('content', { description: 'The fact.' }),
    supersedes: t.exposeID('supersedes', {
      nullable: true,
      description: 'The Memory.id of the memory it replaced (UPDATE); null for a new fact.',
    }),
  }),
});

const FactFailureRef = builder.objectRef<{ reason: string; message: string }>('FactFailure');
FactFailureRef.implement({
  description: 'Why extraction failed; the raw turn was stored anyway.',
  fields: (t) => ({
    reason: t.exposeString('reason', {
      description:
        'MALFORMED_ANSWER, NO_TOOL_CALL, STORE_FAILED, VAULT_FULL (the turn stored, its facts not: no room), or the upstream reason (PROVIDER_4XX, …).',
    }),
    message: t.exposeString('message', { description: 'In words.' }),
  }),
});

export const FactsReceiptRef = builder.objectRef<FactsReceipt>('FactsReceipt');
FactsReceiptRef.implement({
  description:
    'What fact extraction changed in the vault (also in the response extensions.memory.facts).',
  fields: (t) => ({
    extracted: t.exposeInt('extracted', { description: 'Facts the model found.' }),
    added: t.field({
      type: [FactRef],
      description: 'New facts stored.',
      resolve: (receipt) => receipt.added,
    }),
    updated: t.field({
      type: [FactRef],
      description: 'Facts stored in place of an older memory.',
      resolve: (receipt) => receipt.updated,
    }),
    superseded: t.idList({
      description: 'Memories superseded by the updated facts (kept, with validUntil).',
      resolve: (receipt) => receipt.superseded,
    }),
    deleted: t.idList({
      description: 'Memories the model said are no longer true (kept, with validUntil).',
      resolve: (receipt) => receipt.deleted,
    }),
    unchanged: t.exposeInt('unchanged', { description: 'Facts the vault already held.' }),
    rejected: t.exposeInt('rejected', {
      description:
        "Decisions refused: an UPDATE or DELETE naming a memory outside the fact's own candidates.",
    }),
    refused: t.exposeInt('refused', {
      description:
        'Facts the model found that the vault refuses as memories (empty or invisible-only text, a lone surrogate), left out: the turn and the other facts are stored.',
    }),
    failure: t.field({
      type: FactFailureRef,
      nullable: true,
      description: 'Why extraction failed; null when it worked.',
      resolve: (receipt) => receipt.failure,
    }),
    inputTokens: t.int({
      description: 'Prompt tokens of the extraction calls (your provider bills them).',
      resolve: (receipt) => receipt.usage.inputTokens,
    }),
    outputTokens: t.int({
      description: 'Answer tokens of the extraction calls (your provider bills them).',
      resolve: (receipt) => receipt.usage.outputTokens,
    }),
  }),
});
