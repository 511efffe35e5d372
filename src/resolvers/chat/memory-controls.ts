import { CodedError } from '../../core/errors';
import { EXAMPLE_TIME, readClientTime } from '../../core/memory-time';
import { keepOffset } from '../../core/time-offsets';
import { readWindowList, type WindowQuery } from '../../core/window-list';
import { isRecord, type MessagesKey, type NativeBody } from '../../providers/native';
import { chatVaultId, vaultLabel, type VaultSelector } from '../../vaults/address';
import { checkReferenceTime } from '../reference-time';

export const MEMORY_MODES = ['READ_WRITE', 'READ', 'WRITE', 'OFF'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

/**
 * Mode names accepted in X-Memory-Mode and `memory_mode`: ours, and those of
 * the system MemoryRouter replaces (on/auto/default, off/none, read, write).
 */
const MODE_NAMES: Record<string, MemoryMode> = {
  read_write: 'READ_WRITE',
  on: 'READ_WRITE',
  auto: 'READ_WRITE',
  default: 'READ_WRITE',
  read: 'READ',
  write: 'WRITE',
  off: 'OFF',
  none: 'OFF',
};

/** X-Memory-Recency-Bias as hits per KRONOS window: more recent or more long-term memory. */
const RECENCY_WINDOWS: Record<string, WindowQuery[] | null> = {
  low: [
    { window: 'HOT', limit: 2 },
    { window: 'WORKING', limit: 4 },
    { window: 'LONG_TERM', limit: 6 },
  ],
  medium: null,
  high: [
    { window: 'HOT', limit: 6 },
    { window: 'WORKING', limit: 4 },
    { window: 'LONG_TERM', limit: 2 },
  ],
};

/** Most memory tokens X-Memory-Context-Limit may ask for (a quarter of the model's context caps it too). */
export const MAX_CONTEXT_LIMIT = 100_000;

/** What a drop-in request asks of memory, from its headers and its body. */
export interface MemoryControls {
  mode: MemoryMode;
  sessionId: string | null;
  conversationId: string | null;
  /** X-Memory-Store: store the user's words. */
  storeRequest: boolean;
  /**
   * X-Memory-Store-Response: store the answer; null when the header is absent
   * (stored, unless the user's words are marked `memory: false`).
   */
  storeResponse: boolean | null;
  /** X-Memory-Store-Tools: also store tool calls and results. */
  storeTools: boolean;
  /** X-Memory-Store-Repeats: store the turn even when the vault holds it from the last 24 hours. */
  storeRepeats: boolean;
  /** X-Memory-Context-Limit: most memory tokens to inject. */
  contextLimit: number | null;
  /**
   * Hits per KRONOS window: `memory_windows` or X-Memory-Windows as written,
   * else X-Memory-Recency-Bias's; null: the deployment's defaults.
   */
  windows: WindowQuery[] | null;
  /** X-Memory-Receipt-In-Body: add a `memory` field to non-streamed answers. */
  receiptInBody: boolean;
  /** X-Memory-Extract: extract facts from the stored turn with the same model and key. */
  extract: boolean;
  /** X-Memory-Facts-Vault: core sends the extracted facts to CORE; null: with the turn. */
  factsVault: VaultSelector | null;
  /**
   * X-Memory-Now: the memory search's `now`, its offset kept (the calendar
   * "yesterday" is read in); null: server time.
   */
  now: Date | null;
  /**
   * X-Memory-Placement: `system` (the format's system slot) or `user` (the
   * first user message, for templates that refuse a system role); null: not
   * asked, the model's default (`memoryPlacementFor`).
   */
  placement: 'system' | 'user' | null;
}

export function parseMode(raw: string, where: string): MemoryMode {
  const mode = MODE_NAMES[raw.trim().toLowerCase()];
  if (mode === undefined) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${where} must be one of on, off, read, write (or ${MEMORY_MODES.join(', ')})`,
      'MEMORY_CONTROL',
    );
  }
  return mode;
}

/**
 * A control header's value; null when left out. Sent empty it is refused
 * (`reason`: MEMORY_CONTROL unless the header's own reason is another), as an
 * empty X-Memory-Windows is: read as left out, a client whose value went
 * missing would get the default (`leftOut`) without learning it (outside
 * reviews 102 #6 and 103 #5). `expected` says what to send.
 */
function controlHeader(
  headers: Headers,
  name: string,
  expected: string,
  { reason = 'MEMORY_CONTROL', leftOut = 'the default' } = {},
): string | null {
  const raw = headers.get(name)?.trim();
  if (raw === undefined) return null;
  if (raw === '') {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${name} is empty: send ${expected}, or leave the header out for ${leftOut}`,
      reason,
    );
  }
  return raw;
}

function flag<T extends boolean | null>(headers: Headers, name: string, fallback: T): boolean | T {
  const raw = controlHeader(headers, name, 'true or false')?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new CodedError('BAD_USER_INPUT', `${name} must be true or false`, 'MEMORY_CONTROL');
}

/**
 * Reads the memory controls. Body fields (`memory_mode`, `session_id`,
 * `memory_windows`) win over their headers, as in the replaced system.
 */
export function memoryControls(headers: Headers, body: NativeBody): MemoryControls {
  const bodyMode = body.memory_mode;
  if (bodyMode !== undefined && typeof bodyMode !== 'string') {
    throw new CodedError('BAD_USER_INPUT', 'memory_mode must be a string', 'MEMORY_CONTROL');
  }
  const headerMode = controlHeader(headers, 'X-Memory-Mode', 'on, off, read or write');
  const mode =
    bodyMode !== undefined
      ? parseMode(bodyMode, 'memory_mode')
      : headerMode !== null
        ? parseMode(headerMode, 'X-Memory-Mode')
        : 'READ_WRITE';

  const bodySession = body.session_id;
  if (bodySession !== undefined && bodySession !== null && typeof bodySession !== 'string') {
    throw new CodedError('BAD_USER_INPUT', 'session_id must be a string', 'MEMORY_CONTROL');
  }
  const sessionId =
    typeof bodySession === 'string'
      ? chatVaultId('SESSION', bodySession, 'session_id')
      : chatVaultId('SESSION', headers.get('x-session-id'), 'X-Session-Id');
  const conversationId = chatVaultId(
    'EPHEMERAL',
    headers.get('x-conversation-id'),
    'X-Conversation-Id',
  );

  const limitHeader = controlHeader(
    headers,
    'X-Memory-Context-Limit',
    `a whole number of tokens from 0 to ${MAX_CONTEXT_LIMIT}`,
  );
  let contextLimit: number | null = null;
  if (limitHeader !== null) {
    contextLimit = Number(limitHeader);
    if (!Number.isInteger(contextLimit) || contextLimit < 0 || contextLimit > MAX_CONTEXT_LIMIT) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `X-Memory-Context-Limit must be a whole number of tokens from 0 to ${MAX_CONTEXT_LIMIT}`,
        'MEMORY_CONTROL',
      );
    }
  }

  const bias = controlHeader(
    headers,
    'X-Memory-Recency-Bias',
    'low, medium or high',
  )?.toLowerCase();
  if (bias !== undefined && !(bias in RECENCY_WINDOWS)) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Recency-Bias must be low, medium or high',
      'MEMORY_CONTROL',
    );
  }

  const windows = windowControls(headers, body, bias);

  const extract = flag(headers, 'X-Memory-Extract', false);
  if (extract && (mode === 'READ' || mode === 'OFF')) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Extract needs a memory mode that stores the turn (on or write)',
      'MEMORY_CONTROL',
    );
  }

  const factsVault = factsVaultControl(headers, extract);

  return {
    mode,
    sessionId,
    conversationId,
    storeRequest: flag(headers, 'X-Memory-Store', true),
    storeResponse: flag(headers, 'X-Memory-Store-Response', null),
    storeTools: flag(headers, 'X-Memory-Store-Tools', false),
    storeRepeats: flag(headers, 'X-Memory-Store-Repeats', false),
    contextLimit,
    windows,
    receiptInBody: flag(headers, 'X-Memory-Receipt-In-Body', false),
    extract,
    factsVault,
    now: nowControl(headers),
    placement: placementControl(headers),
  };
}

function placementControl(headers: Headers): 'system' | 'user' | null {
  const raw = controlHeader(headers, 'X-Memory-Placement', 'system or user')?.toLowerCase();
  if (raw === undefined) return null;
  if (raw === 'system') return 'system';
  if (raw === 'user') return 'user';
  throw new CodedError(
    'BAD_USER_INPUT',
    'X-Memory-Placement must be system or user',
    'MEMORY_CONTROL',
  );
}

/**
 * X-Memory-Facts-Vault, ChatInput.factsVault of the drop-in routes: `core`
 * keeps extracted facts in CORE, where every chat reads them. Only CORE is
 * named: a header has no room for a selector, and CORE is the vault every
 * session shares. Without X-Memory-Extract there are no facts to send.
 */
function factsVaultControl(headers: Headers, extract: boolean): VaultSelector | null {
  const raw = controlHeader(headers, 'X-Memory-Facts-Vault', 'core')?.toLowerCase();
  if (raw === undefined) return null;
  if (raw !== 'core') {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Facts-Vault must be core (facts go to the CORE vault); leave it out to keep facts with the turn',
      'MEMORY_CONTROL',
    );
  }
  if (!extract) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Facts-Vault says where extracted facts go: it needs X-Memory-Extract: true',
      'MEMORY_CONTROL',
    );
  }
  return { kind: 'CORE' };
}

/**
 * X-Memory-Now, read as GraphQL reads a search's or a chat's `now`
 * (core/memory-time.ts): RFC 3339 with its offset, or whole milliseconds,
 * within the range of a memory's time; refused with the same reasons
 * (INVALID_DATE_TIME, TIMESTAMP_IN_SECONDS, TIME_OUT_OF_RANGE). Sent empty
 * it is refused too: read as server time, a client whose clock value went
 * missing would never learn it (outside review 102 #6).
 */
function nowControl(headers: Headers): Date | null {
  const raw = controlHeader(
    headers,
    'X-Memory-Now',
    `an RFC 3339 date-time with its offset, e.g. ${EXAMPLE_TIME}, or milliseconds since the epoch`,
    { reason: 'INVALID_DATE_TIME', leftOut: 'server time' },
  );
  if (raw === null) return null;
  const read = readClientTime(/^\d+$/.test(raw) ? Number(raw) : raw);
  if (!read.ok) throw new CodedError('BAD_USER_INPUT', `X-Memory-Now ${read.problem}`, read.reason);
  const now = keepOffset(new Date(read.ms), read.offsetMinutes);
  checkReferenceTime(now, 'X-Memory-Now');
  return now;
}

/**
 * The windows asked for: `memory_windows` in the body wins over
 * X-Memory-Windows, as the other body fields win over their headers. With
 * X-Memory-Recency-Bias too, which of the two was meant is a guess: refused.
 */
function windowControls(
  headers: Headers,
  body: NativeBody,
  bias: string | undefined,
): WindowQuery[] | null {
  const header = headers.get('x-memory-windows');
  const listed =
    body.memory_windows !== undefined && body.memory_windows !== null
      ? readWindowList(body.memory_windows, 'memory_windows')
      : // Sent empty, the header names no window and is refused as `windows: []`
        // is (core/window-list.ts); only a header left out means the defaults.
        header !== null
        ? readWindowList(header, 'X-Memory-Windows')
        : null;
  if (listed !== null && bias !== undefined) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'X-Memory-Recency-Bias and X-Memory-Windows (or memory_windows) both choose the windows: send one',
      'MEMORY_CONTROL',
    );
  }
  return listed ?? (bias ? (RECENCY_WINDOWS[bias] ?? null) : null);
}

/**
 * Removes MemoryRouter's own fields so the provider never sees them:
 * `memory_mode`, `session_id` and `memory_windows` at the top, `memory` on
 * each message.
 * Returns the positions of messages marked `memory: false`.
 */
export function stripOwnFields(
  body: NativeBody,
  messagesKey: MessagesKey,
): { body: NativeBody; excluded: Set<number> } {
  const rest: NativeBody = { ...body };
  delete rest.memory_mode;
  delete rest.session_id;
  delete rest.memory_windows;
  const excluded = new Set<number>();
  const list = rest[messagesKey];
  const strip = (message: unknown, index: number, where: string) => {
    if (!isRecord(message) || !('memory' in message)) return message;
    const { memory, ...kept } = message;
    if (typeof memory !== 'boolean') {
      throw new CodedError(
        'BAD_USER_INPUT',
        `${where}.memory must be true or false`,
        'MEMORY_CONTROL',
      );
    }
    if (!memory) excluded.add(index);
    return kept;
  };
  if (Array.isArray(list)) {
    rest[messagesKey] = list.map((message: unknown, index) =>
      strip(message, index, `${messagesKey}[${index}]`),
    );
  } else if (isRecord(list)) {
    // One message object in place of the list (Gemini's `contents` as
    // Google's curl examples write it): the list's only message.
    rest[messagesKey] = strip(list, 0, messagesKey);
  }
  return { body: rest, excluded };
}

/**
 * With X-Memory-Extract, the label of the vault the facts go to
 * (X-Memory-Facts-Vault's CORE, else the turn's: the conversation's, the
 * session's or CORE), as vaultLabel writes it; null without extraction.
 */
export function factsVaultLabel(controls: MemoryControls): string | null {
  if (!controls.extract) return null;
  if (controls.factsVault !== null)
    return vaultLabel({
      kind: controls.factsVault.kind,
      externalId: controls.factsVault.id ?? null,
    });
  if (controls.conversationId !== null)
    return vaultLabel({ kind: 'EPHEMERAL', externalId: controls.conversationId });
  if (controls.sessionId !== null)
    return vaultLabel({ kind: 'SESSION', externalId: controls.sessionId });
  return vaultLabel({ kind: 'CORE', externalId: null });
}
