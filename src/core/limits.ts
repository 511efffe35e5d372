/**
 * Every input limit, in one place. The GraphQL validation (src/schema), the
 * resolvers, the JSONL import and the vault object all read them from here,
 * so no two layers can disagree. Three are deployment settings (Worker
 * variables read by src/core/config.ts, with the defaults below); the functions at
 * the end derive limits from them. docs/api.md "Limits" lists all of them for
 * users, and test/limits.test.ts checks that table against this file.
 * (Plain data only: this module imports nothing.)
 */

// ── one memory ──────────────────────────────────────────────────────────────

/** Default of MAX_CONTENT_BYTES: the longest content, in UTF-8 bytes. */
export const DEFAULT_MAX_CONTENT_BYTES = 32_768;

/** Most bytes of serialised metadata per memory. */
export const MAX_METADATA_BYTES = 16_384;

/**
 * Deepest nesting of metadata (`{}` is 1, `{"a": {}}` is 2). Far below
 * SQLite's own limit of 1,000, past which its JSON functions fail, and so
 * would every metadata-filtered search of the vault.
 */
export const MAX_METADATA_DEPTH = 32;

/** Longest caller-supplied embedding (a memory's or a query's). */
export const MAX_EMBEDDING_DIMENSIONS = 4_096;

/** Earliest `createdAt` accepted: 1970-01-01T00:00:00Z (time 0). */
export const EARLIEST_CREATED_AT = 0;

/** How far ahead of the server's clock a `createdAt` may be (clock skew). */
export const CREATED_AT_FUTURE_SLACK_MS = 60_000;

/**
 * How far ahead of the server's clock a search's or chat's `now` may be.
 * Wider than a `createdAt`'s: a device whose clock runs minutes fast would
 * otherwise see every chat refused, while a `now` somewhat ahead harms
 * nothing (it only sees every memory); a day still catches the
 * 9999-12-31s and unit mix-ups that would silently find nothing.
 */
export const REFERENCE_TIME_FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

/** A memory's id inside its vault: kept by exports and imports. */
export const LOCAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Session and conversation ids: 1–128 characters of a URL- and log-safe set. */
export const EXTERNAL_ID = /^[A-Za-z0-9._:@~-]{1,128}$/;

/** A `storeMemories` idempotency key: 1–255 printable ASCII characters, no spaces (a UUID fits). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** How long a vault remembers an idempotency key and the result it answered. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** A chat turn that repeats a live memory of its vault created this recently is not stored again. */
export const REPEATED_TURN_WINDOW_MS = 24 * 3_600_000;

// ── one call ────────────────────────────────────────────────────────────────

/** Most memories one store call accepts from its caller (`storeMemories`, an import batch). */
export const MAX_STORE_BATCH = 100;
/** Most facts one extraction keeps, whatever the model returns. */
export const MAX_FACTS_PER_CALL = 10;
/**
 * Most memories one vault write takes: a full batch and the facts extracted
 * from it (`storeMemories(extract:)` writes both in one transaction, so the
 * caller's limit stays on the inputs alone).
 */
export const MAX_VAULT_WRITE = MAX_STORE_BATCH + MAX_FACTS_PER_CALL;
/** Most ids one deleteMemories call takes. */
export const MAX_DELETE_BATCH = 100;

/** Most vaults one search reads. */
export const MAX_SEARCH_VAULTS = 10;

/** Most windows one search names (there are four). */
export const MAX_SEARCH_WINDOWS = 4;

/** Most hits one window returns. */
export const MAX_HITS_PER_WINDOW = 50;

/** Longest query text, in characters. */
export const MAX_QUERY_LENGTH = 4_000;

/** Most key/value pairs in a metadata filter. */
export const MAX_FILTER_KEYS = 16;

/** Memories (and vaults, in `vaultsConnection`) per listing page: the default and the most. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `vaults` lists at most this many vaults, by default DEFAULT_LISTED_VAULTS; `vaultsConnection` pages past it. */
export const MAX_LISTED_VAULTS = 1_000;
export const DEFAULT_LISTED_VAULTS = 100;

// ── one WebSocket ───────────────────────────────────────────────────────────

/**
 * Most operations one GraphQL WebSocket runs at once (graphql-ws calls each a
 * subscription: live ones, and queries and mutations until they answer).
 * Each live subscription holds a vault's event socket or an upstream model
 * call in the connection's isolate; a client watching more vaults than this
 * opens another connection.
 */
export const MAX_OPERATIONS_PER_SOCKET = 50;

/**
 * Most live `memoryEvents` subscriptions one vault serves at once, over SSE,
 * EventSource GET and WebSocket together (each operation of a socket is
 * one). Counted by the vault object, the one place that sees every
 * subscriber of its vault, whatever isolate serves the client (a key's
 * sockets span isolates, so no count per key would be true). Every event
 * is sent to each of them in turn: the bound keeps one write's fan-out small
 * (review214 W3: 3,000 subscribers held a store 3.2 s). A streamed `chat`
 * is not a live subscription: it holds no vault socket.
 */
export const MAX_SUBSCRIPTIONS_PER_VAULT = 100;

// ── one account ─────────────────────────────────────────────────────────────

/**
 * Most memory keys an account holds that are not revoked. `memoryKeys`
 * lists them in one answer, and every key is a row the account object keeps:
 * a bound, so a runaway script cannot grow either without end (review236).
 * Revoked keys do not count.
 */
export const MAX_ACTIVE_MEMORY_KEYS = 1_000;

/**
 * Most keys one `memoryKeys` page asks for (`first`): the active cap, so a
 * page can always hold every key that works.
 */
export const MAX_KEYS_LISTED = MAX_ACTIVE_MEMORY_KEYS;

// ── one vault ───────────────────────────────────────────────────────────────

/** Defaults of VAULT_MAX_MEMORIES and VAULT_MAX_HOT_MIB. */
export const DEFAULT_VAULT_MAX_MEMORIES = 250_000;
export const DEFAULT_VAULT_MAX_HOT_MIB = 40;

/**
 * Hot bytes one row of `dimensions` costs (src/durable/hot-tier/hot-rows.ts): its
 * 2-bit codes in blocks of 64 components, scale, scan score, timestamp, seq,
 * chunk number and residual. 124 bytes at 384 dimensions. A small vault also
 * keeps its float32 vectors, within the isolate's budget (hot-budget.ts).
 */
export function hotRowBytes(dimensions: number): number {
  return Math.ceil(dimensions / 64) * 16 + 4 + 4 + 8 + 4 + 4 + 4;
}

/** Most rows of `dimensions` the hot index holds (a long memory takes one per chunk). */
export function maxHotRows(config: { vaultMaxHotBytes: number }, dimensions: number): number {
  return Math.floor(config.vaultMaxHotBytes / hotRowBytes(dimensions));
}

/** Most memories a vault of `dimensions` holds. */
export function vaultCapacity(
  config: { vaultMaxMemories: number; vaultMaxHotBytes: number },
  dimensions: number,
): number {
  return Math.min(config.vaultMaxMemories, maxHotRows(config, dimensions));
}
