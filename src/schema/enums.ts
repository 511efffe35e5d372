import { builder } from './builder';

// The schema's enums, kept together: each is a handful of values shared by
// several types, and none has fields of its own.

export const VaultKindEnum = builder.enumType('VaultKind', {
  description: 'The three kinds of vault a memory key owns.',
  values: {
    CORE: { description: 'Base knowledge of the key; always searched by chat.' },
    SESSION: { description: "One user's or conversation thread's context, named by a session id." },
    EPHEMERAL: {
      description:
        'One conversation, named by a conversation id; deleted for good a while after its last write.',
    },
  } as const,
});

export const MemoryWindowEnum = builder.enumType('MemoryWindow', {
  description: 'KRONOS time windows: disjoint bands measured back from the reference time `now`.',
  values: {
    HOT: { description: '(now − 4 h, now] by default.' },
    WORKING: { description: '(now − 3 d, now − 4 h] by default.' },
    LONG_TERM: { description: '(now − 90 d, now − 3 d] by default.' },
    ARCHIVE: { description: 'Older than LONG_TERM; searched only when asked for.' },
  } as const,
});

export const SearchModeEnum = builder.enumType('SearchMode', {
  description: 'How memories are matched against the query.',
  values: {
    VECTOR: { description: 'Cosine similarity of embeddings.' },
    TEXT: { description: 'Full-text match ranked by BM25.' },
    HYBRID: {
      description:
        "TEXT and VECTOR scores added, the vector side weighted by vectorWeight (HYBRID_VECTOR_WEIGHT) and counted only where a memory stands out from its window; memories with the words keep TEXT's order below weight 0.5 (the default).",
    },
  } as const,
});

export const RoleEnum = builder.enumType('Role', {
  description: 'Who said it.',
  values: {
    USER: { description: 'The end user (the default for stored memories).' },
    ASSISTANT: { description: 'The model.' },
    SYSTEM: { description: 'The application or operator.' },
  } as const,
});

export const MemoryOrderEnum = builder.enumType('MemoryOrder', {
  description: 'Order of a vault listing.',
  values: {
    NEWEST_FIRST: { description: 'Most recent createdAt first (the default).' },
    OLDEST_FIRST: { description: 'Oldest createdAt first.' },
  } as const,
});

export const ReembedStateEnum = builder.enumType('ReembedState', {
  description: "Where a vault's move to another embedding model stands.",
  values: {
    RUNNING: {
      description:
        'New vectors are being computed in the background; searches use the old ones (or text alone, for queries of the new model).',
    },
    DONE: { description: 'Every memory has vectors of the new model, and searches use them.' },
    FAILED: {
      description:
        'Given up (see lastError): the vault would not fit at the new dimensions (failures 0; it keeps its old model and refuses the new one), or its batches failed 30 times in a row, about 20 hours (failures > 0; searches of the new model are answered by TEXT and writes are kept for the switch, as while RUNNING, but no batch runs). reembedVault starts it again, or resumes where it stopped a run that gave up towards the deployment’s model.',
    },
  } as const,
});

export const ReembedTriggerEnum = builder.enumType('ReembedTrigger', {
  description: 'Why a vault re-embeds.',
  values: {
    DEPLOYMENT: {
      description: "The deployment's embedder changed; the vault started on its first call after.",
    },
    ADMIN: { description: 'An admin asked (reembedVault).' },
  } as const,
});
export const MemoryEventTypeEnum = builder.enumType('MemoryEventType', {
  description: 'What happened in a vault.',
  values: {
    ADDED: { description: 'A memory was stored (content included).' },
    EDITED: {
      description:
        'A memory was edited by updateMemory: same id and createdAt, new content, role or metadata (its content included).',
    },
    UPDATED: {
      description:
        'A memory was superseded by a later fact, or linked to the next version when the version that replaced it was deleted (supersededBy names the new memory).',
    },
    DELETED: {
      description:
        'A memory was deleted, or a later fact declared it no longer true (its row is then kept).',
    },
    REOPENED: {
      description:
        'A superseded memory is current again: the memory that replaced it was deleted (validUntil and supersededBy cleared).',
    },
    CLEARED: { description: 'The vault was cleared: every memory is gone.' },
    EXPIRED: { description: 'The EPHEMERAL vault expired and was deleted.' },
    RESYNC: {
      description:
        'Events were missed beyond the replay window (last 1,000 events or 24 hours), or the vault was restored from a snapshot: read the vault again, then keep the id of this event.',
    },
  } as const,
});
